import { describe, expect, it } from 'vitest';
import { Clint, MTIMECMP_NEVER } from './clint';
import { MIP } from './interrupts';

const msip = (h: number): number => 4 * h;
const cmpLo = (h: number): number => 0x4000 + 8 * h;
const cmpHi = (h: number): number => 0x4004 + 8 * h;

function setup(harts = 2) {
  let now = 0;
  const calls: [number, number, boolean][] = [];
  const clint = new Clint({
    harts,
    clock: { now: () => now },
    sink: { setPending: (hart, bit, level) => calls.push([hart, bit, level]) },
  });
  return { clint, calls, setNow: (t: number) => (now = t) };
}

describe('Clint', () => {
  it('drives MSIP from bit 0 of each hart msip word', () => {
    const { clint, calls } = setup();
    clint.write(msip(1), 0xffff_ffff, 4);
    expect(clint.read(msip(1), 4)).toBe(1);
    expect(clint.read(msip(0), 4)).toBe(0);
    expect(calls).toEqual([[1, MIP.MSIP, true]]);
    clint.write(msip(1), 1, 4); // no change, no call
    clint.write(msip(1), 0, 4);
    expect(calls).toEqual([
      [1, MIP.MSIP, true],
      [1, MIP.MSIP, false],
    ]);
  });

  it('reads mtime from the clock as two halves; writes are ignored', () => {
    const { clint, setNow } = setup();
    setNow(0x1_2345_6789);
    expect(clint.read(0xbff8, 4)).toBe(0x2345_6789);
    expect(clint.read(0xbffc, 4)).toBe(1);
    expect(clint.mtime()).toBe(0x1_2345_6789);
    clint.write(0xbff8, 0, 4);
    expect(clint.read(0xbff8, 4)).toBe(0x2345_6789);
    expect(clint.ignoredAccesses).toBe(1);
  });

  it('resets mtimecmp to all-ones, reported as never', () => {
    const { clint, calls } = setup();
    expect(clint.read(cmpLo(0), 4)).toBe(0xffff_ffff);
    expect(clint.read(cmpHi(0), 4)).toBe(0xffff_ffff);
    expect(clint.mtimecmp(0)).toBe(MTIMECMP_NEVER);
    clint.updateTimer(0);
    expect(calls).toEqual([]);
  });

  it('raises MTIP when mtime reaches mtimecmp and clears it when mtimecmp moves on', () => {
    const { clint, calls, setNow } = setup();
    setNow(100);
    // The usual RV32 sequence: hi = -1, lo = new, hi = new (priv. spec §3.2.1).
    clint.write(cmpHi(1), 0xffff_ffff, 4);
    clint.write(cmpLo(1), 150, 4);
    clint.write(cmpHi(1), 0, 4);
    expect(clint.mtimecmp(1)).toBe(150);
    expect(calls).toEqual([]);
    setNow(149);
    clint.updateTimer(1);
    expect(calls).toEqual([]);
    setNow(150);
    clint.updateTimer(1);
    expect(calls).toEqual([[1, MIP.MTIP, true]]);
    clint.updateTimer(1);
    expect(calls.length).toBe(1);
    clint.write(cmpLo(1), 300, 4);
    expect(calls).toEqual([
      [1, MIP.MTIP, true],
      [1, MIP.MTIP, false],
    ]);
    // A compare value already in the past fires on the write itself.
    clint.write(cmpLo(1), 10, 4);
    expect(calls.at(-1)).toEqual([1, MIP.MTIP, true]);
  });

  it('keeps 64-bit compare values exact below 2^53', () => {
    const { clint } = setup();
    clint.write(cmpHi(0), 0x1f_ffff, 4);
    clint.write(cmpLo(0), 0xffff_fff0, 4);
    expect(clint.mtimecmp(0)).toBe(2 ** 53 - 16);
    expect(clint.read(cmpHi(0), 4)).toBe(0x1f_ffff);
  });

  it('tolerates garbage accesses', () => {
    const { clint, calls } = setup();
    expect(clint.read(msip(0), 1)).toBe(0);
    clint.write(msip(0), 1, 2);
    clint.write(msip(5), 1, 4);
    clint.write(cmpLo(7), 0, 4);
    expect(clint.read(msip(5), 4)).toBe(0);
    expect(clint.read(0xc000, 4)).toBe(0);
    clint.write(0xfff0, 1, 4);
    expect(calls).toEqual([]);
    expect(clint.ignoredAccesses).toBeGreaterThanOrEqual(5);
  });
});

describe('Clint shared state', () => {
  it('is one CLINT behind every view of its buffer; the view that flips a bit reports it', () => {
    let now = 0;
    const clock = { now: () => now };
    const a: [number, number, boolean][] = [];
    const b: [number, number, boolean][] = [];
    const ca = new Clint({ harts: 2, clock, sink: { setPending: (...c) => a.push(c) } });
    const cb = new Clint({
      harts: 2,
      clock,
      sink: { setPending: (...c) => b.push(c) },
      shared: ca.shared,
    });
    expect(ca.shared.byteLength).toBe(Clint.sharedBytes(2));
    // The second view does not reset what the first set up.
    expect(cb.mtimecmp(0)).toBe(MTIMECMP_NEVER);
    ca.write(msip(1), 1, 4);
    expect(cb.read(msip(1), 4)).toBe(1);
    cb.write(msip(1), 1, 4); // already set: nobody reports again
    cb.write(msip(1), 0, 4);
    expect(a).toEqual([[1, MIP.MSIP, true]]);
    expect(b).toEqual([[1, MIP.MSIP, false]]);

    cb.write(cmpHi(0), 0, 4);
    cb.write(cmpLo(0), 500, 4);
    expect(ca.mtimecmp(0)).toBe(500);
    expect(ca.read(cmpLo(0), 4)).toBe(500);
    now = 500;
    ca.updateTimer(0);
    cb.updateTimer(0); // MTIP is shared: already high
    expect(a.at(-1)).toEqual([0, MIP.MTIP, true]);
    expect(b).toEqual([[1, MIP.MSIP, false]]);
    cb.write(cmpLo(0), 0xffff_ffff, 4);
    expect(b.at(-1)).toEqual([0, MIP.MTIP, false]);
    ca.updateTimer(0);
    expect(a.length).toBe(2);

    cb.read(0xc000, 4);
    expect(ca.ignoredAccesses).toBe(1);
  });

  it('starts from a zero-filled buffer with mtimecmp reset, and refuses another hart count', () => {
    const shared = new SharedArrayBuffer(Clint.sharedBytes(3));
    const sink = { setPending: () => {} };
    const clock = { now: () => 0 };
    const c = new Clint({ harts: 3, sink, clock, shared });
    expect(c.shared).toBe(shared);
    expect(c.read(cmpHi(2), 4)).toBe(0xffff_ffff);
    expect(c.mtimecmp(2)).toBe(MTIMECMP_NEVER);
    expect(() => new Clint({ harts: 2, sink, clock, shared })).toThrow(RangeError);
    expect(() => new Clint({ harts: 4, sink, clock, shared })).toThrow(RangeError);
    expect(() => Clint.sharedBytes(0)).toThrow(RangeError);
  });
});
