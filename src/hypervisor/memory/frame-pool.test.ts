import { describe, expect, it } from 'vitest';
import { FramePool } from './frame-pool';
import { HostMemory, PAGE_SIZE } from './host-memory';

describe('FramePool', () => {
  it('hands out zeroed frames until none are left, and takes them back', () => {
    const mem = HostMemory.create(4 * PAGE_SIZE);
    const pool = new FramePool(mem);
    mem.ram8.fill(0xaa);
    const got = [pool.alloc(), pool.alloc(), pool.alloc(), pool.alloc()];
    expect(got.sort()).toEqual([0, 1, 2, 3]);
    expect(mem.ram8.every((b) => b === 0)).toBe(true);
    expect(pool.alloc()).toBe(-1);
    pool.free([2, -1]);
    expect(pool.freeFrames).toBe(1);
    expect(pool.alloc()).toBe(2);
  });

  it('is one pool for every view of its buffer', () => {
    const mem = HostMemory.create(8 * PAGE_SIZE);
    const a = new FramePool(mem);
    const b = new FramePool(mem, a.sab);
    a.alloc();
    expect(b.freeFrames).toBe(7);
  });
});
