/**
 * A column-wise, time-ordered series of non-overlapping segments
 * [start, end) with a small integer value each (a vCPU key on a pCPU lane,
 * a state on a vCPU track): the main thread's store of the scheduler trace,
 * far longer than the shared ring. Appends only at the end, evicts from the
 * front; grows by doubling up to `maxSegments`, after which the oldest go.
 *
 * Invariant: start[i] < end[i] ≤ start[i + 1], so starts and ends are both
 * sorted and lookups are binary searches. `cum[i]` is the total duration of
 * every segment pushed up to and including i (never rebased), so the time
 * covered between two indices is one subtraction.
 */
export class SegmentSeries {
  #start: Float64Array;
  #end: Float64Array;
  #cum: Float64Array;
  #value: Uint16Array;
  #head = 0;
  #tail = 0;
  #total = 0;

  constructor(
    initialCapacity = 256,
    readonly maxSegments = 1 << 20,
  ) {
    this.#start = new Float64Array(initialCapacity);
    this.#end = new Float64Array(initialCapacity);
    this.#cum = new Float64Array(initialCapacity);
    this.#value = new Uint16Array(initialCapacity);
  }

  /** Index of the first live segment. Indices are stable until the next push or eviction. */
  get head(): number {
    return this.#head;
  }
  /** One past the last live segment. */
  get tail(): number {
    return this.#tail;
  }
  get length(): number {
    return this.#tail - this.#head;
  }
  get starts(): Float64Array {
    return this.#start;
  }
  get ends(): Float64Array {
    return this.#end;
  }
  get values(): Uint16Array {
    return this.#value;
  }
  /** End of the last segment, or -Infinity when empty. */
  get lastEnd(): number {
    return this.#tail > this.#head ? this.#end[this.#tail - 1] : -Infinity;
  }
  get firstStart(): number {
    return this.#tail > this.#head ? this.#start[this.#head] : Infinity;
  }

  /**
   * Appends [start, end) with `value`. A start before the last end (clocks
   * of two threads a few µs apart) is clamped to it; an empty segment is dropped.
   */
  push(start: number, end: number, value: number): void {
    if (this.#tail > this.#head) start = Math.max(start, this.#end[this.#tail - 1]);
    if (!(end > start)) return;
    if (this.#tail === this.#start.length) this.#makeRoom();
    const i = this.#tail++;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#value[i] = value;
    this.#total += end - start;
    this.#cum[i] = this.#total;
  }

  /** Drops the segments that ended before `t`. */
  evictBefore(t: number): void {
    while (this.#head < this.#tail && this.#end[this.#head] <= t) this.#head++;
  }

  /** First index whose segment ends after `t` (tail if none). */
  firstEndingAfter(t: number, from = this.#head): number {
    let lo = Math.max(from, this.#head);
    let hi = this.#tail;
    const end = this.#end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (end[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** First index whose segment starts at or after `t` (tail if none). */
  firstStartingAt(t: number, from = this.#head): number {
    let lo = Math.max(from, this.#head);
    let hi = this.#tail;
    const start = this.#start;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (start[mid] >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Like firstEndingAfter, searching forward from `from` with exponential
   * steps: O(log distance), for cursors that move a little at a time.
   */
  gallopEndingAfter(t: number, from: number): number {
    const end = this.#end;
    let lo = Math.max(from, this.#head);
    if (lo >= this.#tail || end[lo] > t) return lo;
    // end[lo] <= t: the answer is past lo.
    let step = 1;
    while (lo + step < this.#tail && end[lo + step] <= t) {
      lo += step;
      step *= 2;
    }
    let l = lo + 1;
    let h = Math.min(lo + step, this.#tail);
    while (l < h) {
      const mid = (l + h) >>> 1;
      if (end[mid] > t) h = mid;
      else l = mid + 1;
    }
    return l;
  }

  /** Time covered by segments inside [a, b), ms. */
  covered(a: number, b: number): number {
    if (!(b > a)) return 0;
    const i0 = this.firstEndingAfter(a);
    const i1 = this.firstStartingAt(b, i0);
    return this.coveredBetween(i0, i1, a, b);
  }

  /** Time covered inside [a, b) by segments i0 … i1 − 1 (those that overlap it). */
  coveredBetween(i0: number, i1: number, a: number, b: number): number {
    if (i1 <= i0) return 0;
    const before = this.#cum[i0] - (this.#end[i0] - this.#start[i0]);
    let sum = this.#cum[i1 - 1] - before;
    const s0 = this.#start[i0];
    if (s0 < a) sum -= a - s0;
    const e1 = this.#end[i1 - 1];
    if (e1 > b) sum -= e1 - b;
    return Math.max(0, sum);
  }

  #makeRoom(): void {
    const n = this.#tail - this.#head;
    const cap = this.#start.length;
    if (this.#head >= cap / 4 || cap >= this.maxSegments) {
      if (n >= this.maxSegments) this.#head++; // full: the oldest goes
      this.#shift(this.#head);
      return;
    }
    const grown = Math.min(this.maxSegments, cap * 2);
    const start = new Float64Array(grown);
    const end = new Float64Array(grown);
    const cum = new Float64Array(grown);
    const value = new Uint16Array(grown);
    start.set(this.#start.subarray(this.#head, this.#tail));
    end.set(this.#end.subarray(this.#head, this.#tail));
    cum.set(this.#cum.subarray(this.#head, this.#tail));
    value.set(this.#value.subarray(this.#head, this.#tail));
    this.#start = start;
    this.#end = end;
    this.#cum = cum;
    this.#value = value;
    this.#tail = n;
    this.#head = 0;
  }

  #shift(by: number): void {
    this.#start.copyWithin(0, by, this.#tail);
    this.#end.copyWithin(0, by, this.#tail);
    this.#cum.copyWithin(0, by, this.#tail);
    this.#value.copyWithin(0, by, this.#tail);
    this.#tail -= by;
    this.#head = 0;
  }
}
