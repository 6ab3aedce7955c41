import { describe, expect, it } from 'vitest';
import { FuncWriter, OP } from './wasm-emit';

/** The reference: `i64.const v` in signed LEB128 (wasm core spec §5.2.2), on a BigInt. */
function i64Reference(v: bigint): number[] {
  const out: number[] = [OP.i64Const];
  v = BigInt.asIntN(64, v);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** The writer's encoding of the 64-bit value v, given as its two halves. */
const halves = (v: bigint) =>
  Array.from(
    new FuncWriter().i64Halves(Number(BigInt.asUintN(32, v)), Number(BigInt.asIntN(32, v >> 32n)))
      .bytes,
  );

describe('wasm binary writer', () => {
  it('writes i64.const as signed LEB128 (wasm core spec §5.2.2)', () => {
    for (const enc of [i64Reference, halves]) {
      expect(enc(0n)).toEqual([0x42, 0x00]);
      expect(enc(-1n)).toEqual([0x42, 0x7f]);
      expect(enc(63n)).toEqual([0x42, 0x3f]);
      expect(enc(64n)).toEqual([0x42, 0xc0, 0x00]);
      expect(enc(-64n)).toEqual([0x42, 0x40]);
      expect(enc(-65n)).toEqual([0x42, 0xbf, 0x7f]);
      // Bytes of code read as an unsigned 64-bit value wrap to the signed one.
      expect(enc(0xffff_ffff_ffff_ffffn)).toEqual([0x42, 0x7f]);
      expect(enc(-(2n ** 63n))).toEqual([0x42, ...Array(9).fill(0x80), 0x7f]);
    }
  });

  it('writes the same i64.const from two 32-bit halves as from a BigInt', () => {
    let seed = 12345;
    const rand32 = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return seed;
    };
    const edges = [0, 1, -1, 0x3f, 0x40, 0x7f, 0x80, 0x7fff_ffff, -0x8000_0000, 0xffff];
    const pairs: [number, number][] = [];
    for (const lo of edges) for (const hi of edges) pairs.push([lo, hi]);
    for (let k = 0; k < 2000; k++) pairs.push([rand32(), k % 3 === 0 ? 0 : rand32()]);
    for (const [lo, hi] of pairs) {
      const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
      expect(Array.from(new FuncWriter().i64Halves(lo, hi).bytes), `${hi}:${lo}`).toEqual(
        i64Reference(value),
      );
    }
  });
});
