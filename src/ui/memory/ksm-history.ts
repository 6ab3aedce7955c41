import type { KsmStats } from '../../hypervisor/ksm/ksm-state';

/** Series names of the KSM charts, in uPlot's data order after time. */
export const KSM_SERIES = {
  pages: ['pages_shared', 'pages_sharing', 'pages_unshared', 'pages_volatile'],
  savings: ['saved', 'offered'],
  ratio: ['ratio'],
} as const;

/**
 * ksmd's statistics sampled about once a second for the last few minutes,
 * as uPlot's column arrays (time in seconds first). "Offered" is every page
 * ksmd is tracking (shared + sharing + unshared + volatile, netdata's
 * definition), "saved" the pages merging spared (pages_sharing, plus
 * ksm_zero_pages merged with the zero frame), both MiB; the ratio is
 * pages_sharing : pages_shared (guest pages per KSM page).
 */
export class KsmHistory {
  readonly t: number[] = [];
  readonly pages: number[][] = [[], [], [], []];
  readonly savings: number[][] = [[], []];
  readonly ratio: (number | null)[] = [];

  constructor(readonly capacity = 300) {}

  push(tSec: number, s: KsmStats): void {
    this.t.push(tSec);
    [s.pages_shared, s.pages_sharing, s.pages_unshared, s.pages_volatile].forEach((v, i) =>
      this.pages[i].push(v),
    );
    const offered = s.pages_shared + s.pages_sharing + s.pages_unshared + s.pages_volatile;
    this.savings[0].push(((s.pages_sharing + s.ksm_zero_pages) * 4) / 1024);
    this.savings[1].push((offered * 4) / 1024);
    this.ratio.push(s.pages_shared > 0 ? s.pages_sharing / s.pages_shared : null);
    if (this.t.length > this.capacity) {
      this.t.shift();
      for (const a of [...this.pages, ...this.savings, this.ratio]) a.shift();
    }
  }

  get length(): number {
    return this.t.length;
  }

  pagesData(): [number[], ...number[][]] {
    return [this.t, ...this.pages];
  }

  savingsData(): [number[], ...number[][]] {
    return [this.t, ...this.savings];
  }

  ratioData(): [number[], (number | null)[]] {
    return [this.t, this.ratio];
  }
}
