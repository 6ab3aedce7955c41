/**
 * The driver side of virtio for tests, doing what Linux 6.1 does:
 * - `DriverVirtq`: a split ring laid out like vring_create_virtqueue for
 *   virtio-mmio (vring_init with align PAGE_SIZE: descriptors, then the
 *   available ring, then the used ring on the next 4 KiB boundary), buffers
 *   added like virtqueue_add_split (an indirect table when INDIRECT_DESC is
 *   negotiated and a buffer has more than one element), kicks decided like
 *   virtqueue_kick_prepare_split, used buffers taken like
 *   virtqueue_get_buf_ctx_split (which moves used_event along).
 * - `probe`/`setupQueue`/`driverOk`: the virtio_dev_probe and virtio_mmio
 *   vm_find_vqs/vm_setup_vq register sequence.
 */
import type { IrqLine } from '../mmio-device';
import type { FakeGuestRam } from './guest-ram.test-helper';
import type { DescBuffer } from './split-queue';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from './split-queue';
import {
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_STATUS,
  featureBit,
} from './virtio-device';
import { VIRTIO_MMIO, type VirtioMmio } from './virtio-mmio';

export interface DriverVirtqOptions {
  eventIdx?: boolean;
  indirect?: boolean;
}

export class DriverVirtq {
  readonly size: number;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  readonly #ram: FakeGuestRam;
  readonly #eventIdx: boolean;
  readonly #indirect: boolean;
  readonly #free: number[];
  readonly #chains = new Map<number, number[]>();
  #availIdx = 0;
  #numAdded = 0;
  #lastUsed = 0;

  constructor(ram: FakeGuestRam, size: number, options: DriverVirtqOptions = {}) {
    this.#ram = ram;
    this.size = size;
    this.#eventIdx = options.eventIdx ?? false;
    this.#indirect = options.indirect ?? false;
    this.desc = ram.alloc(16 * size + 6 + 2 * size, 4096);
    this.avail = this.desc + 16 * size;
    this.used = ram.alloc(6 + 8 * size, 4096);
    this.#free = Array.from({ length: size }, (_, i) => i);
  }

  get numFree(): number {
    return this.#free.length;
  }

  /** virtqueue_add_split: `out` device-readable, `in` device-writable; returns the head. */
  add(out: DescBuffer[], inb: DescBuffer[]): number {
    const elems = [
      ...out.map((b) => ({ ...b, flags: 0 })),
      ...inb.map((b) => ({ ...b, flags: VIRTQ_DESC_F_WRITE })),
    ];
    if (this.#indirect && elems.length > 1) {
      const table = this.#ram.alloc(16 * elems.length, 16);
      elems.forEach((e, i) => {
        const last = i === elems.length - 1;
        this.writeDesc(
          table + 16 * i,
          e.addr,
          e.len,
          e.flags | (last ? 0 : VIRTQ_DESC_F_NEXT),
          i + 1,
        );
      });
      return this.#publish([{ addr: table, len: 16 * elems.length, flags: VIRTQ_DESC_F_INDIRECT }]);
    }
    return this.#publish(elems);
  }

  /** Writes one descriptor at `gpa` (tests corrupt rings with this too). */
  writeDesc(gpa: number, addr: number, len: number, flags: number, next: number): void {
    this.#ram.w32(gpa, addr % 0x1_0000_0000);
    this.#ram.w32(gpa + 4, Math.floor(addr / 0x1_0000_0000));
    this.#ram.w32(gpa + 8, len);
    this.#ram.w16(gpa + 12, flags);
    this.#ram.w16(gpa + 14, next);
  }

  /** virtqueue_kick_prepare_split. */
  kickNeeded(): boolean {
    const newIdx = this.#availIdx;
    const oldIdx = (newIdx - this.#numAdded) & 0xffff;
    this.#numAdded = 0;
    if (this.#eventIdx) {
      const event = this.#ram.r16(this.used + 4 + 8 * this.size);
      return ((newIdx - event - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }
    return (this.#ram.r16(this.used) & 1) === 0;
  }

  /** virtqueue_get_buf: the next used element, freeing its descriptors. */
  getUsed(): { id: number; len: number } | undefined {
    if (this.#ram.r16(this.used + 2) === this.#lastUsed) return undefined;
    const elem = this.used + 4 + 8 * (this.#lastUsed & (this.size - 1));
    const id = this.#ram.r32(elem);
    const len = this.#ram.r32(elem + 4);
    this.#lastUsed = (this.#lastUsed + 1) & 0xffff;
    const chain = this.#chains.get(id);
    if (!chain) throw new Error(`DriverVirtq: device used unknown head ${id}`);
    this.#chains.delete(id);
    this.#free.push(...chain);
    // With callbacks enabled, Linux asks for an interrupt at the next used entry.
    if (this.#eventIdx) this.#ram.w16(this.avail + 4 + 2 * this.size, this.#lastUsed);
    return { id, len };
  }

  /** Sets VIRTQ_AVAIL_F_NO_INTERRUPT (virtqueue_disable_cb without EVENT_IDX). */
  setNoInterrupt(on: boolean): void {
    this.#ram.w16(this.avail, on ? 1 : 0);
  }

  #publish(elems: { addr: number; len: number; flags: number }[]): number {
    if (elems.length > this.#free.length) throw new Error('DriverVirtq: ring full');
    const ids = this.#free.splice(0, elems.length);
    elems.forEach((e, i) => {
      const last = i === elems.length - 1;
      const flags = e.flags | (last ? 0 : VIRTQ_DESC_F_NEXT);
      this.writeDesc(this.desc + 16 * ids[i]!, e.addr, e.len, flags, last ? 0 : ids[i + 1]!);
    });
    const head = ids[0]!;
    this.#chains.set(head, ids);
    this.#ram.w16(this.avail + 4 + 2 * (this.#availIdx & (this.size - 1)), head);
    this.#availIdx = (this.#availIdx + 1) & 0xffff;
    this.#numAdded++;
    this.#ram.w16(this.avail + 2, this.#availIdx); // after the ring entry (virtio_wmb)
    return head;
  }
}

/** An IrqLine that records its level. */
export class IrqSpy implements IrqLine {
  level = false;
  raised = 0;
  set(level: boolean): void {
    if (level && !this.level) this.raised++;
    this.level = level;
  }
}

const { ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK } = VIRTIO_STATUS;

function w(mmio: VirtioMmio, reg: number, v: number): void {
  mmio.write(reg, v, 4);
}

function r(mmio: VirtioMmio, reg: number): number {
  return mmio.read(reg, 4);
}

export function readDeviceFeatures(mmio: VirtioMmio): bigint {
  w(mmio, VIRTIO_MMIO.DEVICE_FEATURES_SEL, 1);
  const high = BigInt(r(mmio, VIRTIO_MMIO.DEVICE_FEATURES));
  w(mmio, VIRTIO_MMIO.DEVICE_FEATURES_SEL, 0);
  return (high << 32n) | BigInt(r(mmio, VIRTIO_MMIO.DEVICE_FEATURES));
}

export function writeDriverFeatures(mmio: VirtioMmio, features: bigint): void {
  w(mmio, VIRTIO_MMIO.DRIVER_FEATURES_SEL, 1);
  w(mmio, VIRTIO_MMIO.DRIVER_FEATURES, Number(features >> 32n) >>> 0);
  w(mmio, VIRTIO_MMIO.DRIVER_FEATURES_SEL, 0);
  w(mmio, VIRTIO_MMIO.DRIVER_FEATURES, Number(features & 0xffff_ffffn) >>> 0);
}

/**
 * virtio_dev_probe up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, features =
 * offered ∩ `accepted` (the driver's table plus what vring_transport_features
 * keeps), FEATURES_OK and its read-back. Returns the negotiated features.
 */
export function probe(mmio: VirtioMmio, accepted: bigint): bigint {
  if (r(mmio, VIRTIO_MMIO.MAGIC_VALUE) !== 0x74726976 || r(mmio, VIRTIO_MMIO.VERSION) !== 2) {
    throw new Error('probe: not a virtio-mmio v2 device');
  }
  w(mmio, VIRTIO_MMIO.STATUS, 0);
  w(mmio, VIRTIO_MMIO.STATUS, ACKNOWLEDGE);
  w(mmio, VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER);
  const features = readDeviceFeatures(mmio) & accepted;
  writeDriverFeatures(mmio, features);
  w(mmio, VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
  if (!(r(mmio, VIRTIO_MMIO.STATUS) & FEATURES_OK)) throw new Error('probe: FEATURES_OK refused');
  return features;
}

/** vm_setup_vq: a ring of QueueSizeMax entries at queue `index`. */
export function setupQueue(
  mmio: VirtioMmio,
  ram: FakeGuestRam,
  index: number,
  features: bigint,
): DriverVirtq {
  w(mmio, VIRTIO_MMIO.QUEUE_SEL, index);
  if (r(mmio, VIRTIO_MMIO.QUEUE_READY))
    throw new Error(`setupQueue: queue ${index} already set up`);
  const num = r(mmio, VIRTIO_MMIO.QUEUE_SIZE_MAX);
  if (num === 0) throw new Error(`setupQueue: queue ${index} does not exist`);
  const vq = new DriverVirtq(ram, num, {
    eventIdx: (features & featureBit(VIRTIO_F_EVENT_IDX)) !== 0n,
    indirect: (features & featureBit(VIRTIO_F_INDIRECT_DESC)) !== 0n,
  });
  w(mmio, VIRTIO_MMIO.QUEUE_SIZE, num);
  w(mmio, VIRTIO_MMIO.QUEUE_DESC_LOW, vq.desc);
  w(mmio, VIRTIO_MMIO.QUEUE_DESC_HIGH, 0);
  w(mmio, VIRTIO_MMIO.QUEUE_DRIVER_LOW, vq.avail);
  w(mmio, VIRTIO_MMIO.QUEUE_DRIVER_HIGH, 0);
  w(mmio, VIRTIO_MMIO.QUEUE_DEVICE_LOW, vq.used);
  w(mmio, VIRTIO_MMIO.QUEUE_DEVICE_HIGH, 0);
  w(mmio, VIRTIO_MMIO.QUEUE_READY, 1);
  return vq;
}

/** virtio_device_ready. */
export function driverOk(mmio: VirtioMmio): void {
  w(mmio, VIRTIO_MMIO.STATUS, r(mmio, VIRTIO_MMIO.STATUS) | DRIVER_OK);
}

/** virtqueue_kick: notify if the ring asks for it. */
export function kick(mmio: VirtioMmio, vq: DriverVirtq, index: number): boolean {
  if (!vq.kickNeeded()) return false;
  w(mmio, VIRTIO_MMIO.QUEUE_NOTIFY, index);
  return true;
}

/** vm_interrupt: read and acknowledge InterruptStatus; returns the bits. */
export function takeInterrupt(mmio: VirtioMmio): number {
  const status = r(mmio, VIRTIO_MMIO.INTERRUPT_STATUS);
  w(mmio, VIRTIO_MMIO.INTERRUPT_ACK, status);
  return status;
}
