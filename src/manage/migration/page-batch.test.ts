import { describe, expect, it } from 'vitest';
import { PAGE_BYTES, PageBatch, forEachPageOf } from './page-batch';

describe('PageBatch', () => {
  it('sends zero and unbacked pages as a bit, normal pages as their bytes', () => {
    const b = new PageBatch();
    const read = (gfn: number, into: Uint8Array) => {
      if (gfn === 9) return false; // unbacked
      into.fill(0);
      if (gfn !== 4) into[100] = gfn;
      return true;
    };
    expect([3, 4, 9, 12].map((g) => b.add(g, read))).toEqual([true, false, false, true]);
    const msg = b.toMessage(7, 2);
    expect(msg.data.length).toBe(2 * PAGE_BYTES);
    expect(b.wireBytes).toBe(2 * PAGE_BYTES + 16 + 1);
    const got: [number, number | null][] = [];
    forEachPageOf(msg, 16, (g, bytes) => got.push([g, bytes ? bytes[100] : null]));
    expect(got).toEqual([
      [3, 3],
      [4, null],
      [9, null],
      [12, 12],
    ]);
  });

  it('refuses a message whose pages lie outside the guest or whose data does not match', () => {
    const b = new PageBatch();
    b.add(5, (_, into) => (into.fill(1), true));
    const msg = b.toMessage(0, 0);
    expect(() => forEachPageOf(msg, 5, () => {})).toThrow(/outside/);
    expect(() => forEachPageOf({ ...msg, data: msg.data.subarray(1) }, 8, () => {})).toThrow(
      /malformed/,
    );
    expect(() => forEachPageOf({ ...msg, zero: new Uint8Array(3) }, 8, () => {})).toThrow(
      /zero map/,
    );
  });
});
