import { describe, expect, it } from 'vitest';
import { FramePool } from '../memory/frame-pool';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { P2M, P2m } from '../memory/p2m';
import { KsmState, createKsmState } from './ksm-state';
import { KSM_COUNTERS, Ksmd } from './ksmd';

const BASE = 0x8000_0000;

function host(frames = 64) {
  const mem = HostMemory.create(frames * PAGE_SIZE);
  const pool = new FramePool(mem);
  const state = new KsmState(createKsmState());
  const ksmd = new Ksmd(pool, state);
  let shootdowns = 0;
  const vm = (id: number, pages = 8) => {
    const counters = new Int32Array(new SharedArrayBuffer(32));
    const p2m = new P2m(BASE, pages, undefined, {
      pool,
      counters,
      residentIndex: 0,
      onOutOfMemory: () => {},
      shootdown: () => shootdowns++,
    });
    ksmd.addVm({
      vm: id,
      table: p2m.table,
      counters,
      gone: () => false,
      shootdown: () => shootdowns++,
    });
    const fill = (page: number, value: number) => {
      for (let i = 0; i < PAGE_SIZE; i += 4) {
        const off = p2m.hostOffsetWrite(BASE + page * PAGE_SIZE + i);
        mem.ram32[off >> 2] = value;
      }
    };
    const read = (page: number, at = 0) =>
      mem.ram32[p2m.hostOffset(BASE + page * PAGE_SIZE + at) >> 2];
    return { p2m, counters, fill, read };
  };
  const fullScans = (n: number) => {
    for (let i = 0; i < n; i++) ksmd.scan(10_000);
  };
  return { mem, pool, state, ksmd, vm, fullScans, shootdowns: () => shootdowns };
}

describe('Ksmd', () => {
  it('merges identical pages across VMs into one read-only frame, and counts like Linux', () => {
    const h = host();
    const a = h.vm(1);
    const b = h.vm(2);
    const c = h.vm(3);
    for (const v of [a, b, c]) v.fill(0, 0x1234);
    a.fill(1, 1);
    b.fill(1, 2); // differs
    const used = h.pool.totalFrames - h.pool.freeFrames;
    h.fullScans(3);
    const s = h.state.stats();
    expect(s.pages_shared).toBe(1);
    expect(s.pages_sharing).toBe(2);
    expect(s.full_scans).toBeGreaterThanOrEqual(2);
    expect(h.pool.totalFrames - h.pool.freeFrames).toBe(used - 2);
    const frame = a.p2m.table[0];
    expect(frame & P2M.WP).toBe(P2M.WP);
    expect(b.p2m.table[0]).toBe(frame);
    expect(c.p2m.table[0]).toBe(frame);
    expect(a.p2m.table[1] & P2M.WP).toBe(0);
    expect(a.counters[KSM_COUNTERS.MERGING]).toBe(1);
    expect(s.general_profit).toBeGreaterThan(0);
  });

  it('a write breaks sharing with a private copy; the other VMs keep their data', () => {
    const h = host();
    const a = h.vm(1);
    const b = h.vm(2);
    a.fill(0, 7);
    b.fill(0, 7);
    h.fullScans(3);
    expect(h.state.stats().pages_sharing).toBe(1);
    const off = a.p2m.hostOffsetWrite(BASE + 8);
    h.mem.ram32[off >> 2] = 99;
    expect(a.read(0, 8)).toBe(99);
    expect(b.read(0, 8)).toBe(7);
    expect(a.p2m.table[0] & P2M.WP).toBe(0);
    h.fullScans(1);
    expect(h.state.stats().pages_sharing).toBe(0);
    // b's write drops the last mapping: the stable node is pruned and its frame freed.
    const boff = b.p2m.hostOffsetWrite(BASE);
    h.mem.ram32[boff >> 2] = 1;
    const free = h.pool.freeFrames;
    h.fullScans(1);
    expect(h.pool.freeFrames).toBe(free + 1);
    expect(h.state.stats().pages_shared).toBe(0);
  });

  it('never merges a page whose content keeps changing (volatile)', () => {
    const h = host();
    const a = h.vm(1);
    const b = h.vm(2);
    for (let round = 0; round < 4; round++) {
      a.fill(0, round);
      b.fill(0, round);
      h.fullScans(1);
    }
    expect(h.state.stats().pages_sharing).toBe(0);
    expect(h.state.stats().pages_volatile).toBeGreaterThan(0);
  });

  it('maps empty pages to the zero frame with use_zero_pages, and they come back on write', () => {
    const h = host();
    h.state.setKnobs({ use_zero_pages: 1 });
    const a = h.vm(1);
    a.fill(2, 0);
    a.fill(3, 5);
    expect(a.counters[KSM_COUNTERS.RESIDENT]).toBe(2);
    h.fullScans(2);
    expect(a.p2m.table[2]).toBe(h.pool.zeroFrame | P2M.WP);
    expect(h.state.stats().ksm_zero_pages).toBe(1);
    expect(a.counters[KSM_COUNTERS.RESIDENT]).toBe(1);
    a.fill(2, 3);
    expect(a.read(2)).toBe(3);
    expect(a.counters[KSM_COUNTERS.RESIDENT]).toBe(2);
  });

  it('smart_scan skips pages that keep failing to merge, longer each time', () => {
    const h = host();
    const a = h.vm(1, 1);
    a.fill(0, 12345); // unique: never merges
    h.fullScans(20);
    const { pages_skipped: skipped, full_scans: looks } = h.state.stats();
    // One page, looked at once per full scan: never skipped in its first 4 looks, then
    // skipped 1, 2, 4 and from then on 8 times between looks.
    expect(looks).toBeGreaterThan(20);
    expect(skipped).toBeLessThanOrEqual(looks - 4);
    expect(skipped).toBeGreaterThan(looks / 2);
    h.state.setKnobs({ smart_scan: 0 });
    h.fullScans(5);
    expect(h.state.stats().pages_skipped).toBe(skipped);
    expect(() => h.state.setKnobs({ smart_scan: 2 })).toThrow(/smart_scan/);
  });

  it('run=2 unmerges every page', () => {
    const h = host();
    const a = h.vm(1);
    const b = h.vm(2);
    a.fill(0, 4);
    b.fill(0, 4);
    h.fullScans(3);
    expect(h.state.stats().pages_sharing).toBe(1);
    expect(h.ksmd.unmergeAll()).toBe(true);
    expect(h.state.stats().pages_shared).toBe(0);
    expect(a.p2m.table[0] & P2M.WP).toBe(0);
    expect(b.p2m.table[0] & P2M.WP).toBe(0);
    expect(a.read(0)).toBe(4);
    expect(b.read(0)).toBe(4);
  });

  it('respects max_page_sharing with a duplicate stable node', () => {
    const h = host(80);
    h.state.setKnobs({ max_page_sharing: 2 });
    const vms = [1, 2, 3, 4, 5].map((id) => h.vm(id, 2));
    for (const v of vms) v.fill(0, 42);
    h.fullScans(4);
    const s = h.state.stats();
    expect(s.pages_shared).toBe(2);
    expect(s.pages_sharing + s.pages_shared).toBeLessThanOrEqual(5);
    expect(s.stable_node_dups).toBe(1);
    expect(() => h.state.setKnobs({ max_page_sharing: 3 })).toThrow(/EBUSY/);
    expect(() => h.state.setKnobs({ run: 3 })).toThrow(/run/);
  });
});
