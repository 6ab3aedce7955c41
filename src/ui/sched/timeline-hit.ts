import { P, PCPU_STATE, V, type SchedState } from '../../hypervisor/host/sched-state';
import type { SchedTrace } from './sched-trace';
import type { Geometry } from './timeline-render';

/** The vCPU key under (x, y) on the canvas: a slice in a pCPU lane, or a vCPU's track; -1 for none. */
export function hitTest(
  trace: SchedTrace,
  st: SchedState | undefined,
  geo: Geometry,
  t0: number,
  t1: number,
  now: number,
  x: number,
  y: number,
): number {
  if (x < geo.gutter) {
    const row = geo.rows.find((r) => y >= r.y && y < r.y + r.h);
    return row?.kind === 'track' ? row.key : -1;
  }
  const row = geo.rows.find((r) => y >= r.y - 1 && y < r.y + r.h + 1);
  if (!row) return -1;
  if (row.kind === 'track') return row.key;
  const t = t0 + ((x - geo.gutter) / geo.plotW) * (t1 - t0);
  // Half a pixel either side, so a sub-pixel slice can be picked.
  const slack = (0.5 * (t1 - t0)) / geo.plotW;
  const lane = trace.lanes[row.pcpu];
  if (lane) {
    const i = lane.firstEndingAfter(t - slack);
    if (i < lane.tail && lane.starts[i] <= t + slack) return lane.values[i];
  }
  if (st && t >= (lane?.lastEnd ?? -Infinity) && t <= now) {
    const p = st.pcpu(row.pcpu);
    const slot = p[P.CURRENT];
    if (p[P.STATE] === PCPU_STATE.RUNNING && slot >= 0)
      return trace.keyOfSlot(st.vcpu(slot)[V.VM], slot);
  }
  return -1;
}

/** The `data-shares` attribute: domain → fraction of busy pCPU time, 3 decimals, sorted by name. */
export function sharesJson(shares: Record<string, number>): string {
  const out: Record<string, number> = {};
  for (const name of Object.keys(shares).sort()) out[name] = Math.round(shares[name] * 1000) / 1000;
  return JSON.stringify(out);
}

export interface SummaryRow {
  key: number;
  domain: string;
  index: number;
  /** Fractions of the window. */
  run: number;
  steal: number;
  halted: number;
  /** In exits to the VMM (part of the time on a pCPU, not in run). */
  exit: number;
}

/** Each vCPU's share of the window [t0, t1] (the screen reader's text summary). */
export function summarise(
  trace: SchedTrace,
  domain: string | undefined,
  t0: number,
  t1: number,
): SummaryRow[] {
  const span = t1 - t0;
  if (!(span > 0)) return [];
  const rows: SummaryRow[] = [];
  for (const tot of trace.totals(t0, t1)) {
    const k = trace.keys[tot.key];
    if (k.domain === undefined || (domain !== undefined && k.domain !== domain)) continue;
    rows.push({
      key: tot.key,
      domain: k.domain,
      index: k.index,
      run: tot.runMs / span,
      steal: tot.stealMs / span,
      halted: tot.blockedMs / span,
      exit: tot.exitMs / span,
    });
  }
  return rows.sort((a, b) => a.domain.localeCompare(b.domain) || a.index - b.index);
}
