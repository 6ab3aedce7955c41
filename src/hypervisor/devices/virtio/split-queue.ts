/**
 * The device side of a split virtqueue (VIRTIO 1.2 §2.7): the driver offers
 * descriptor chains in the available ring, the device hands them back in the
 * used ring.
 *
 * The ring is guest memory and the guest is untrusted. Everything read from
 * it is validated before use, every descriptor is read once (no
 * time-of-check/time-of-use window on its fields) and nothing outside guest
 * RAM is touched. A ring the driver broke is a guest fault, reported as a
 * value: the queue latches `fault`, calls `onFault` once and from then on
 * pops nothing and pushes nothing (the transport sets DEVICE_NEEDS_RESET,
 * §2.1.2). Only host bugs (pushing a head that is not a descriptor index)
 * throw.
 */
import type { GuestDma } from './dma';

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
/** §2.7: the queue size is a power of 2, at most 32768. */
export const VIRTQ_MAX_SIZE = 32768;
/**
 * Entries allowed in one indirect table. §2.7.4.1 lets the device set "a
 * reasonable limit of descriptors it will allow in a chain"; 1024 is QEMU's
 * VIRTQUEUE_MAX_SIZE. Linux sizes an indirect table by the request's
 * scatterlist (32 entries for balloon page reporting).
 */
export const MAX_INDIRECT_DESCS = 1024;
/** Total bytes one chain may describe (§2.7.5.2 only forbids > 2^32). */
export const MAX_CHAIN_BYTES = 256 * 1024 * 1024;

const DESC_SIZE = 16;
const TWO_32 = 0x1_0000_0000;

export interface SplitQueueConfig {
  /** Queue Size: a power of 2 in [1, VIRTQ_MAX_SIZE]. */
  size: number;
  /** Descriptor Area (descriptor table), Driver Area (available ring), Device Area (used ring). */
  descAddr: number;
  driverAddr: number;
  deviceAddr: number;
  /** VIRTIO_F_INDIRECT_DESC (28) negotiated. */
  indirectDesc: boolean;
  /** VIRTIO_F_EVENT_IDX (29) negotiated. */
  eventIdx: boolean;
}

/** The device's free-running ring indices (mod 2^16), for save/restore. */
export interface SplitQueueIndices {
  lastAvailIdx: number;
  usedIdx: number;
  signalledUsedIdx: number;
}

export type VirtqFaultKind =
  | 'bad-layout'
  | 'ring-access'
  | 'avail-idx-jump'
  | 'bad-head'
  | 'bad-next'
  | 'chain-loop'
  | 'indirect-not-negotiated'
  | 'indirect-with-next'
  | 'nested-indirect'
  | 'bad-indirect-table'
  | 'desc-out-of-ram'
  | 'chain-too-long'
  | 'readable-after-writable';

export interface VirtqFault {
  readonly kind: VirtqFaultKind;
  readonly detail: string;
}

/** One guest buffer: `len` bytes of guest RAM at `addr` (in RAM unless len is 0). */
export interface DescBuffer {
  readonly addr: number;
  readonly len: number;
}

/** A popped descriptor chain: device-readable buffers, then device-writable ones. */
export interface DescChain {
  readonly head: number;
  readonly readable: DescBuffer[];
  readonly writable: DescBuffer[];
}

interface Desc {
  addr: number;
  len: number;
  flags: number;
  next: number;
}

export class SplitQueue {
  readonly size: number;
  readonly #dma: GuestDma;
  readonly #cfg: SplitQueueConfig;
  readonly #onFault: ((fault: VirtqFault) => void) | undefined;
  #lastAvail = 0;
  #used = 0;
  #signalled = 0;
  #fault: VirtqFault | undefined;

  /**
   * Checks the layout first (§2.7 alignment and sizes, all three areas in
   * RAM); a bad layout latches a 'bad-layout' fault right away.
   */
  constructor(
    dma: GuestDma,
    config: SplitQueueConfig,
    onFault?: (fault: VirtqFault) => void,
    indices?: SplitQueueIndices,
  ) {
    this.#dma = dma;
    this.#cfg = { ...config };
    this.size = config.size;
    this.#onFault = onFault;
    if (indices) {
      this.#lastAvail = indices.lastAvailIdx & 0xffff;
      this.#used = indices.usedIdx & 0xffff;
      this.#signalled = indices.signalledUsedIdx & 0xffff;
    }
    const problem = layoutProblem(dma, config);
    if (problem) this.#fail('bad-layout', problem);
  }

  get fault(): VirtqFault | undefined {
    return this.#fault;
  }

  get indices(): SplitQueueIndices {
    return {
      lastAvailIdx: this.#lastAvail,
      usedIdx: this.#used,
      signalledUsedIdx: this.#signalled,
    };
  }

  /**
   * The next available chain, or undefined when the ring is empty or broken.
   * With EVENT_IDX, an empty ring also asks for a notification at the next
   * index (avail_event, §2.7.10) and looks again, so a buffer published in
   * between is not missed; this relies on GuestDma's ordered accesses.
   */
  pop(): DescChain | undefined {
    if (this.#fault) return undefined;
    const { driverAddr, deviceAddr, eventIdx } = this.#cfg;
    let pending = this.#pending();
    if (pending === 0 && eventIdx) {
      if (!this.#dma.write16(this.#availEventAddr(), this.#lastAvail)) {
        return this.#fail('ring-access', `avail_event at ${hex(deviceAddr)}`);
      }
      pending = this.#pending();
    }
    if (pending === undefined || pending === 0) return undefined;
    // §2.7.6.1: the driver never exposes more than the ring holds.
    if (pending > this.size) {
      return this.#fail('avail-idx-jump', `${pending} chains pending, queue size ${this.size}`);
    }
    const slot = driverAddr + 4 + 2 * (this.#lastAvail & (this.size - 1));
    const head = this.#dma.read16(slot);
    if (head === undefined) return this.#fail('ring-access', `avail ring at ${hex(slot)}`);
    if (head >= this.size) return this.#fail('bad-head', `head ${head} >= size ${this.size}`);
    const chain = this.#walk(head);
    if (!chain) return undefined;
    this.#lastAvail = (this.#lastAvail + 1) & 0xffff;
    if (eventIdx && !this.#dma.write16(this.#availEventAddr(), this.#lastAvail)) {
      return this.#fail('ring-access', `avail_event at ${hex(deviceAddr)}`);
    }
    return chain;
  }

  /**
   * Returns chain `head` to the driver with `writtenLen` bytes written
   * (§2.7.8): the used element first, then the used idx that publishes it.
   */
  push(head: number, writtenLen: number): void {
    if (this.#fault) return;
    if (!Number.isInteger(head) || head < 0 || head >= this.size) {
      throw new RangeError(`SplitQueue.push: head ${head} outside queue of ${this.size}`);
    }
    const elem = this.#cfg.deviceAddr + 4 + 8 * (this.#used & (this.size - 1));
    const next = (this.#used + 1) & 0xffff;
    if (
      !this.#dma.write32(elem, head) ||
      !this.#dma.write32(elem + 4, writtenLen >>> 0) ||
      !this.#dma.write16(this.#cfg.deviceAddr + 2, next)
    ) {
      this.#fail('ring-access', `used ring at ${hex(elem)}`);
      return;
    }
    this.#used = next;
  }

  /**
   * Whether the chains pushed since the last call deserve a used buffer
   * notification (§2.7.7.2): without EVENT_IDX unless the driver set
   * VIRTQ_AVAIL_F_NO_INTERRUPT; with it, iff used idx passed used_event
   * (Linux's vring_need_event).
   */
  needsInterrupt(): boolean {
    if (this.#fault) return false;
    const newIdx = this.#used;
    const oldIdx = this.#signalled;
    this.#signalled = newIdx;
    if (newIdx === oldIdx) return false;
    const { driverAddr, eventIdx } = this.#cfg;
    if (!eventIdx) {
      const flags = this.#dma.read16(driverAddr);
      return flags !== undefined && (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    }
    const usedEvent = this.#dma.read16(driverAddr + 4 + 2 * this.size);
    if (usedEvent === undefined) return true;
    return ((newIdx - usedEvent - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
  }

  #pending(): number | undefined {
    const idx = this.#dma.read16(this.#cfg.driverAddr + 2);
    if (idx === undefined) {
      this.#fail('ring-access', `avail idx at ${hex(this.#cfg.driverAddr + 2)}`);
      return undefined;
    }
    return (idx - this.#lastAvail) & 0xffff;
  }

  #availEventAddr(): number {
    return this.#cfg.deviceAddr + 4 + 8 * this.size;
  }

  /**
   * Follows the chain from `head`: zero or more direct descriptors, possibly
   * ending in one that points to an indirect table (§2.7.5.3.2). Loops are
   * caught by bounding the walk by the table's entry count.
   */
  #walk(head: number): DescChain | undefined {
    const readable: DescBuffer[] = [];
    const writable: DescBuffer[] = [];
    let table: DataView | undefined;
    let entries = this.size;
    let visited = 0;
    let total = 0;
    let i = head;
    for (;;) {
      if (++visited > entries) {
        return this.#fail('chain-loop', `chain from ${head} exceeds ${entries} descriptors`);
      }
      const d = table ? decodeDesc(table, i * DESC_SIZE) : this.#readDesc(i);
      if (!d) return undefined;
      if (d.flags & VIRTQ_DESC_F_INDIRECT) {
        // §2.7.5.3.1 driver rules, enforced here.
        if (table) return this.#fail('nested-indirect', `in table entry ${i}`);
        if (!this.#cfg.indirectDesc) return this.#fail('indirect-not-negotiated', `desc ${i}`);
        if (d.flags & VIRTQ_DESC_F_NEXT) return this.#fail('indirect-with-next', `desc ${i}`);
        if (d.len === 0 || d.len % DESC_SIZE !== 0 || d.len / DESC_SIZE > MAX_INDIRECT_DESCS) {
          return this.#fail('bad-indirect-table', `length ${d.len}`);
        }
        if (!this.#dma.inRam(d.addr, d.len)) {
          return this.#fail('desc-out-of-ram', `indirect table ${hex(d.addr)}+${d.len}`);
        }
        const bytes = this.#dma.readBytes(d.addr, d.len);
        if (!bytes) return this.#fail('ring-access', `indirect table ${hex(d.addr)}`);
        table = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        entries = d.len / DESC_SIZE;
        visited = 0;
        i = 0;
        continue;
      }
      if (d.len > 0 && !this.#dma.inRam(d.addr, d.len)) {
        return this.#fail('desc-out-of-ram', `buffer ${hex(d.addr)}+${d.len}`);
      }
      total += d.len;
      if (total > MAX_CHAIN_BYTES) return this.#fail('chain-too-long', `${total} bytes`);
      if (d.flags & VIRTQ_DESC_F_WRITE) {
        writable.push({ addr: d.addr, len: d.len });
      } else if (writable.length > 0) {
        // §2.7.4.2: device-writable elements come after device-readable ones.
        return this.#fail('readable-after-writable', `desc ${i}`);
      } else {
        readable.push({ addr: d.addr, len: d.len });
      }
      if (!(d.flags & VIRTQ_DESC_F_NEXT)) return { head, readable, writable };
      if (d.next >= entries) return this.#fail('bad-next', `next ${d.next} >= ${entries}`);
      i = d.next;
    }
  }

  #readDesc(i: number): Desc | undefined {
    const gpa = this.#cfg.descAddr + i * DESC_SIZE;
    const bytes = this.#dma.readBytes(gpa, DESC_SIZE);
    if (!bytes) return this.#fail('ring-access', `descriptor at ${hex(gpa)}`);
    return decodeDesc(new DataView(bytes.buffer, bytes.byteOffset, DESC_SIZE), 0);
  }

  #fail(kind: VirtqFaultKind, detail: string): undefined {
    if (!this.#fault) {
      this.#fault = { kind, detail };
      this.#onFault?.(this.#fault);
    }
    return undefined;
  }
}

/** Why `config` is not a usable ring in `dma`, or undefined if it is. */
function layoutProblem(dma: GuestDma, c: SplitQueueConfig): string | undefined {
  const { size } = c;
  if (!Number.isInteger(size) || size < 1 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) !== 0) {
    return `queue size ${size} is not a power of 2 in [1, ${VIRTQ_MAX_SIZE}]`;
  }
  // §2.7 table: alignment 16 / 2 / 4; sizes 16·QS, 6 + 2·QS, 6 + 8·QS.
  if (c.descAddr % 16 !== 0 || c.driverAddr % 2 !== 0 || c.deviceAddr % 4 !== 0) {
    return 'misaligned ring area';
  }
  if (!dma.inRam(c.descAddr, DESC_SIZE * size)) return `descriptor table ${hex(c.descAddr)}`;
  if (!dma.inRam(c.driverAddr, 6 + 2 * size)) return `available ring ${hex(c.driverAddr)}`;
  if (!dma.inRam(c.deviceAddr, 6 + 8 * size)) return `used ring ${hex(c.deviceAddr)}`;
  return undefined;
}

/** struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; } (§2.7.5). */
function decodeDesc(v: DataView, off: number): Desc {
  return {
    addr: v.getUint32(off + 4, true) * TWO_32 + v.getUint32(off, true),
    len: v.getUint32(off + 8, true),
    flags: v.getUint16(off + 12, true),
    next: v.getUint16(off + 14, true),
  };
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
