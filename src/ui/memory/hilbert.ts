/**
 * The Hilbert curve (Wikipedia's iterative d2xy/xy2d): index `d` along a
 * curve filling a `side` × `side` square, `side` a power of two. Nearby
 * indices land nearby, so a contiguous run of host frames stays a compact
 * blob on the frame map, and 4^j consecutive indices aligned on 4^j form
 * one 2^j × 2^j square: aggregating 4^j frames per cell is the same map
 * zoomed out by 2^j. The curve starts at (0, 0) and ends at (side − 1, 0).
 */
export function d2xy(side: number, d: number): [number, number] {
  let x = 0;
  let y = 0;
  let t = d;
  for (let s = 1; s < side; s *= 2) {
    const rx = 1 & (t >> 1);
    const ry = 1 & (t ^ rx);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      const swap = x;
      x = y;
      y = swap;
    }
    x += s * rx;
    y += s * ry;
    t >>= 2;
  }
  return [x, y];
}

export function xy2d(side: number, x: number, y: number): number {
  let d = 0;
  for (let s = side >> 1; s > 0; s >>= 1) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = side - 1 - x;
        y = side - 1 - y;
      }
      const swap = x;
      x = y;
      y = swap;
    }
  }
  return d;
}

/**
 * Where `cells` cells sit on a grid: Hilbert squares of `side` × `side`
 * placed left to right (square k holds cells [k·side², (k+1)·side²)), so
 * each square starts beside where the previous one ended. `cellAt` maps a
 * grid position (y · width + x) to its cell, −1 past the last one.
 */
export interface HilbertLayout {
  cells: number;
  side: number;
  squares: number;
  width: number;
  height: number;
  cellAt: Int32Array;
}

const layouts = new Map<number, HilbertLayout>();

/** A layout for `cells` cells: the largest square side that needs at most 3 squares. Cached. */
export function hilbertLayout(cells: number): HilbertLayout {
  const cached = layouts.get(cells);
  if (cached) return cached;
  let side = 1;
  while (side * side * 4 <= cells) side *= 2;
  let squares = Math.max(1, Math.ceil(cells / (side * side)));
  if (squares === 4) {
    side *= 2;
    squares = 1;
  }
  const width = side * squares;
  const height = side;
  const cellAt = new Int32Array(width * height).fill(-1);
  const per = side * side;
  for (let c = 0; c < cells; c++) {
    const k = Math.floor(c / per);
    const [x, y] = d2xy(side, c - k * per);
    cellAt[y * width + k * side + x] = c;
  }
  const layout = { cells, side, squares, width, height, cellAt };
  layouts.set(cells, layout);
  return layout;
}
