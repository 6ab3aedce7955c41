import { describe, expect, it } from 'vitest';
import { FuncWriter } from './wasm-emit';

describe('wasm binary writer', () => {
  it('writes i64.const as signed LEB128 (wasm core spec §5.2.2)', () => {
    const enc = (v: bigint) => Array.from(new FuncWriter().i64(v).bytes);
    expect(enc(0n)).toEqual([0x42, 0x00]);
    expect(enc(-1n)).toEqual([0x42, 0x7f]);
    expect(enc(63n)).toEqual([0x42, 0x3f]);
    expect(enc(64n)).toEqual([0x42, 0xc0, 0x00]);
    expect(enc(-64n)).toEqual([0x42, 0x40]);
    expect(enc(-65n)).toEqual([0x42, 0xbf, 0x7f]);
    // Bytes of code read as an unsigned 64-bit value wrap to the signed one.
    expect(enc(0xffff_ffff_ffff_ffffn)).toEqual([0x42, 0x7f]);
    expect(enc(-(2n ** 63n))).toEqual([0x42, ...Array(9).fill(0x80), 0x7f]);
  });
});
