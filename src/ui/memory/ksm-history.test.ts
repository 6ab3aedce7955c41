import { describe, expect, it } from 'vitest';
import type { KsmStats } from '../../hypervisor/ksm/ksm-state';
import { KsmHistory } from './ksm-history';

const stats = (over: Partial<KsmStats>): KsmStats => ({
  pages_shared: 0,
  pages_sharing: 0,
  pages_unshared: 0,
  pages_volatile: 0,
  pages_scanned: 0,
  full_scans: 0,
  ksm_zero_pages: 0,
  stable_node_chains: 0,
  stable_node_dups: 0,
  pages_skipped: 0,
  general_profit: 0,
  scan_ms: 0,
  merges: 0,
  ...over,
});

describe('KsmHistory', () => {
  it('keeps columns for the charts: pages, saved vs offered (MiB), sharing ratio', () => {
    const h = new KsmHistory();
    h.push(1, stats({}));
    h.push(
      2,
      stats({ pages_shared: 256, pages_sharing: 512, pages_unshared: 256, ksm_zero_pages: 256 }),
    );
    expect(h.pagesData()).toEqual([
      [1, 2],
      [0, 256],
      [0, 512],
      [0, 256],
      [0, 0],
    ]);
    expect(h.savingsData()).toEqual([
      [1, 2],
      [0, 3],
      [0, 4],
    ]);
    expect(h.ratioData()).toEqual([
      [1, 2],
      [null, 2],
    ]);
  });

  it('forgets the oldest sample past its capacity', () => {
    const h = new KsmHistory(3);
    for (let t = 0; t < 5; t++) h.push(t, stats({ pages_volatile: t }));
    expect(h.length).toBe(3);
    expect(h.pagesData()[0]).toEqual([2, 3, 4]);
    expect(h.pagesData()[4]).toEqual([2, 3, 4]);
  });
});
