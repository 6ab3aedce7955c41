/**
 * Whole-page reads for ksmd over host RAM (Int32 view; a frame is 1024
 * words). Linux uses xxhash for the checksum (mm/ksm.c calc_checksum); we
 * use a MurmurHash3-style 32-bit mix: only equal checksums lead to a merge
 * attempt, and every merge is confirmed with pagesEqual.
 */
const WORDS = 1024;

export function pageChecksum(ram32: Int32Array, frame: number): number {
  let h = 0x9747b28c;
  const base = frame * WORDS;
  for (let i = base; i < base + WORDS; i++) {
    let k = Math.imul(ram32[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export function pagesEqual(ram32: Int32Array, a: number, b: number): boolean {
  const x = a * WORDS;
  const y = b * WORDS;
  for (let i = 0; i < WORDS; i++) if (ram32[x + i] !== ram32[y + i]) return false;
  return true;
}

export function pageIsZero(ram32: Int32Array, frame: number): boolean {
  const base = frame * WORDS;
  for (let i = base; i < base + WORDS; i++) if (ram32[i] !== 0) return false;
  return true;
}
