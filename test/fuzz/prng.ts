/**
 * Seeded PRNG for the fuzz tests (mulberry32): a failure names its seed and
 * case, so it reproduces. FUZZ_LONG=1 runs each fuzzer many times longer
 * (the nightly mode); FUZZ_SEED picks another seed.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261206);
/** How many cases: `n` normally, 50 × n with FUZZ_LONG=1. */
export const cases = (n: number) => (process.env.FUZZ_LONG ? 50 * n : n);

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

export function int(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
