import { describe, expect, it } from 'vitest';
import { FakeGuestRam } from './guest-ram.test-helper';
import {
  MAX_CHAIN_BYTES,
  SplitQueue,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  type SplitQueueIndices,
  type VirtqFault,
} from './split-queue';
import { DriverVirtq, type DriverVirtqOptions } from './virtq-driver.test-helper';

const BASE = 0x8000_0000;

function setup(
  size = 8,
  options: DriverVirtqOptions = {},
  indices?: SplitQueueIndices,
  ram = new FakeGuestRam(BASE, 0x10_0000),
) {
  const vq = new DriverVirtq(ram, size, options);
  const faults: VirtqFault[] = [];
  const queue = new SplitQueue(
    ram,
    {
      size,
      descAddr: vq.desc,
      driverAddr: vq.avail,
      deviceAddr: vq.used,
      indirectDesc: options.indirect ?? false,
      eventIdx: options.eventIdx ?? false,
    },
    (f) => faults.push(f),
    indices,
  );
  const buf = (len: number) => ({ addr: ram.alloc(len, 8), len });
  return { ram, vq, queue, faults, buf };
}

/** Points avail ring slot `slot` at `head` and publishes `idx`. */
function expose(ram: FakeGuestRam, vq: DriverVirtq, slot: number, head: number, idx: number) {
  ram.w16(vq.avail + 4 + 2 * slot, head);
  ram.w16(vq.avail + 2, idx);
}

describe('SplitQueue', () => {
  it('pops a direct chain and returns it through the used ring', () => {
    const { ram, vq, queue, buf } = setup();
    const out = [buf(16), buf(100)];
    const inb = [buf(64)];
    const head = vq.add(out, inb);
    expect(queue.pop()).toEqual({ head, readable: out, writable: inb });
    expect(queue.pop()).toBeUndefined();
    queue.push(head, 42);
    expect(ram.r16(vq.used + 2)).toBe(1);
    expect(vq.getUsed()).toEqual({ id: head, len: 42 });
    expect(queue.fault).toBeUndefined();
  });

  it('pops chains in ring order and finds nothing on an empty ring', () => {
    const { vq, queue, buf } = setup();
    expect(queue.pop()).toBeUndefined();
    const heads = [vq.add([buf(4)], []), vq.add([], [buf(8)]), vq.add([buf(1)], [buf(2)])];
    expect([queue.pop(), queue.pop(), queue.pop()].map((c) => c?.head)).toEqual(heads);
    expect(queue.pop()).toBeUndefined();
  });

  it('follows an indirect table (as Linux adds multi-element buffers)', () => {
    const { vq, queue, buf } = setup(8, { indirect: true });
    const out = [buf(10)];
    const inb = [buf(20), buf(30), buf(40)];
    const head = vq.add(out, inb);
    expect(vq.numFree).toBe(7); // one ring descriptor for the whole buffer
    expect(queue.pop()).toEqual({ head, readable: out, writable: inb });
  });

  it('follows direct descriptors ending in an indirect one (§2.7.5.3.2)', () => {
    const { ram, vq, queue, buf } = setup(8, { indirect: true });
    const a = buf(8);
    const b = buf(16);
    const c = buf(32);
    const table = ram.alloc(32, 16);
    vq.writeDesc(table, b.addr, b.len, VIRTQ_DESC_F_NEXT, 1);
    vq.writeDesc(table + 16, c.addr, c.len, VIRTQ_DESC_F_WRITE, 0);
    vq.writeDesc(vq.desc + 16 * 3, a.addr, a.len, VIRTQ_DESC_F_NEXT, 5);
    // The WRITE flag on the pointer descriptor is ignored.
    vq.writeDesc(vq.desc + 16 * 5, table, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
    expose(ram, vq, 0, 3, 1);
    expect(queue.pop()).toEqual({ head: 3, readable: [a, b], writable: [c] });
  });

  it('accepts zero-length descriptors without checking their address', () => {
    const { ram, vq, queue } = setup();
    vq.writeDesc(vq.desc, 0xdead_0000_0000, 0, 0, 0);
    expose(ram, vq, 0, 0, 1);
    expect(queue.pop()).toEqual({
      head: 0,
      readable: [{ addr: 0xdead_0000_0000, len: 0 }],
      writable: [],
    });
  });

  it('wraps its 16-bit indices', () => {
    const start = { lastAvailIdx: 65533, usedIdx: 65534, signalledUsedIdx: 65534 };
    const { ram, vq, queue, buf } = setup(4, {}, start);
    const b = buf(8);
    for (let i = 0; i < 4; i++) vq.writeDesc(vq.desc + 16 * i, b.addr, 8 + i, 0, 0);
    const heads: number[] = [];
    let avail = 65533;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) {
        const head = (round * 2 + i) % 4;
        expose(ram, vq, avail & 3, head, (avail + 1) & 0xffff);
        avail = (avail + 1) & 0xffff;
      }
      for (let i = 0; i < 2; i++) {
        const chain = queue.pop();
        expect(chain?.readable[0]?.len).toBe(8 + chain!.head);
        heads.push(chain!.head);
        queue.push(chain!.head, chain!.head);
      }
      expect(queue.pop()).toBeUndefined();
    }
    expect(heads).toEqual([0, 1, 2, 3, 0, 1]);
    expect(queue.indices).toEqual({ lastAvailIdx: 3, usedIdx: 4, signalledUsedIdx: 65534 });
    expect(ram.r16(vq.used + 2)).toBe(4);
    // Used entries land at usedIdx mod size: 65534 → slot 2, …, 3 → slot 3.
    expect(ram.r32(vq.used + 4 + 8 * 2)).toBe(0);
    expect(ram.r32(vq.used + 4 + 8 * 3)).toBe(1);
    expect(ram.r32(vq.used + 4 + 8 * 0)).toBe(2);
    expect(queue.fault).toBeUndefined();
  });

  describe('used buffer notifications (§2.7.7.2)', () => {
    it('without EVENT_IDX: always, unless VIRTQ_AVAIL_F_NO_INTERRUPT', () => {
      const { vq, queue, buf } = setup();
      expect(queue.needsInterrupt()).toBe(false); // nothing used yet
      queue.push(vq.add([buf(4)], []), 0);
      expect(queue.needsInterrupt()).toBe(true);
      expect(queue.needsInterrupt()).toBe(false);
      vq.setNoInterrupt(true);
      queue.push(vq.add([buf(4)], []), 0);
      expect(queue.needsInterrupt()).toBe(false);
    });

    it('with EVENT_IDX: when used idx passes used_event, across the wrap', () => {
      const start = { lastAvailIdx: 0, usedIdx: 65534, signalledUsedIdx: 65534 };
      const { ram, vq, queue } = setup(4, { eventIdx: true }, start);
      const usedEvent = vq.avail + 4 + 2 * 4;
      ram.w16(usedEvent, 0); // interrupt when entry 0 is written, i.e. idx reaches 1
      ram.w16(vq.avail, 1); // NO_INTERRUPT is ignored with EVENT_IDX
      queue.push(0, 0); // idx 65535
      expect(queue.needsInterrupt()).toBe(false);
      queue.push(1, 0); // idx 0
      expect(queue.needsInterrupt()).toBe(false);
      queue.push(2, 0); // idx 1: entry 0 written
      expect(queue.needsInterrupt()).toBe(true);
      queue.push(3, 0);
      queue.push(0, 0); // batch: idx 3, event 0 not in (1, 3]
      expect(queue.needsInterrupt()).toBe(false);
      ram.w16(usedEvent, 3);
      queue.push(1, 0);
      queue.push(2, 0); // idx 5 passes 3 within the batch (3, 5]
      expect(queue.needsInterrupt()).toBe(true);
    });

    it('with EVENT_IDX: writes avail_event after each pop and when empty', () => {
      const { ram, vq, queue, buf } = setup(8, { eventIdx: true });
      const availEvent = vq.used + 4 + 8 * 8;
      ram.w16(availEvent, 0x7777);
      expect(queue.pop()).toBeUndefined();
      expect(ram.r16(availEvent)).toBe(0);
      vq.add([buf(4)], []);
      expect(vq.kickNeeded()).toBe(true);
      vq.add([buf(4)], []);
      vq.add([buf(4)], []);
      expect(vq.kickNeeded()).toBe(false); // device has not caught up yet: no kick
      queue.pop();
      expect(ram.r16(availEvent)).toBe(1);
      queue.pop();
      queue.pop();
      expect(queue.pop()).toBeUndefined();
      expect(ram.r16(availEvent)).toBe(3);
      vq.add([buf(4)], []);
      expect(vq.kickNeeded()).toBe(true);
    });
  });

  it('with EVENT_IDX: looks again after writing avail_event, so a racing buffer is not lost', () => {
    /** The driver publishes a buffer right after the device's avail_event write. */
    class RacyRam extends FakeGuestRam {
      onWrite16: ((gpa: number) => void) | undefined;
      override write16(gpa: number, v: number): boolean {
        const ok = super.write16(gpa, v);
        this.onWrite16?.(gpa);
        return ok;
      }
    }
    const ram = new RacyRam(BASE, 0x10_0000);
    const { vq, queue, buf } = setup(8, { eventIdx: true }, undefined, ram);
    const availEvent = vq.used + 4 + 8 * 8;
    let head = -1;
    ram.onWrite16 = (gpa) => {
      if (gpa !== availEvent || head >= 0) return;
      head = vq.add([buf(4)], []);
      // It read the old avail_event and so did not kick: only the re-check finds it.
    };
    expect(queue.pop()?.head).toBe(0);
    expect(head).toBe(0);
  });

  describe('malformed rings are faults, not exceptions', () => {
    function expectFault(
      s: ReturnType<typeof setup>,
      kind: VirtqFault['kind'],
      arrange: () => void = () => {},
    ) {
      arrange();
      expect(() => s.queue.pop()).not.toThrow();
      expect(s.queue.fault?.kind).toBe(kind);
      expect(s.faults.map((f) => f.kind)).toEqual([kind]);
      // Latched: nothing more is popped or pushed.
      s.vq.add([s.buf(4)], []);
      expect(s.queue.pop()).toBeUndefined();
      const usedIdx = s.ram.r16(s.vq.used + 2);
      s.queue.push(0, 0);
      expect(s.ram.r16(s.vq.used + 2)).toBe(usedIdx);
      expect(s.queue.needsInterrupt()).toBe(false);
      expect(s.faults).toHaveLength(1);
      expect(s.ram.outOfRange).toEqual([]);
    }

    it('avail idx more than the queue size ahead', () => {
      const s = setup(8);
      expectFault(s, 'avail-idx-jump', () => s.ram.w16(s.vq.avail + 2, 9));
    });

    it('head index >= queue size', () => {
      const s = setup(8);
      expectFault(s, 'bad-head', () => expose(s.ram, s.vq, 0, 8, 1));
    });

    it('next index >= queue size', () => {
      const s = setup(8);
      expectFault(s, 'bad-next', () => {
        s.vq.writeDesc(s.vq.desc, s.buf(4).addr, 4, VIRTQ_DESC_F_NEXT, 8);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('a descriptor loop', () => {
      const s = setup(8);
      expectFault(s, 'chain-loop', () => {
        const b = s.buf(4);
        s.vq.writeDesc(s.vq.desc + 16 * 2, b.addr, 4, VIRTQ_DESC_F_NEXT, 5);
        s.vq.writeDesc(s.vq.desc + 16 * 5, b.addr, 4, VIRTQ_DESC_F_NEXT, 2);
        expose(s.ram, s.vq, 0, 2, 1);
      });
    });

    it('a loop inside an indirect table', () => {
      const s = setup(8, { indirect: true });
      expectFault(s, 'chain-loop', () => {
        const b = s.buf(4);
        const table = s.ram.alloc(32, 16);
        s.vq.writeDesc(table, b.addr, 4, VIRTQ_DESC_F_NEXT, 1);
        s.vq.writeDesc(table + 16, b.addr, 4, VIRTQ_DESC_F_NEXT, 0);
        s.vq.writeDesc(s.vq.desc, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('INDIRECT without VIRTIO_F_INDIRECT_DESC', () => {
      const s = setup(8);
      expectFault(s, 'indirect-not-negotiated', () => {
        s.vq.writeDesc(s.vq.desc, s.ram.alloc(16, 16), 16, VIRTQ_DESC_F_INDIRECT, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('INDIRECT together with NEXT', () => {
      const s = setup(8, { indirect: true });
      expectFault(s, 'indirect-with-next', () => {
        const t = s.ram.alloc(16, 16);
        s.vq.writeDesc(t, s.buf(4).addr, 4, 0, 0);
        s.vq.writeDesc(s.vq.desc, t, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('a nested indirect table', () => {
      const s = setup(8, { indirect: true });
      expectFault(s, 'nested-indirect', () => {
        const t = s.ram.alloc(16, 16);
        s.vq.writeDesc(t, t, 16, VIRTQ_DESC_F_INDIRECT, 0);
        s.vq.writeDesc(s.vq.desc, t, 16, VIRTQ_DESC_F_INDIRECT, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    for (const len of [0, 24, 16 * 1025]) {
      it(`an indirect table of ${len} bytes`, () => {
        const s = setup(8, { indirect: true });
        expectFault(s, 'bad-indirect-table', () => {
          s.vq.writeDesc(s.vq.desc, s.ram.alloc(len + 16, 16), len, VIRTQ_DESC_F_INDIRECT, 0);
          expose(s.ram, s.vq, 0, 0, 1);
        });
      });
    }

    for (const [name, addr, len] of [
      ['below RAM', BASE - 4096, 8],
      ['straddling the end of RAM', BASE + 0x10_0000 - 4, 8],
      ['above 4 GiB', 0x1_8000_0000, 8],
      ['with a huge length', BASE, 0xffff_ffff],
    ] as const) {
      it(`a buffer ${name}`, () => {
        const s = setup(8);
        expectFault(s, 'desc-out-of-ram', () => {
          s.vq.writeDesc(s.vq.desc, addr, len, 0, 0);
          expose(s.ram, s.vq, 0, 0, 1);
        });
      });
    }

    it('an indirect table outside RAM', () => {
      const s = setup(8, { indirect: true });
      expectFault(s, 'desc-out-of-ram', () => {
        s.vq.writeDesc(s.vq.desc, BASE - 64, 32, VIRTQ_DESC_F_INDIRECT, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('a chain describing more than MAX_CHAIN_BYTES', () => {
      /** Claims 1 GiB of RAM without backing it (only the rings are ever read). */
      class SparseRam extends FakeGuestRam {
        override inRam(gpa: number, len: number): boolean {
          return gpa >= BASE && len >= 0 && gpa + len <= BASE + 2 ** 30;
        }
      }
      const s = setup(8, {}, undefined, new SparseRam(BASE, 0x10_0000));
      expectFault(s, 'chain-too-long', () => {
        for (let i = 0; i < 3; i++) {
          s.vq.writeDesc(s.vq.desc + 16 * i, BASE, MAX_CHAIN_BYTES / 2, VIRTQ_DESC_F_NEXT, i + 1);
        }
        s.vq.writeDesc(s.vq.desc + 16 * 3, BASE, 4, 0, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });

    it('a readable descriptor after a writable one', () => {
      const s = setup(8);
      expectFault(s, 'readable-after-writable', () => {
        const b = s.buf(4);
        s.vq.writeDesc(s.vq.desc, b.addr, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
        s.vq.writeDesc(s.vq.desc + 16, b.addr, 4, 0, 0);
        expose(s.ram, s.vq, 0, 0, 1);
      });
    });
  });

  describe('layout (§2.7 alignment and sizes)', () => {
    const ram = new FakeGuestRam(BASE, 0x1_0000);
    const good = {
      size: 16,
      descAddr: BASE,
      driverAddr: BASE + 0x1000,
      deviceAddr: BASE + 0x2000,
      indirectDesc: false,
      eventIdx: false,
    };

    it('accepts a well-placed ring', () => {
      expect(new SplitQueue(ram, good).fault).toBeUndefined();
    });

    for (const [name, patch] of [
      ['size 0', { size: 0 }],
      ['size 12', { size: 12 }],
      ['size 65536', { size: 65536 }],
      ['a misaligned descriptor table', { descAddr: BASE + 8 }],
      ['a misaligned available ring', { driverAddr: BASE + 0x1001 }],
      ['a misaligned used ring', { deviceAddr: BASE + 0x2002 }],
      ['a used ring running past RAM', { deviceAddr: BASE + 0x1_0000 - 64 }],
      ['a descriptor table above 4 GiB', { descAddr: 0x1_0000_0000 + BASE }],
    ] as const) {
      it(`rejects ${name}`, () => {
        const faults: VirtqFault[] = [];
        const q = new SplitQueue(ram, { ...good, ...patch }, (f) => faults.push(f));
        expect(q.fault?.kind).toBe('bad-layout');
        expect(faults).toHaveLength(1);
        expect(q.pop()).toBeUndefined();
        expect(ram.outOfRange).toEqual([]);
      });
    }
  });

  it('throws on a host bug: pushing a head outside the queue', () => {
    const { queue } = setup(8);
    expect(() => queue.push(8, 0)).toThrow(RangeError);
  });
});
