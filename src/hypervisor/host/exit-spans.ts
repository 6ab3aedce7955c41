/**
 * The spans of one slice that a vCPU spent in exits to its VMM (MMIO to a
 * user-space device, SBI console writes): KVM_EXIT_MMIO and
 * KVM_EXIT_RISCV_SBI time, when a KVM vCPU thread is out in QEMU. The pCPU
 * writes them to the trace ring before the slice's own record, so the
 * timeline can show "in an exit" inside a running slice.
 *
 * Exits come in bursts (a line of console output is one exit per byte):
 * exits that start within GAP_MS of the previous one's end join its span,
 * so a burst is one span. At most MAX_SPANS per slice are kept; when they
 * are used up the last span grows to cover later exits, which overstates
 * that one span but never loses exit time.
 */
export const GAP_MS = 0.05;
export const MAX_SPANS = 32;

export class ExitSpans {
  /** [start, end) pairs, host ms. */
  readonly #at = new Float64Array(MAX_SPANS * 2);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** Records one exit that lasted from `start` to `end` (host ms). */
  add(start: number, end: number): void {
    const at = this.#at;
    const n = this.#count;
    if (n > 0 && (start - at[n * 2 - 1] <= GAP_MS || n === MAX_SPANS)) {
      at[n * 2 - 1] = Math.max(at[n * 2 - 1], end);
      return;
    }
    at[n * 2] = start;
    at[n * 2 + 1] = end;
    this.#count = n + 1;
  }

  /** Calls `each` for every span in order, then forgets them (at the end of a slice). */
  drain(each: (start: number, end: number) => void): void {
    const at = this.#at;
    for (let i = 0; i < this.#count; i++) each(at[i * 2], at[i * 2 + 1]);
    this.#count = 0;
  }
}
