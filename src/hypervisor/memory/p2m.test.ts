import { describe, expect, it } from 'vitest';
import { FramePool } from './frame-pool';
import { HostMemory, PAGE_SIZE } from './host-memory';
import { P2M, P2m } from './p2m';

const BASE = 0x8000_0000;

function setup(frames = 8, pages = 4) {
  const mem = HostMemory.create(frames * PAGE_SIZE);
  const pool = new FramePool(mem);
  const counters = new Int32Array(new SharedArrayBuffer(32));
  let shootdowns = 0;
  let oom = 0;
  const p2m = new P2m(BASE, pages, undefined, {
    pool,
    counters,
    residentIndex: 0,
    onOutOfMemory: () => oom++,
    shootdown: () => shootdowns++,
  });
  return { mem, pool, p2m, counters, shootdowns: () => shootdowns, oom: () => oom };
}

describe('P2m', () => {
  it('backs a page on first touch, once', () => {
    const { p2m, counters, pool } = setup();
    const a = p2m.hostOffset(BASE + 0x1004);
    expect(a & 0xfff).toBe(4);
    expect(p2m.hostOffsetWrite(BASE + 0x1000)).toBe(a - 4);
    expect(counters[0]).toBe(1);
    expect(pool.refCount(a >> 12)).toBe(1);
    expect(p2m.hostOffset(BASE + 4 * PAGE_SIZE)).toBe(-1);
  });

  it('copies a shared page on write and drops one reference to it after the shootdown', () => {
    const { p2m, pool, mem, shootdowns, counters } = setup();
    const shared = pool.alloc();
    mem.ram8.fill(7, shared * PAGE_SIZE, (shared + 1) * PAGE_SIZE);
    pool.hold(shared); // another VM maps it too
    p2m.table[0] = shared | P2M.WP;
    counters[0] = 1;
    expect(p2m.hostOffset(BASE) >> 12).toBe(shared);
    const w = p2m.hostOffsetWrite(BASE + 8);
    expect(w >> 12).not.toBe(shared);
    expect(mem.ram8[w]).toBe(7);
    expect(p2m.table[0]).toBe(w >> 12);
    expect(pool.refCount(shared)).toBe(1);
    expect(shootdowns()).toBe(1);
    expect(counters[0]).toBe(1);
  });

  it('shoots down before copying a page ksmd is still comparing (PENDING)', () => {
    const { p2m, pool, mem, shootdowns } = setup();
    const f = p2m.hostOffsetWrite(BASE) >> 12;
    mem.ram8[f * PAGE_SIZE] = 5;
    pool.hold(f); // ksmd's reference
    p2m.table[0] = f | P2M.WP | P2M.PENDING;
    const w = p2m.hostOffsetWrite(BASE);
    expect(w >> 12).not.toBe(f);
    expect(mem.ram8[w]).toBe(5);
    expect(shootdowns()).toBe(2); // before the copy and after the switch
    expect(pool.refCount(f)).toBe(1); // ksmd's alone
  });

  it('turns the zero frame into a fresh zeroed frame on write', () => {
    const { p2m, pool, counters } = setup();
    p2m.table[1] = pool.zeroFrame | P2M.WP;
    expect(p2m.hostOffset(BASE + PAGE_SIZE) >> 12).toBe(pool.zeroFrame);
    expect(p2m.residentFrames()).toBe(0);
    const w = p2m.hostOffsetWrite(BASE + PAGE_SIZE);
    expect(w >> 12).not.toBe(pool.zeroFrame);
    expect(counters[0]).toBe(1);
    expect(p2m.residentFrames()).toBe(1);
  });

  it('reports out of memory when a copy cannot be made, and leaves the entry as it was', () => {
    const { p2m, pool, oom } = setup(3, 4);
    const a = pool.alloc();
    const b = pool.alloc();
    expect(pool.alloc()).toBe(-1);
    pool.hold(a);
    p2m.table[0] = a | P2M.WP;
    p2m.table[1] = b;
    expect(p2m.hostOffsetWrite(BASE)).toBe(-1);
    expect(oom()).toBe(1);
    expect(p2m.table[0]).toBe(a | P2M.WP);
  });

  it('unmaps and releases; a later touch backs the page again', () => {
    const { p2m, pool, counters } = setup();
    p2m.hostOffsetWrite(BASE);
    const free = pool.freeFrames;
    const e = p2m.unmap(0);
    expect(counters[0]).toBe(0);
    p2m.releaseEntry(e);
    expect(pool.freeFrames).toBe(free + 1);
    expect(p2m.table[0]).toBe(-1);
    expect(p2m.hostOffset(BASE)).toBeGreaterThanOrEqual(0);
    p2m.releaseAll();
    expect(pool.freeFrames).toBe(pool.totalFrames);
  });
});
