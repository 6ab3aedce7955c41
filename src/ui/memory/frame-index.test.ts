import { describe, expect, it } from 'vitest';
import { P2M } from '../../hypervisor/memory/p2m';
import { FLASH_STEPS, FRAME_KIND, FrameIndex, frameOwners, framePoolRefs } from './frame-index';

const F = 16;
const ZERO = 15;

/** Host of 16 frames: refs per frame, frame 15 the zero frame. */
function host(held: Record<number, number>): Int32Array {
  const refs = new Int32Array(F);
  for (const [f, n] of Object.entries(held)) refs[Number(f)] = n;
  return refs;
}

describe('FrameIndex', () => {
  it('classifies frames from reference counts and p2m entries, with owners and sharers', () => {
    const vm1 = Int32Array.from([0, 1, 4 | P2M.WP, ZERO | P2M.WP, -1, P2M.BALLOONED]);
    const vm2 = Int32Array.from([2, 4 | P2M.WP, 3 | P2M.WP | P2M.PENDING, -1]);
    const refs = host({ 0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 1 });
    const index = new FrameIndex(F);
    index.scan(refs, ZERO, [
      { name: 'vm1', table: vm1 },
      { name: 'vm2', table: vm2 },
    ]);
    expect(Array.from(index.kind.slice(0, 7))).toEqual([
      FRAME_KIND.PRIVATE,
      FRAME_KIND.PRIVATE,
      FRAME_KIND.PRIVATE,
      FRAME_KIND.PRIVATE, // PENDING: ksmd is comparing a private page
      FRAME_KIND.KSM,
      FRAME_KIND.OVERHEAD, // held, mapped by no guest
      FRAME_KIND.FREE,
    ]);
    expect(index.kind[ZERO]).toBe(FRAME_KIND.ZERO);
    expect([index.owner[0], index.owner[2], index.owner[4], index.owner2[4]]).toEqual([0, 1, 0, 1]);
    expect(index.maps[4]).toBe(2);
    expect(index.counts).toEqual({
      free: 9,
      private: 4,
      ksm: 1,
      zero: 1,
      balloon: 0,
      overhead: 1,
      snapshot: 0,
      snapshotMappings: 0,
      ksmMappings: 2,
      privateByDomain: [2, 2],
    });
    expect(Array.from(index.flash).every((x) => x === 0)).toBe(true);
  });

  it('tells frames shared with a snapshot (P2M.SNAP) from KSM pages', () => {
    // vm1 and its clone map frames 0 and 1 through a snapshot; frame 1 is also a KSM
    // page of vm2 (a plain read-only mapping decides: KSM); frame 2 is held by the
    // snapshot alone (the VM wrote its page and took a copy, frame 3).
    const vm1 = Int32Array.from([0 | P2M.WP | P2M.SNAP, 1 | P2M.WP | P2M.SNAP, 3]);
    const clone = Int32Array.from([0 | P2M.WP | P2M.SNAP, 1 | P2M.WP | P2M.SNAP]);
    const vm2 = Int32Array.from([1 | P2M.WP]);
    const index = new FrameIndex(F);
    index.scan(host({ 0: 3, 1: 4, 2: 1, 3: 1 }), ZERO, [
      { name: 'vm1', table: vm1 },
      { name: 'clone', table: clone },
      { name: 'vm2', table: vm2 },
    ]);
    expect(Array.from(index.kind.slice(0, 4))).toEqual([
      FRAME_KIND.SNAPSHOT,
      FRAME_KIND.KSM,
      FRAME_KIND.OVERHEAD,
      FRAME_KIND.PRIVATE,
    ]);
    expect(index.counts).toMatchObject({
      snapshot: 1,
      snapshotMappings: 2,
      ksm: 1,
      overhead: 1,
      private: 1,
    });
  });

  it('flashes merges, copy-on-write breaks and balloon moves, then lets the flash fade', () => {
    const vm1 = Int32Array.from([0, 1]);
    const vm2 = Int32Array.from([2]);
    const index = new FrameIndex(F);
    const domains = [
      { name: 'vm1', table: vm1 },
      { name: 'vm2', table: vm2 },
    ];
    index.scan(host({ 0: 1, 1: 1, 2: 1 }), ZERO, domains);
    // ksmd merges vm2's page into vm1's frame 1; frame 2 goes back to the pool.
    vm1[1] = 1 | P2M.WP;
    vm2[0] = 1 | P2M.WP;
    index.scan(host({ 0: 1, 1: 3 }), ZERO, domains);
    expect(index.kind[1]).toBe(FRAME_KIND.KSM);
    expect(index.kind[2]).toBe(FRAME_KIND.FREE);
    expect([index.flash[0], index.flash[1], index.flash[2]]).toEqual([0, FLASH_STEPS, FLASH_STEPS]);
    // vm1 breaks COW into frame 3; vm1's balloon takes page 0 (frame 0).
    vm1[1] = 3;
    vm1[0] = P2M.BALLOONED;
    index.scan(host({ 1: 2, 3: 1 }), ZERO, domains);
    expect(index.kind[0]).toBe(FRAME_KIND.BALLOONED);
    expect(index.kind[3]).toBe(FRAME_KIND.PRIVATE);
    expect(index.owner[1]).toBe(1);
    expect(index.flash[0]).toBe(FLASH_STEPS);
    expect(index.flash[1]).toBe(FLASH_STEPS); // its owner changed to vm2 alone
    expect(index.flash[2]).toBe(FLASH_STEPS - 1);
    expect(index.counts.balloon).toBe(1);
    expect(index.flashing).toBeGreaterThan(0);
    // A ballooned frame handed out again is no longer marked.
    vm2[0] = 0;
    index.scan(host({ 0: 1, 1: 1, 3: 1 }), ZERO, domains);
    expect(index.kind[0]).toBe(FRAME_KIND.PRIVATE);
    // Nothing moves for FLASH_STEPS scans: every highlight has faded.
    for (let i = 0; i < FLASH_STEPS; i++) index.scan(host({ 0: 1, 1: 1, 3: 1 }), ZERO, domains);
    expect(index.flashing).toBe(0);
  });

  it("does not take a restarted domain's new, empty p2m for a balloon", () => {
    const index = new FrameIndex(F);
    index.scan(host({ 0: 1 }), ZERO, [{ name: 'vm1', table: Int32Array.from([0]) }]);
    index.scan(host({}), ZERO, [{ name: 'vm1', table: Int32Array.from([-1]) }]);
    expect(index.kind[0]).toBe(FRAME_KIND.FREE);
  });

  it('compares owners by name when the domain list changes', () => {
    const vm2 = Int32Array.from([2]);
    const index = new FrameIndex(F);
    index.scan(host({ 2: 1 }), ZERO, [
      { name: 'vm1', table: new Int32Array(1).fill(-1) },
      { name: 'vm2', table: vm2 },
    ]);
    index.scan(host({ 2: 1 }), ZERO, [{ name: 'vm2', table: vm2 }]);
    expect(index.owner[2]).toBe(0);
    expect(index.flash[2]).toBe(0);
  });
});

describe('frameOwners', () => {
  it('lists every guest page mapping a frame, with its guest-physical address', () => {
    const domains = [
      { name: 'vm1', table: Int32Array.from([-1, 7 | P2M.WP]) },
      { name: 'vm2', table: Int32Array.from([7 | P2M.WP, 3, 7 | P2M.WP]) },
    ];
    const { owners, total } = frameOwners(7, domains, 2);
    expect(total).toBe(3);
    expect(owners).toEqual([
      { domain: 'vm1', gfn: 1, gpa: 0x80001000, readOnly: true },
      { domain: 'vm2', gfn: 0, gpa: 0x80000000, readOnly: true },
    ]);
  });
});

describe('framePoolRefs', () => {
  it('finds the reference counts and the zero frame in the pool layout', () => {
    // 8 host frames, the last 2 kept by the host (JIT), so the zero frame is 5.
    const frames = 8;
    const sab = new SharedArrayBuffer((4 + 2 * frames) * 4);
    const w = new Int32Array(sab);
    w[2] = 5;
    w[3] = 5;
    w[4 + frames + 4] = 2;
    const { refs, zeroFrame } = framePoolRefs(sab);
    expect(refs.length).toBe(frames);
    expect(refs[4]).toBe(2);
    expect(zeroFrame).toBe(5);
  });

  it("counts frames above the zero frame as the host's own", () => {
    const index = new FrameIndex(8);
    index.scan(new Int32Array(8), 5, []);
    expect(Array.from(index.kind.slice(4))).toEqual([
      FRAME_KIND.FREE,
      FRAME_KIND.ZERO,
      FRAME_KIND.OVERHEAD,
      FRAME_KIND.OVERHEAD,
    ]);
  });
});
