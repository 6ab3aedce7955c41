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
