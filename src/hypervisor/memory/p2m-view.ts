import { P2M } from './p2m';

/** What backs a guest page, as a memory map shows it. */
export const PAGE_KIND = {
  /** Never touched (or given back by free page reporting): no host frame. */
  UNTOUCHED: 0,
  /** A private host frame. */
  PRIVATE: 1,
  /** A read-only KSM page shared with other pages. */
  KSM: 2,
  /** Mapped to the shared zero frame (use_zero_pages). */
  ZERO: 3,
  /** In the balloon: the guest gave it to the host. */
  BALLOONED: 4,
} as const;

/**
 * Classifies every entry of a live p2m table (memory/p2m.ts) into `out`
 * (one PAGE_KIND per guest page) and returns the count of each kind. Reads
 * without locks: a telemetry reader, a page may change as it is read.
 */
export function classifyPages(table: Int32Array, zeroFrame: number, out: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (let g = 0; g < table.length; g++) {
    const e = table[g];
    let kind: number;
    if (e < 0) kind = e === P2M.BALLOONED ? PAGE_KIND.BALLOONED : PAGE_KIND.UNTOUCHED;
    else if ((e & P2M.WP) === 0 || e & P2M.PENDING) kind = PAGE_KIND.PRIVATE;
    else kind = (e & P2M.FRAME) === zeroFrame ? PAGE_KIND.ZERO : PAGE_KIND.KSM;
    out[g] = kind;
    counts[kind]++;
  }
  return counts;
}
