/**
 * One colour per VM, everywhere on the page (domain list, timeline, frame
 * map, charts): the Okabe–Ito palette, distinguishable with the common
 * colour-vision deficiencies, extended with Tableau's. A domain keeps its
 * colour for the session (by first appearance), so colours never shuffle
 * when another VM starts or stops.
 */
export const VM_PALETTE = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // green
  '#CC79A7', // pink
  '#56B4E9', // sky
  '#D55E00', // vermillion
  '#8c564b', // brown
  '#7f7f7f', // grey
  '#bcbd22', // olive
  '#17becf', // cyan
] as const;

const assigned = new Map<string, number>();

/** The VM's colour (hex), stable for the session. */
export function vmColor(name: string): string {
  let i = assigned.get(name);
  if (i === undefined) {
    const used = new Set(assigned.values());
    i = 0;
    while (used.has(i) && i < VM_PALETTE.length) i++;
    if (i >= VM_PALETTE.length) i = assigned.size % VM_PALETTE.length;
    assigned.set(name, i);
  }
  return VM_PALETTE[i];
}

/** The colour for vCPU `index` of a VM: the VM's colour, lighter for higher vCPUs (Perfetto's shade per thread). */
export function vcpuColor(name: string, index: number): string {
  const base = vmColor(name);
  if (index === 0) return base;
  const amount = Math.min(0.6, index * 0.18);
  const n = parseInt(base.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const r = mix(n >> 16);
  const g = mix((n >> 8) & 255);
  const b = mix(n & 255);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

/** Frees a deleted domain's colour for the next new one. */
export function forgetVmColor(name: string): void {
  assigned.delete(name);
}
