import { describe, expect, it } from 'vitest';
import { P2M } from './p2m';
import { PAGE_KIND, classifyPages } from './p2m-view';

describe('classifyPages', () => {
  it('tells untouched, private, KSM, zero and ballooned pages apart', () => {
    const zero = 99;
    const table = Int32Array.from([
      -1,
      5,
      7 | P2M.WP,
      zero | P2M.WP,
      P2M.BALLOONED,
      8 | P2M.WP | P2M.PENDING,
    ]);
    const out = new Uint8Array(table.length);
    const counts = classifyPages(table, zero, out);
    expect(Array.from(out)).toEqual([
      PAGE_KIND.UNTOUCHED,
      PAGE_KIND.PRIVATE,
      PAGE_KIND.KSM,
      PAGE_KIND.ZERO,
      PAGE_KIND.BALLOONED,
      PAGE_KIND.PRIVATE,
    ]);
    expect(counts).toEqual([1, 2, 1, 1, 1]);
  });
});
