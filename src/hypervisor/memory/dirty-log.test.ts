import { describe, expect, it } from 'vitest';
import { DirtyLog } from './dirty-log';
import { FramePool } from './frame-pool';
import { HostMemory, PAGE_SIZE } from './host-memory';
import { P2M, P2m } from './p2m';

const BASE = 0x8000_0000;
const FLAG = 5;

function log(pages: number) {
  const control = new Int32Array(new SharedArrayBuffer(32));
  return new DirtyLog(new SharedArrayBuffer(DirtyLog.bytes(pages)), control, FLAG);
}

function setup(pages = 8) {
  const mem = HostMemory.create(32 * PAGE_SIZE);
  const pool = new FramePool(mem);
  const dirty = log(pages);
  const p2m = new P2m(
    BASE,
    pages,
    undefined,
    {
      pool,
      counters: new Int32Array(new SharedArrayBuffer(32)),
      residentIndex: 0,
      onOutOfMemory: () => {},
      shootdown: () => {},
    },
    dirty,
  );
  return { mem, pool, p2m, dirty };
}

describe('DirtyLog', () => {
  it('sizes the bitmap in whole words, one bit per page', () => {
    expect(DirtyLog.bytes(1)).toBe(4);
    expect(DirtyLog.bytes(32)).toBe(4);
    expect(DirtyLog.bytes(33)).toBe(8);
    expect(DirtyLog.bytes(16384)).toBe(2048); // 64 MiB of guest RAM
  });

  it('marks nothing while off, everything marked while on, and collect takes the bits once', () => {
    const d = log(100);
    d.mark(3);
    expect(d.count()).toBe(0);
    d.setEnabled(true);
    for (const g of [99, 0, 31, 32, 63, 64, 31]) d.mark(g);
    expect(d.count()).toBe(6);
    expect(Array.from(d.collect())).toEqual([0, 31, 32, 63, 64, 99]);
    expect(Array.from(d.collect())).toEqual([]);
    d.mark(7);
    expect(Array.from(d.collect())).toEqual([7]);
  });

  it('stopping empties the bitmap and starting again begins from nothing', () => {
    const d = log(64);
    d.setEnabled(true);
    d.mark(5);
    d.setEnabled(false);
    expect(d.enabled).toBe(false);
    expect(d.count()).toBe(0);
    d.setEnabled(true);
    expect(Array.from(d.collect())).toEqual([]);
  });
});

describe('P2m with a dirty log', () => {
  it('marks a page on the write path only', () => {
    const { p2m, dirty } = setup();
    dirty.setEnabled(true);
    p2m.hostOffset(BASE + 2 * PAGE_SIZE); // a read backs the page but does not dirty it
    p2m.hostOffsetWrite(BASE + 3 * PAGE_SIZE + 12);
    p2m.hostOffsetWrite(BASE + 5 * PAGE_SIZE);
    expect(Array.from(dirty.collect())).toEqual([3, 5]);
  });

  it('marks a copy-on-write break of a shared page', () => {
    const { p2m, pool, dirty } = setup();
    const shared = pool.alloc();
    pool.hold(shared);
    p2m.table[4] = shared | P2M.WP;
    dirty.setEnabled(true);
    const w = p2m.hostOffsetWrite(BASE + 4 * PAGE_SIZE);
    expect(w >> 12).not.toBe(shared);
    expect(Array.from(dirty.collect())).toEqual([4]);
  });

  it('marks a page the balloon takes away (its content is now zeroes)', () => {
    const { p2m, dirty } = setup();
    p2m.hostOffsetWrite(BASE + PAGE_SIZE);
    dirty.setEnabled(true);
    p2m.releaseEntry(p2m.unmap(1, P2M.BALLOONED));
    expect(Array.from(dirty.collect())).toEqual([1]);
  });

  it('marks nothing with logging off', () => {
    const { p2m, dirty } = setup();
    p2m.hostOffsetWrite(BASE);
    dirty.setEnabled(true);
    expect(dirty.count()).toBe(0);
  });
});
