/**
 * The virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2), as QEMU's
 * hw/virtio/virtio-mmio.c presents it: vendor "QEMU", split rings, no shared
 * memory regions. It owns every register and the queues; the `VirtioDevice`
 * behind it only sees the `VirtioTransport` view.
 *
 * Guest errors never throw: control registers only take aligned 32-bit
 * accesses (§4.2.2.2; others read 0, are ignored and counted in
 * `ignoredAccesses`), a queue the driver set up badly or whose ring it broke
 * sets DEVICE_NEEDS_RESET (§2.1.2) with a configuration change interrupt, and
 * that queue stops. The interrupt line is level: asserted while
 * InterruptStatus is non-zero (§4.2.3.4).
 */
import type { IrqLine, MmioDevice } from '../mmio-device';
import type { Json } from '../../vm/machine-state';
import { DeviceStateError, StateReader } from '../device-state';
import {
  VIRTIO_MMIO_MAGIC,
  VIRTIO_MMIO_VENDOR_QEMU,
  VIRTIO_MMIO_VERSION,
} from '../virtio-mmio-empty';
import type { GuestDma } from './dma';
import { SplitQueue, type VirtqFault } from './split-queue';
import {
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_RING_RESET,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS,
  featureBit,
  type VirtioDevice,
  type VirtioTransport,
} from './virtio-device';

/** Register offsets (§4.2.2, table "MMIO Device Register Layout"). */
export const VIRTIO_MMIO = {
  MAGIC_VALUE: 0x000,
  VERSION: 0x004,
  DEVICE_ID: 0x008,
  VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010,
  DEVICE_FEATURES_SEL: 0x014,
  DRIVER_FEATURES: 0x020,
  DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030,
  QUEUE_SIZE_MAX: 0x034,
  QUEUE_SIZE: 0x038,
  QUEUE_READY: 0x044,
  QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060,
  INTERRUPT_ACK: 0x064,
  STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080,
  QUEUE_DESC_HIGH: 0x084,
  QUEUE_DRIVER_LOW: 0x090,
  QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0,
  QUEUE_DEVICE_HIGH: 0x0a4,
  SHM_SEL: 0x0ac,
  SHM_LEN_LOW: 0x0b0,
  SHM_LEN_HIGH: 0x0b4,
  SHM_BASE_LOW: 0x0b8,
  SHM_BASE_HIGH: 0x0bc,
  QUEUE_RESET: 0x0c0,
  CONFIG_GENERATION: 0x0fc,
  CONFIG: 0x100,
} as const;

/** InterruptStatus bits (§4.2.2). */
export const VIRTIO_MMIO_INT_VRING = 1;
export const VIRTIO_MMIO_INT_CONFIG = 2;

/** Ring features every device behind this transport gets, plus VERSION_1 (§4.2: v2 is non-legacy). */
export const VIRTIO_MMIO_TRANSPORT_FEATURES =
  featureBit(VIRTIO_F_VERSION_1) |
  featureBit(VIRTIO_F_INDIRECT_DESC) |
  featureBit(VIRTIO_F_EVENT_IDX);

const { ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, DEVICE_NEEDS_RESET, FAILED } = VIRTIO_STATUS;
const DRIVER_STATUS_BITS = ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK | FAILED;
const LOW32 = 0xffff_ffffn;
const TWO_32 = 0x1_0000_0000;

interface QueueRegs {
  /** Last QueueSize written; undefined means QueueSizeMax. */
  size: number | undefined;
  ready: boolean;
  desc: [number, number];
  driver: [number, number];
  device: [number, number];
  ring: SplitQueue | undefined;
}

export interface VirtioMmioOptions {
  device: VirtioDevice;
  dma: GuestDma;
  irq: IrqLine;
  name?: string;
}

export interface VirtioMmioFault extends VirtqFault {
  readonly queue: number;
}

export class VirtioMmio implements MmioDevice, VirtioTransport {
  readonly name: string;
  /** Accesses the spec leaves undefined (bad width, write-only read, read-only write, …). */
  ignoredAccesses = 0;
  /** Queues the driver set up badly or whose ring it broke, and the last such fault. */
  faultCount = 0;
  lastFault: VirtioMmioFault | undefined;

  readonly #device: VirtioDevice;
  readonly #dma: GuestDma;
  readonly #irq: IrqLine;
  readonly #offered: bigint;
  #deviceFeaturesSel = 0;
  #driverFeaturesSel = 0;
  #driverFeatures = 0n;
  #queueSel = 0;
  #queues: QueueRegs[] = [];
  #interruptStatus = 0;
  #irqLevel = false;
  /** The bits the driver wrote; DEVICE_NEEDS_RESET is ORed in on read. */
  #status = 0;
  #needsReset = false;
  #configGeneration = 0;

  constructor(options: VirtioMmioOptions) {
    this.#device = options.device;
    this.#dma = options.dma;
    this.#irq = options.irq;
    this.name = options.name ?? 'virtio-mmio';
    this.#offered = VIRTIO_MMIO_TRANSPORT_FEATURES | options.device.features;
    this.#clearQueues();
    options.device.attach(this);
  }

  /** The feature bits offered in DeviceFeatures. */
  get offeredFeatures(): bigint {
    return this.#offered;
  }

  get features(): bigint {
    return this.#driverFeatures;
  }

  get featuresOk(): boolean {
    return (this.#status & FEATURES_OK) !== 0;
  }

  get driverOk(): boolean {
    return (this.#status & DRIVER_OK) !== 0;
  }

  /** The Status register as the driver reads it. */
  get status(): number {
    return this.#status | (this.#needsReset ? DEVICE_NEEDS_RESET : 0);
  }

  get interruptStatus(): number {
    return this.#interruptStatus;
  }

  queue(index: number): SplitQueue | undefined {
    const q = this.#queues[index];
    return q?.ready && q.ring && !q.ring.fault ? q.ring : undefined;
  }

  signalUsed(index: number): void {
    if (this.queue(index)?.needsInterrupt()) this.#raise(VIRTIO_MMIO_INT_VRING);
  }

  signalConfigChange(): void {
    this.#configGeneration = (this.#configGeneration + 1) >>> 0;
    // Like QEMU's virtio_notify_config: no notification before DRIVER_OK; the
    // driver reads the configuration when it gets there (§3.1.1).
    if (this.driverOk) this.#raise(VIRTIO_MMIO_INT_CONFIG);
  }

  /**
   * Transport registers, each queue's layout and ring indices, then the
   * device's own state (QEMU's virtio_save: transport, vrings, device).
   */
  saveState(): Json {
    return {
      deviceId: this.#device.deviceId,
      deviceFeaturesSel: this.#deviceFeaturesSel,
      driverFeaturesSel: this.#driverFeaturesSel,
      driverFeatures: String(this.#driverFeatures),
      queueSel: this.#queueSel,
      interruptStatus: this.#interruptStatus,
      irqLevel: this.#irqLevel,
      status: this.#status,
      needsReset: this.#needsReset,
      configGeneration: this.#configGeneration,
      queues: this.#queues.map((q) => ({
        size: q.size ?? -1,
        ready: q.ready,
        desc: [...q.desc],
        driver: [...q.driver],
        device: [...q.device],
        broken: q.ring?.fault !== undefined,
        indices: q.ring ? { ...q.ring.indices } : null,
      })),
      device: this.#device.saveState(),
    };
  }

  /**
   * Loads what saveState returned into a freshly made transport, checking
   * every field first (all or nothing), and rebuilds each ready queue over
   * the restored guest memory, which must already be in place.
   */
  loadState(state: Json): void {
    const r = new StateReader(this.name, state);
    const deviceId = r.int('deviceId', 0, 0xffff);
    if (deviceId !== this.#device.deviceId)
      throw new DeviceStateError(
        `${this.name}: saved device ID ${deviceId}, this slot holds ${this.#device.deviceId}`,
      );
    const u32 = (key: string) => r.int(key, 0, 0xffff_ffff);
    const regs = {
      deviceFeaturesSel: u32('deviceFeaturesSel'),
      driverFeaturesSel: u32('driverFeaturesSel'),
      driverFeatures: r.bigint('driverFeatures'),
      queueSel: u32('queueSel'),
      interruptStatus: r.int('interruptStatus', 0, 3),
      irqLevel: r.bool('irqLevel'),
      status: r.int('status', 0, DRIVER_STATUS_BITS),
      needsReset: r.bool('needsReset'),
      configGeneration: u32('configGeneration'),
    };
    if (regs.driverFeatures < 0n || (regs.driverFeatures & ~this.#offered) !== 0n)
      throw new DeviceStateError(`${this.name}: saved driver features were never offered`);
    const saved = r.value('queues');
    if (!Array.isArray(saved) || saved.length !== this.#device.queueCount)
      throw new DeviceStateError(`${this.name}: saved state has the wrong number of queues`);
    const queues = saved.map((entry, index) => this.#loadQueue(index, entry, regs.driverFeatures));
    this.#deviceFeaturesSel = regs.deviceFeaturesSel;
    this.#driverFeaturesSel = regs.driverFeaturesSel;
    this.#driverFeatures = regs.driverFeatures;
    this.#queueSel = regs.queueSel;
    this.#interruptStatus = regs.interruptStatus;
    this.#irqLevel = regs.irqLevel;
    this.#status = regs.status;
    this.#needsReset = regs.needsReset;
    this.#configGeneration = regs.configGeneration;
    this.#queues = queues;
    this.#device.loadState(r.value('device'));
  }

  #loadQueue(index: number, state: Json, features: bigint): QueueRegs {
    const r = new StateReader(`${this.name} queue ${index}`, state);
    const pair = (key: string): [number, number] => {
      const v = r.value(key);
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x)))
        throw new DeviceStateError(
          `${this.name} queue ${index}: saved field '${key}' is not a pair`,
        );
      return [(v[0] as number) >>> 0, (v[1] as number) >>> 0];
    };
    const size = r.int('size', -1, 32768);
    const q: QueueRegs = {
      size: size < 0 ? undefined : size,
      ready: r.bool('ready'),
      desc: pair('desc'),
      driver: pair('driver'),
      device: pair('device'),
      ring: undefined,
    };
    if (!q.ready || r.bool('broken')) return q;
    const ir = new StateReader(`${this.name} queue ${index}`, r.value('indices'));
    const indices = {
      lastAvailIdx: ir.int('lastAvailIdx', 0, 0xffff),
      usedIdx: ir.int('usedIdx', 0, 0xffff),
      signalledUsedIdx: ir.int('signalledUsedIdx', 0, 0xffff),
    };
    const max = this.#device.queueMaxSize(index) || 32768;
    const ringSize = q.size ?? max;
    if (ringSize > max)
      throw new DeviceStateError(`${this.name} queue ${index}: size ${ringSize} over ${max}`);
    const ring = new SplitQueue(
      this.#dma,
      {
        size: ringSize,
        descAddr: join(q.desc),
        driverAddr: join(q.driver),
        deviceAddr: join(q.device),
        indirectDesc: (features & featureBit(VIRTIO_F_INDIRECT_DESC)) !== 0n,
        eventIdx: (features & featureBit(VIRTIO_F_EVENT_IDX)) !== 0n,
      },
      (fault) => this.#queueFault(index, fault),
      indices,
    );
    if (ring.fault) throw new DeviceStateError(`${this.name} queue ${index}: ${ring.fault.detail}`);
    q.ring = ring;
    return q;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset >= VIRTIO_MMIO.CONFIG) {
      return this.#device.readConfig(offset - VIRTIO_MMIO.CONFIG, size);
    }
    if (size !== 4 || offset & 3) return this.#ignore();
    const q = this.#queues[this.#queueSel];
    switch (offset) {
      case VIRTIO_MMIO.MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
      case VIRTIO_MMIO.VERSION:
        return VIRTIO_MMIO_VERSION;
      case VIRTIO_MMIO.DEVICE_ID:
        return this.#device.deviceId;
      case VIRTIO_MMIO.VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
      case VIRTIO_MMIO.DEVICE_FEATURES:
        return this.#deviceFeaturesSel > 1
          ? 0
          : Number((this.#offered >> BigInt(32 * this.#deviceFeaturesSel)) & LOW32);
      case VIRTIO_MMIO.QUEUE_SIZE_MAX:
        return q ? this.#device.queueMaxSize(this.#queueSel) : 0;
      case VIRTIO_MMIO.QUEUE_READY:
        return q?.ready ? 1 : 0;
      case VIRTIO_MMIO.INTERRUPT_STATUS:
        return this.#interruptStatus;
      case VIRTIO_MMIO.STATUS:
        return this.status;
      case VIRTIO_MMIO.SHM_LEN_LOW:
      case VIRTIO_MMIO.SHM_LEN_HIGH:
      case VIRTIO_MMIO.SHM_BASE_LOW:
      case VIRTIO_MMIO.SHM_BASE_HIGH:
        return 0xffff_ffff; // no shared memory region: length and base read as -1
      case VIRTIO_MMIO.QUEUE_RESET:
        return 0; // a queue reset completes within the write
      case VIRTIO_MMIO.CONFIG_GENERATION:
        return this.#configGeneration;
      default:
        return this.#ignore(); // write-only or unassigned
    }
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (offset >= VIRTIO_MMIO.CONFIG) {
      this.#device.writeConfig(offset - VIRTIO_MMIO.CONFIG, value, size);
      return;
    }
    if (size !== 4 || offset & 3) {
      this.#ignore();
      return;
    }
    const v = value >>> 0;
    switch (offset) {
      case VIRTIO_MMIO.DEVICE_FEATURES_SEL:
        this.#deviceFeaturesSel = v;
        return;
      case VIRTIO_MMIO.DRIVER_FEATURES:
        this.#writeDriverFeatures(v);
        return;
      case VIRTIO_MMIO.DRIVER_FEATURES_SEL:
        this.#driverFeaturesSel = v;
        return;
      case VIRTIO_MMIO.QUEUE_SEL:
        this.#queueSel = v;
        return;
      case VIRTIO_MMIO.QUEUE_SIZE:
        this.#writeQueueReg((q) => (q.size = v));
        return;
      case VIRTIO_MMIO.QUEUE_READY:
        this.#writeQueueReady(v);
        return;
      case VIRTIO_MMIO.QUEUE_NOTIFY:
        // Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index.
        if (this.queue(v)) this.#device.notify(v);
        return;
      case VIRTIO_MMIO.INTERRUPT_ACK:
        this.#interruptStatus &= ~v;
        this.#updateIrq();
        return;
      case VIRTIO_MMIO.STATUS:
        this.#writeStatus(v);
        return;
      case VIRTIO_MMIO.QUEUE_DESC_LOW:
        this.#writeQueueReg((q) => (q.desc[0] = v));
        return;
      case VIRTIO_MMIO.QUEUE_DESC_HIGH:
        this.#writeQueueReg((q) => (q.desc[1] = v));
        return;
      case VIRTIO_MMIO.QUEUE_DRIVER_LOW:
        this.#writeQueueReg((q) => (q.driver[0] = v));
        return;
      case VIRTIO_MMIO.QUEUE_DRIVER_HIGH:
        this.#writeQueueReg((q) => (q.driver[1] = v));
        return;
      case VIRTIO_MMIO.QUEUE_DEVICE_LOW:
        this.#writeQueueReg((q) => (q.device[0] = v));
        return;
      case VIRTIO_MMIO.QUEUE_DEVICE_HIGH:
        this.#writeQueueReg((q) => (q.device[1] = v));
        return;
      case VIRTIO_MMIO.SHM_SEL:
        return;
      case VIRTIO_MMIO.QUEUE_RESET:
        this.#writeQueueReset(v);
        return;
      default:
        this.#ignore(); // read-only or unassigned
    }
  }

  #writeDriverFeatures(v: number): void {
    // §2.2: features are fixed once FEATURES_OK is set (until reset).
    if (this.featuresOk || this.#driverFeaturesSel > 1) {
      this.#ignore();
      return;
    }
    const shift = BigInt(32 * this.#driverFeaturesSel);
    this.#driverFeatures = (this.#driverFeatures & ~(LOW32 << shift)) | (BigInt(v) << shift);
  }

  #writeStatus(v: number): void {
    if (v === 0) {
      this.#reset();
      return;
    }
    let status = v & DRIVER_STATUS_BITS;
    // §2.2.2 / §3.1.1 step 6: refuse FEATURES_OK for features we did not
    // offer, and (§4.2) without VERSION_1 on a version 2 device.
    if (status & FEATURES_OK && !this.featuresOk && !this.#featuresAcceptable()) {
      status &= ~FEATURES_OK;
    }
    this.#status = status;
  }

  #featuresAcceptable(): boolean {
    const f = this.#driverFeatures;
    return (f & ~this.#offered) === 0n && (f & featureBit(VIRTIO_F_VERSION_1)) !== 0n;
  }

  /** Queue registers other than QueueReady may only change while the queue is not ready (§4.2.2.2). */
  #writeQueueReg(set: (q: QueueRegs) => void): void {
    const q = this.#queues[this.#queueSel];
    if (!q || q.ready) {
      this.#ignore();
      return;
    }
    set(q);
  }

  #writeQueueReady(v: number): void {
    const index = this.#queueSel;
    const q = this.#queues[index];
    if (!q) {
      this.#ignore();
      return;
    }
    if (!(v & 1)) {
      q.ready = false;
      q.ring = undefined;
      return;
    }
    if (q.ready) return;
    const max = this.#device.queueMaxSize(index);
    const size = q.size ?? max;
    if (!this.featuresOk || max === 0 || size > max) {
      const why = !this.featuresOk ? 'before FEATURES_OK' : `size ${size}, QueueSizeMax ${max}`;
      this.#queueFault(index, { kind: 'bad-layout', detail: `queue enabled ${why}` });
      return;
    }
    const ring = new SplitQueue(
      this.#dma,
      {
        size,
        descAddr: join(q.desc),
        driverAddr: join(q.driver),
        deviceAddr: join(q.device),
        indirectDesc: (this.#driverFeatures & featureBit(VIRTIO_F_INDIRECT_DESC)) !== 0n,
        eventIdx: (this.#driverFeatures & featureBit(VIRTIO_F_EVENT_IDX)) !== 0n,
      },
      (fault) => this.#queueFault(index, fault),
    );
    if (ring.fault) return;
    q.ring = ring;
    q.ready = true;
  }

  /** §2.6.1 / §4.2.2.1: with VIRTIO_F_RING_RESET, 1 resets the selected queue to its post-reset state. */
  #writeQueueReset(v: number): void {
    const q = this.#queues[this.#queueSel];
    if (!q || v !== 1 || !(this.#driverFeatures & featureBit(VIRTIO_F_RING_RESET))) {
      this.#ignore();
      return;
    }
    this.#queues[this.#queueSel] = blankQueue();
  }

  #queueFault(index: number, fault: VirtqFault): void {
    this.faultCount++;
    this.lastFault = { queue: index, ...fault };
    this.#needsReset = true;
    // §2.1.2: after setting DEVICE_NEEDS_RESET the device MUST send a
    // configuration change notification if DRIVER_OK is set; we always do.
    this.#raise(VIRTIO_MMIO_INT_CONFIG);
  }

  /** §2.4 / §4.2.2.1: clears InterruptStatus and every QueueReady, then resets the device. */
  #reset(): void {
    this.#status = 0;
    this.#needsReset = false;
    this.#driverFeatures = 0n;
    this.#deviceFeaturesSel = 0;
    this.#driverFeaturesSel = 0;
    this.#queueSel = 0;
    this.#clearQueues();
    this.#interruptStatus = 0;
    this.#updateIrq();
    this.#device.reset();
  }

  #clearQueues(): void {
    this.#queues = Array.from({ length: this.#device.queueCount }, blankQueue);
  }

  #raise(bit: number): void {
    this.#interruptStatus |= bit;
    this.#updateIrq();
  }

  #updateIrq(): void {
    const level = this.#interruptStatus !== 0;
    if (level === this.#irqLevel) return;
    this.#irqLevel = level;
    this.#irq.set(level);
  }

  #ignore(): 0 {
    this.ignoredAccesses++;
    return 0;
  }
}

function blankQueue(): QueueRegs {
  return {
    size: undefined,
    ready: false,
    desc: [0, 0],
    driver: [0, 0],
    device: [0, 0],
    ring: undefined,
  };
}

/** A 64-bit register pair as a number; anything at or above 2^32 is outside RAM anyway. */
function join([low, high]: [number, number]): number {
  return high * TWO_32 + low;
}
