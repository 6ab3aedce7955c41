import { VshError } from './errors';

/**
 * Host CPU sets as virsh reads and prints them: virshParseCPUList (a
 * cpulist such as "0-3,^2", or "r" for every CPU) and the `y`/`-` affinity
 * strings of vcpuinfo.
 */

/** The CPUs of a cpulist (libvirt's virBitmapParse syntax), or undefined if malformed. */
export function cpulistToSet(text: string): Set<number> | undefined {
  // Linear in the text: ranges go into a difference array swept once.
  const starts = new Int32Array(1025);
  const excluded = new Uint8Array(1024);
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = part.match(/^(\^)?(\d+)(?:\s*-\s*(\d+))?$/);
    if (!m) return undefined;
    const lo = Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (hi < lo || hi >= 1024 || (m[1] && m[3] !== undefined)) return undefined;
    if (m[1]) excluded[lo] = 1;
    else {
      starts[lo]++;
      starts[hi + 1]--;
    }
  }
  const set = new Set<number>();
  for (let c = 0, depth = 0; c < 1024; c++) {
    depth += starts[c];
    if (depth > 0 && !excluded[c]) set.add(c);
  }
  return set;
}

/** The cpulist of a set ("0-1,3"). */
export function setToCpulist(cpus: Iterable<number>): string {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** virshParseCPUList: the cpulist to pin to, normalised, with vsh's errors. */
export function parsePinList(text: string, maxcpu: number): string {
  if (text.startsWith('r')) return setToCpulist(Array.from({ length: maxcpu }, (_, i) => i));
  const set = cpulistToSet(text);
  if (!set || set.size === 0) throw new VshError(`Invalid cpulist '${text}'`);
  const last = Math.max(...set);
  if (last >= maxcpu) {
    throw new VshError(`CPU ${last} in cpulist '${text}' exceed the maxcpu ${maxcpu}`);
  }
  return setToCpulist(set);
}

/** vcpuinfo's "CPU Affinity:" value: one y or - per host CPU, or "0-3 (out of 4)" with --pretty. */
export function affinityString(cpulist: string, maxcpu: number, pretty: boolean): string {
  const set = cpulistToSet(cpulist) ?? new Set<number>();
  if (pretty) return `${setToCpulist([...set].filter((c) => c < maxcpu))} (out of ${maxcpu})`;
  return Array.from({ length: maxcpu }, (_, c) => (set.has(c) ? 'y' : '-')).join('');
}
