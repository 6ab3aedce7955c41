import { describe, expect, it } from 'vitest';
import { ByteRing } from './byte-ring';

describe('ByteRing', () => {
  it('passes bytes in order and refuses what does not fit', () => {
    const ring = ByteRing.create(8);
    expect(ring.write(Uint8Array.of(1, 2, 3))).toBe(3);
    expect(ring.available).toBe(3);
    expect([ring.readByte(), ring.readByte()]).toEqual([1, 2]);
    expect(ring.write(new Uint8Array(10).fill(9))).toBe(7);
    expect(ring.available).toBe(8);
    const out = [];
    for (let b = ring.readByte(); b >= 0; b = ring.readByte()) out.push(b);
    expect(out).toEqual([3, 9, 9, 9, 9, 9, 9, 9]);
    expect(ring.readByte()).toBe(-1);
  });

  it('works across a second view of the same buffer', () => {
    const a = ByteRing.create(16);
    const b = new ByteRing(a.sab);
    a.write(new TextEncoder().encode('hi'));
    expect(String.fromCharCode(b.readByte(), b.readByte())).toBe('hi');
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => new ByteRing(new SharedArrayBuffer(8 + 12))).toThrow(/power of two/);
  });
});
