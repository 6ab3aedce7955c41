import { VirtError } from './errors';
import { quote } from './quote';

/**
 * libvirt's cpulist syntax (as in `virsh vcpupin` and `<vcpupin cpuset=...>`):
 * comma-separated CPUs and ranges, with `^N` excluding one, e.g. "0-3,^2".
 * Returns a bitmask over `pcpus` pCPUs; throws invalid-arg for bad syntax
 * or a pCPU the host does not have.
 */
export function parseCpulist(text: string, pcpus: number): number {
  const spec = text.trim();
  if (spec === '') throw new VirtError('invalid-arg', 'empty cpulist');
  let mask = 0;
  const exclude: number[] = [];
  for (const part of spec.split(',')) {
    const m = part.trim().match(/^(\^)?(\d+)(?:-(\d+))?$/);
    if (!m)
      throw new VirtError(
        'invalid-arg',
        `invalid cpulist '${quote(text)}': cannot parse '${quote(part)}'`,
      );
    const lo = Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (hi < lo)
      throw new VirtError(
        'invalid-arg',
        `invalid cpulist '${quote(text)}': range ${lo}-${hi} is backwards`,
      );
    if (m[1] && m[3] !== undefined)
      throw new VirtError(
        'invalid-arg',
        `invalid cpulist '${quote(text)}': cannot exclude a range`,
      );
    for (let c = lo; c <= hi; c++) {
      if (c >= pcpus) {
        throw new VirtError(
          'invalid-arg',
          `invalid cpulist '${quote(text)}': the host has ${pcpus} pCPU(s), 0-${pcpus - 1}`,
        );
      }
      if (m[1]) exclude.push(c);
      else mask |= 1 << c;
    }
  }
  for (const c of exclude) mask &= ~(1 << c);
  if (mask === 0) throw new VirtError('invalid-arg', `cpulist '${quote(text)}' names no pCPU`);
  return mask;
}

/** The inverse: a bitmask as a cpulist ("0-1,3"). -1 means every pCPU. */
export function formatCpulist(mask: number, pcpus: number): string {
  const cpus: number[] = [];
  for (let c = 0; c < pcpus; c++) if (mask === -1 || (mask >>> c) & 1) cpus.push(c);
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The highest CPU number libvirt's bitmaps take (VIR_DOMAIN_CPUMASK_LEN − 1 = 16383). */
export const CPULIST_MAX_CPU = 16383;

/**
 * A cpulist read without a host (define time, as libvirt's virBitmapParse):
 * syntax checked, CPUs up to CPULIST_MAX_CPU. Returns the CPUs it names in
 * ascending order; throws invalid-arg for bad syntax or an empty set.
 */
export function cpulistCpus(text: string): number[] {
  const spec = text.trim();
  if (spec === '') throw new VirtError('invalid-arg', 'empty cpulist');
  // Linear in the text plus CPULIST_MAX_CPU: ranges go into a difference array, swept once.
  const starts = new Int32Array(CPULIST_MAX_CPU + 2);
  const excluded = new Uint8Array(CPULIST_MAX_CPU + 1);
  for (const part of spec.split(',')) {
    const m = part.trim().match(/^(\^)?(\d+)(?:-(\d+))?$/);
    const lo = m ? Number(m[2]) : NaN;
    const hi = m?.[3] !== undefined ? Number(m[3]) : lo;
    if (!m || !(lo <= hi) || hi > CPULIST_MAX_CPU || (m[1] && m[3] !== undefined))
      throw new VirtError('invalid-arg', `invalid cpulist '${quote(text)}'`);
    if (m[1]) excluded[lo] = 1;
    else {
      starts[lo]++;
      starts[hi + 1]--;
    }
  }
  const cpus: number[] = [];
  for (let cpu = 0, depth = 0; cpu <= CPULIST_MAX_CPU; cpu++) {
    depth += starts[cpu];
    if (depth > 0 && !excluded[cpu]) cpus.push(cpu);
  }
  if (cpus.length === 0)
    throw new VirtError('invalid-arg', `cpulist '${quote(text)}' names no pCPU`);
  return cpus;
}
