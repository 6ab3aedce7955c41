/**
 * kvm_stat's figures from sampled cumulative exit counters: per reason the
 * total, its share and its rate over a window (like kvm_stat's CurAvg/s),
 * and a history of rates for the stacked chart.
 */
export interface ExitRow {
  reason: string;
  total: number;
  pct: number;
  rate: number;
}

export class ExitRates {
  readonly #samples: { t: number; counts: Record<string, number> }[] = [];
  /** Rates per reason, one entry per sample, for the chart. */
  readonly history: { t: number; rates: Record<string, number> }[] = [];

  constructor(
    readonly windowMs = 2000,
    readonly historyLength = 240,
  ) {}

  add(t: number, counts: Record<string, number>): void {
    this.#samples.push({ t, counts: { ...counts } });
    while (this.#samples.length > 2 && t - this.#samples[1].t >= this.windowMs)
      this.#samples.shift();
    const rows = this.rows();
    this.history.push({ t, rates: Object.fromEntries(rows.map((r) => [r.reason, r.rate])) });
    if (this.history.length > this.historyLength) this.history.shift();
  }

  /** The table, most frequent first. */
  rows(): ExitRow[] {
    const last = this.#samples.at(-1);
    if (!last) return [];
    const first = this.#samples[0];
    const dt = (last.t - first.t) / 1000;
    const total = Object.values(last.counts).reduce((a, b) => a + b, 0);
    return Object.entries(last.counts)
      .map(([reason, n]) => ({
        reason,
        total: n,
        pct: total > 0 ? (100 * n) / total : 0,
        rate: dt > 0 ? Math.max(0, (n - (first.counts[reason] ?? 0)) / dt) : 0,
      }))
      .sort((a, b) => b.total - a.total);
  }
}
