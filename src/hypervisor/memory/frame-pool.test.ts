import { describe, expect, it } from 'vitest';
import { FramePool } from './frame-pool';
import { HostMemory, PAGE_SIZE } from './host-memory';

describe('FramePool', () => {
  it('hands out zeroed frames until none are left, and takes them back at refcount 0', () => {
    const mem = HostMemory.create(5 * PAGE_SIZE);
    const pool = new FramePool(mem);
    expect(pool.totalFrames).toBe(4);
    expect(pool.zeroFrame).toBe(4);
    mem.ram8.fill(0xaa, 0, 4 * PAGE_SIZE);
    const got = [pool.alloc(), pool.alloc(), pool.alloc(), pool.alloc()];
    expect(got.sort()).toEqual([0, 1, 2, 3]);
    expect(mem.ram8.every((b) => b === 0)).toBe(true);
    expect(pool.alloc()).toBe(-1);
    pool.hold(2);
    pool.release(2);
    expect(pool.freeFrames).toBe(0);
    pool.release(2);
    expect(pool.freeFrames).toBe(1);
    expect(pool.alloc()).toBe(2);
  });

  it('never frees the zero frame and refuses to hold a free frame', () => {
    const mem = HostMemory.create(3 * PAGE_SIZE);
    const pool = new FramePool(mem);
    pool.release(pool.zeroFrame);
    expect(pool.freeFrames).toBe(2);
    expect(pool.tryHold(0)).toBe(false);
    const f = pool.alloc();
    expect(pool.tryHold(f)).toBe(true);
    expect(pool.refCount(f)).toBe(2);
    pool.release(f);
    pool.release(f);
    expect(() => pool.release(f)).toThrow(/released more often/);
  });

  it('is one pool for every view of its buffer', () => {
    const mem = HostMemory.create(9 * PAGE_SIZE);
    const a = new FramePool(mem);
    const b = new FramePool(mem, a.sab);
    a.alloc();
    expect(b.freeFrames).toBe(7);
    expect(b.zeroFrame).toBe(a.zeroFrame);
  });
});
