import { describe, expect, it } from 'vitest';
import { d2xy, hilbertLayout, xy2d } from './hilbert';

describe('Hilbert curve', () => {
  it('d2xy and xy2d are inverse, and neighbours in d are neighbours on the grid', () => {
    for (const side of [1, 2, 4, 16, 32]) {
      const seen = new Set<number>();
      let prev: [number, number] | undefined;
      for (let d = 0; d < side * side; d++) {
        const [x, y] = d2xy(side, d);
        expect(x).toBeLessThan(side);
        expect(y).toBeLessThan(side);
        expect(xy2d(side, x, y)).toBe(d);
        seen.add(y * side + x);
        if (prev) expect(Math.abs(prev[0] - x) + Math.abs(prev[1] - y)).toBe(1);
        prev = [x, y];
      }
      expect(seen.size).toBe(side * side);
    }
  });

  it('starts at the origin and ends at the bottom-right corner of row 0', () => {
    expect(d2xy(8, 0)).toEqual([0, 0]);
    expect(d2xy(8, 63)).toEqual([7, 0]);
  });

  it('4^j aligned consecutive indices form one 2^j square (zooming out = aggregating)', () => {
    const side = 16;
    for (let block = 0; block < (side * side) / 16; block++) {
      const xs = new Set<number>();
      const ys = new Set<number>();
      for (let i = 0; i < 16; i++) {
        const [x, y] = d2xy(side, block * 16 + i);
        xs.add(x >> 2);
        ys.add(y >> 2);
      }
      expect(xs.size).toBe(1);
      expect(ys.size).toBe(1);
    }
  });
});

describe('hilbertLayout', () => {
  it('places 2·4^n cells in two squares side by side, continuous across the seam', () => {
    const l = hilbertLayout(2 * 64 * 64);
    expect([l.side, l.squares, l.width, l.height]).toEqual([64, 2, 128, 64]);
    const pos = new Map<number, number>();
    l.cellAt.forEach((c, i) => c >= 0 && pos.set(c, i));
    expect(pos.size).toBe(l.cells);
    const at = (c: number) => [pos.get(c)! % l.width, Math.floor(pos.get(c)! / l.width)];
    const [x0, y0] = at(64 * 64 - 1);
    const [x1, y1] = at(64 * 64);
    expect(Math.abs(x0 - x1) + Math.abs(y0 - y1)).toBe(1);
  });

  it('uses one square for 4^n cells and marks positions past the last cell', () => {
    expect(hilbertLayout(256)).toMatchObject({ side: 16, squares: 1, width: 16, height: 16 });
    const l = hilbertLayout(5);
    expect(l.cellAt.filter((c) => c >= 0).length).toBe(5);
    expect(l.cellAt.filter((c) => c < 0).length).toBe(l.width * l.height - 5);
  });
});
