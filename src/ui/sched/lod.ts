import type { SegmentSeries } from './segment-series';

/**
 * Level of detail for drawing a segment series into `width` pixels, as
 * Perfetto does: when a window holds more segments than buckets, the time
 * axis is cut into buckets of a power-of-two number of ms (about two per
 * pixel, aligned to absolute time so a bucket's content never changes while
 * panning or scrolling live), each bucket drawn as one rectangle: how much
 * of it is covered (exact, from the series' running sums) and by which
 * value (the longest of a few sampled segments). Finished buckets are
 * cached, so a live view computes only the newest few per frame. Runs of
 * equal value closer than half a pixel merge, so the number of rectangles
 * is bounded by the width, not by the trace.
 */

/**
 * Rectangles to draw, in whole pixels from the window's left edge (whole
 * pixels: no anti-aliasing, which software canvases pay dearly for). What
 * falls inside one pixel column becomes one rectangle with the value that
 * covered the most of it; adjacent rectangles of one value merge.
 */
export class Runs {
  x0 = new Float32Array(512);
  x1 = new Float32Array(512);
  /** Fraction of the run's width covered by segments (0–1]. */
  fill = new Float32Array(512);
  value = new Uint16Array(512);
  length = 0;
  /** The pixel column being gathered (-1: none), its coverage and its best value. */
  #px = -1;
  #pxCovered = 0;
  #pxBest = -1;
  #pxValue = 0;

  clear(): void {
    this.length = 0;
    this.#px = -1;
  }

  /**
   * Adds [x0, x1) px of which `covered` px are covered, with `value`. The
   * pixel columns it only partly covers go to the per-column choice; the
   * columns it covers whole become a run. Call finish() after the last.
   */
  add(x0: number, x1: number, covered: number, value: number): void {
    if (!(x1 > x0)) return;
    const density = covered / (x1 - x0);
    const a = Math.floor(x0);
    const b = Math.floor(x1);
    if (a === b) {
      this.#pixel(a, covered, value);
      return;
    }
    let start = a;
    if (x0 > a) {
      this.#pixel(a, (a + 1 - x0) * density, value);
      start = a + 1;
    }
    if (b > start) {
      this.#flushPixel();
      this.#push(start, b, (b - start) * density, value);
    }
    if (x1 > b) this.#pixel(b, (x1 - b) * density, value);
  }

  #pixel(px: number, covered: number, value: number): void {
    if (this.#px !== px) {
      this.#flushPixel();
      this.#px = px;
      this.#pxCovered = 0;
      this.#pxBest = -1;
    }
    this.#pxCovered += covered;
    if (covered > this.#pxBest) {
      this.#pxBest = covered;
      this.#pxValue = value;
    }
  }

  /** Emits the last pixel column gathered. */
  finish(): void {
    this.#flushPixel();
  }

  #flushPixel(): void {
    if (this.#px < 0) return;
    const px = this.#px;
    this.#px = -1;
    this.#push(px, px + 1, Math.min(1, this.#pxCovered), this.#pxValue);
  }

  #push(x0: number, x1: number, covered: number, value: number): void {
    const n = this.length;
    if (n > 0 && this.value[n - 1] === value && x0 - this.x1[n - 1] < 0.5) {
      const w0 = this.x1[n - 1] - this.x0[n - 1];
      const c0 = this.fill[n - 1] * w0;
      this.x1[n - 1] = Math.max(this.x1[n - 1], x1);
      const w = this.x1[n - 1] - this.x0[n - 1];
      this.fill[n - 1] = w > 0 ? Math.min(1, (c0 + covered) / w) : 1;
      return;
    }
    if (n > 0 && x0 < this.x1[n - 1]) x0 = this.x1[n - 1]; // a column already drawn
    if (x1 <= x0) return;
    if (n === this.x0.length) this.#grow();
    this.x0[n] = x0;
    this.x1[n] = x1;
    this.fill[n] = Math.min(1, covered / (x1 - x0));
    this.value[n] = value;
    this.length = n + 1;
  }

  #grow(): void {
    const size = this.x0.length * 2;
    const x0 = new Float32Array(size);
    const x1 = new Float32Array(size);
    const fill = new Float32Array(size);
    const value = new Uint16Array(size);
    x0.set(this.x0);
    x1.set(this.x1);
    fill.set(this.fill);
    value.set(this.value);
    Object.assign(this, { x0, x1, fill, value });
  }
}

/** The bucket size for `spanMs` over `widthPx`: a power of two ms, about two buckets per pixel. */
export function bucketMs(spanMs: number, widthPx: number): number {
  return 2 ** Math.round(Math.log2(spanMs / Math.max(1, widthPx) / 2));
}

/** How many segments a bucket samples to choose its value. */
const SAMPLES = 8;

/** Finished buckets of one series at one bucket size, in a direct-mapped table by bucket number. */
export class BinCache {
  bucket = NaN;
  hits = 0;
  misses = 0;
  #tags = new Float64Array(8192).fill(NaN);
  #value = new Uint16Array(8192);
  #covered = new Float32Array(8192);

  /** Forgets everything if the bucket size changed. */
  use(bucket: number): void {
    if (bucket === this.bucket) return;
    this.bucket = bucket;
    this.#tags.fill(NaN);
  }

  get(b: number): boolean {
    return this.#tags[b & 8191] === b;
  }
  value(b: number): number {
    return this.#value[b & 8191];
  }
  covered(b: number): number {
    return this.#covered[b & 8191];
  }
  set(b: number, value: number, covered: number): void {
    const i = b & 8191;
    this.#tags[i] = b;
    this.#value[i] = value;
    this.#covered[i] = covered;
  }
}

/**
 * Fills `out` with the rectangles of `series` in the window [t0, t1] drawn
 * `width` pixels wide. Segments are drawn one by one when there are fewer
 * than buckets, else bucketed (through `cache` when given). Returns
 * whether it bucketed.
 */
export function layoutRuns(
  series: SegmentSeries,
  t0: number,
  t1: number,
  width: number,
  out: Runs,
  cache?: BinCache,
): boolean {
  out.clear();
  if (!(t1 > t0) || width <= 0) return false;
  const pxPerMs = width / (t1 - t0);
  const i0 = series.firstEndingAfter(t0);
  const i1 = series.firstStartingAt(t1, i0);
  if (i1 <= i0) return false;
  const size = bucketMs(t1 - t0, width);
  const b0 = Math.floor(t0 / size);
  const b1 = Math.ceil(t1 / size);
  const starts = series.starts;
  const ends = series.ends;
  const values = series.values;
  if (i1 - i0 <= b1 - b0) {
    for (let i = i0; i < i1; i++) {
      const x0 = (Math.max(starts[i], t0) - t0) * pxPerMs;
      const x1 = (Math.min(ends[i], t1) - t0) * pxPerMs;
      out.add(x0, x1, x1 - x0, values[i]);
    }
    out.finish();
    return false;
  }
  cache?.use(size);
  const final = series.lastEnd;
  let cursor = i0;
  for (let b = b0; b < b1; b++) {
    const bs = b * size;
    const be = bs + size;
    let value: number;
    let covered: number;
    if (cache?.get(b)) {
      value = cache.value(b);
      covered = cache.covered(b);
      cache.hits++;
    } else {
      cursor = series.gallopEndingAfter(bs, cursor);
      if (cursor >= series.tail) break;
      if (starts[cursor] >= be) {
        // Nothing in this bucket: jump to the bucket of the next segment.
        const next = Math.floor(starts[cursor] / size);
        if (cache && be <= final) for (let k = b; k < next && k < b1; k++) cache.set(k, 0, 0);
        b = next - 1;
        continue;
      }
      const last = series.gallopEndingAfter(be, cursor);
      const j1 = last < series.tail && starts[last] < be ? last + 1 : last;
      covered = series.coveredBetween(cursor, j1, bs, be);
      const n = j1 - cursor;
      const stride = Math.max(1, Math.floor(n / SAMPLES));
      let best = -1;
      value = 0;
      for (let j = cursor; j < j1; j += stride) {
        const d = Math.min(ends[j], be) - Math.max(starts[j], bs);
        if (d > best) {
          best = d;
          value = values[j];
        }
      }
      if (cache) {
        cache.misses++;
        if (be <= final) cache.set(b, value, covered);
      }
    }
    if (covered <= 0) continue;
    const x0 = (Math.max(bs, t0) - t0) * pxPerMs;
    const x1 = (Math.min(be, t1) - t0) * pxPerMs;
    out.add(x0, x1, covered * pxPerMs, value);
  }
  out.finish();
  return true;
}
