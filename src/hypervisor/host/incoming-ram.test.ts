import { describe, expect, it } from 'vitest';
import { FramePool } from '../memory/frame-pool';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { P2M, P2m } from '../memory/p2m';
import { IncomingRam } from './incoming-ram';
import { MEM_STAT } from './vm-shared';

function setup(frames = 16) {
  const mem = HostMemory.create(frames * PAGE_SIZE);
  const pool = new FramePool(mem);
  return { mem, pool };
}

describe('IncomingRam', () => {
  it('keeps one frame per page, overwritten in place, and hands them to the VM on adopt', () => {
    const { mem, pool } = setup();
    const free = pool.freeFrames;
    const ram = new IncomingRam(pool, 4);
    expect(ram.put(1, new Uint8Array(PAGE_SIZE).fill(5))).toBe(true);
    const f = ram.frames[1];
    expect(ram.put(1, new Uint8Array(PAGE_SIZE).fill(6))).toBe(true);
    expect(ram.frames[1]).toBe(f);
    expect(ram.put(2, new Uint8Array(PAGE_SIZE).fill(7))).toBe(true);
    expect(ram.put(2, null)).toBe(true); // a later round found it zero
    expect([ram.held, pool.freeFrames]).toEqual([1, free - 1]);

    const counters = new Int32Array(new SharedArrayBuffer(32));
    const p2m = new P2m(0x8000_0000, 4, undefined, {
      pool,
      counters,
      residentIndex: MEM_STAT.RESIDENT,
      onOutOfMemory: () => {},
      shootdown: () => {},
    });
    ram.adopt(p2m);
    expect(Array.from(p2m.table)).toEqual([P2M.UNBACKED, f, P2M.UNBACKED, P2M.UNBACKED]);
    expect(counters[MEM_STAT.RESIDENT]).toBe(1);
    expect(mem.ram8[p2m.hostOffsetWrite(0x8000_1000 + 9)]).toBe(6); // private: no copy on write
    expect(p2m.table[1]).toBe(f);
    expect(pool.refCount(f)).toBe(1);
    ram.release(); // nothing left to release after adopt
    p2m.releaseAll();
    expect(pool.freeFrames).toBe(free);
  });

  it('release returns every frame (an aborted migration)', () => {
    const { pool } = setup();
    const free = pool.freeFrames;
    const ram = new IncomingRam(pool, 8);
    for (let g = 0; g < 8; g++) ram.put(g, new Uint8Array(PAGE_SIZE).fill(g + 1));
    ram.release();
    expect([ram.held, pool.freeFrames]).toEqual([0, free]);
  });

  it('says so when the host runs out of frames', () => {
    const { pool } = setup(4);
    const ram = new IncomingRam(pool, 16);
    const results = Array.from({ length: 16 }, (_, g) => ram.put(g, new Uint8Array(PAGE_SIZE)));
    expect(results).toContain(false);
    ram.release();
  });
});
