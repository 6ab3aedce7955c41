import { describe, expect, it } from 'vitest';
import { FakeGuestRam } from './guest-ram.test-helper';
import type { SplitQueue } from './split-queue';
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
import {
  VIRTIO_MMIO,
  VIRTIO_MMIO_INT_CONFIG,
  VIRTIO_MMIO_INT_VRING,
  VirtioMmio,
} from './virtio-mmio';
import {
  DriverVirtq,
  IrqSpy,
  driverOk,
  kick,
  probe,
  readDeviceFeatures,
  setupQueue,
  takeInterrupt,
  writeDriverFeatures,
} from './virtq-driver.test-helper';

const BASE = 0x8000_0000;
const { ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, DEVICE_NEEDS_RESET } = VIRTIO_STATUS;
const VERSION_1 = featureBit(VIRTIO_F_VERSION_1);
const RING = featureBit(VIRTIO_F_INDIRECT_DESC) | featureBit(VIRTIO_F_EVENT_IDX);
const ALL = (1n << 64n) - 1n;

/** A device with two queues (max 16 and 8) that uses every chain it is notified of. */
class EchoDevice implements VirtioDevice {
  saveState(): null {
    return null;
  }
  loadState(): void {}
  readonly deviceId = 42;
  readonly features: bigint;
  readonly queueCount = 2;
  transport!: VirtioTransport;
  config = new Uint8Array(8).fill(0x11);
  notified: number[] = [];
  resets = 0;

  constructor(features = 0b101n) {
    this.features = features;
  }

  queueMaxSize(index: number): number {
    return [16, 8][index] ?? 0;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.config[offset + i] ?? 0);
    return v;
  }

  writeConfig(offset: number, value: number, size: 1 | 2 | 4): void {
    for (let i = 0; i < size; i++) this.config[offset + i] = (value >>> (8 * i)) & 0xff;
  }

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  notify(index: number): void {
    this.notified.push(index);
    const q = this.transport.queue(index) as SplitQueue;
    for (let c = q.pop(); c; c = q.pop()) q.push(c.head, 0);
    this.transport.signalUsed(index);
  }

  reset(): void {
    this.resets++;
  }
}

function setup(features?: bigint) {
  const ram = new FakeGuestRam(BASE, 0x4_0000);
  const irq = new IrqSpy();
  const device = new EchoDevice(features);
  const mmio = new VirtioMmio({ device, dma: ram, irq, name: 'virtio-test' });
  const r = (reg: number) => mmio.read(reg, 4);
  const w = (reg: number, v: number) => mmio.write(reg, v, 4);
  return { ram, irq, device, mmio, r, w };
}

/** Probes and sets up queue 0 with the given features, then DRIVER_OK. */
function ready(features = VERSION_1 | RING | 0b101n) {
  const s = setup();
  const negotiated = probe(s.mmio, features);
  const vq = setupQueue(s.mmio, s.ram, 0, negotiated);
  driverOk(s.mmio);
  return { ...s, vq, buf: (len: number) => ({ addr: s.ram.alloc(len, 8), len }) };
}

describe('VirtioMmio', () => {
  it('presents the v2 header with the device id and QEMU vendor', () => {
    const { r, mmio } = setup();
    expect(r(VIRTIO_MMIO.MAGIC_VALUE)).toBe(0x7472_6976);
    expect(r(VIRTIO_MMIO.VERSION)).toBe(2);
    expect(r(VIRTIO_MMIO.DEVICE_ID)).toBe(42);
    expect(r(VIRTIO_MMIO.VENDOR_ID)).toBe(0x554d_4551);
    expect(mmio.name).toBe('virtio-test');
  });

  it('offers 64 feature bits: the device bits plus VERSION_1 and the ring features', () => {
    const { mmio, r, w } = setup(0b101n | featureBit(VIRTIO_F_RING_RESET));
    expect(readDeviceFeatures(mmio)).toBe(0b101n | VERSION_1 | RING | featureBit(40));
    w(VIRTIO_MMIO.DEVICE_FEATURES_SEL, 1);
    expect(r(VIRTIO_MMIO.DEVICE_FEATURES)).toBe(0b1_0000_0001); // bits 32 and 40
    w(VIRTIO_MMIO.DEVICE_FEATURES_SEL, 2);
    expect(r(VIRTIO_MMIO.DEVICE_FEATURES)).toBe(0);
  });

  describe('feature negotiation (§2.2, §3.1.1)', () => {
    function tryFeatures(features: bigint) {
      const s = setup();
      s.w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER);
      writeDriverFeatures(s.mmio, features);
      s.w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
      return s;
    }

    it('accepts a subset of the offered features that includes VERSION_1', () => {
      const { r, mmio } = tryFeatures(VERSION_1 | 0b1n);
      expect(r(VIRTIO_MMIO.STATUS)).toBe(ACKNOWLEDGE | DRIVER | FEATURES_OK);
      expect(mmio.features).toBe(VERSION_1 | 1n);
      expect(mmio.featuresOk).toBe(true);
    });

    it('refuses FEATURES_OK for a feature not offered', () => {
      const { r, mmio } = tryFeatures(VERSION_1 | 0b10n);
      expect(r(VIRTIO_MMIO.STATUS)).toBe(ACKNOWLEDGE | DRIVER);
      expect(mmio.featuresOk).toBe(false);
    });

    it('refuses FEATURES_OK without VERSION_1 (a v2 device is not legacy)', () => {
      const { r } = tryFeatures(0b1n);
      expect(r(VIRTIO_MMIO.STATUS)).toBe(ACKNOWLEDGE | DRIVER);
    });

    it('freezes the driver features once FEATURES_OK is set', () => {
      const { mmio } = tryFeatures(VERSION_1);
      writeDriverFeatures(mmio, ALL);
      expect(mmio.features).toBe(VERSION_1);
      expect(mmio.ignoredAccesses).toBe(2);
    });
  });

  describe('queue setup (§4.2.3.2)', () => {
    it('reports QueueSizeMax per queue and 0 past the last one', () => {
      const { r, w } = setup();
      const max = (i: number) => (w(VIRTIO_MMIO.QUEUE_SEL, i), r(VIRTIO_MMIO.QUEUE_SIZE_MAX));
      expect([0, 1, 2, 1000].map(max)).toEqual([16, 8, 0, 0]);
    });

    it('enables a queue the way Linux sets it up and reads QueueReady back', () => {
      const { mmio, r, w } = ready();
      w(VIRTIO_MMIO.QUEUE_SEL, 0);
      expect(r(VIRTIO_MMIO.QUEUE_READY)).toBe(1);
      expect(mmio.queue(0)?.size).toBe(16);
      expect(mmio.queue(1)).toBeUndefined();
      w(VIRTIO_MMIO.QUEUE_READY, 0);
      expect(r(VIRTIO_MMIO.QUEUE_READY)).toBe(0);
      expect(mmio.queue(0)).toBeUndefined();
      expect(mmio.status & DEVICE_NEEDS_RESET).toBe(0);
    });

    it('uses a smaller power-of-2 QueueSize and defaults to QueueSizeMax', () => {
      const { mmio, ram, r, w } = setup();
      probe(mmio, VERSION_1);
      const vq = new DriverVirtq(ram, 4);
      w(VIRTIO_MMIO.QUEUE_SEL, 0);
      w(VIRTIO_MMIO.QUEUE_SIZE, 4);
      w(VIRTIO_MMIO.QUEUE_DESC_LOW, vq.desc);
      w(VIRTIO_MMIO.QUEUE_DRIVER_LOW, vq.avail);
      w(VIRTIO_MMIO.QUEUE_DEVICE_LOW, vq.used);
      w(VIRTIO_MMIO.QUEUE_READY, 1);
      expect(mmio.queue(0)?.size).toBe(4);
      const vq1 = new DriverVirtq(ram, 8);
      w(VIRTIO_MMIO.QUEUE_SEL, 1);
      w(VIRTIO_MMIO.QUEUE_DESC_LOW, vq1.desc);
      w(VIRTIO_MMIO.QUEUE_DRIVER_LOW, vq1.avail);
      w(VIRTIO_MMIO.QUEUE_DEVICE_LOW, vq1.used);
      w(VIRTIO_MMIO.QUEUE_READY, 1);
      expect(mmio.queue(1)?.size).toBe(8);
      expect(r(VIRTIO_MMIO.QUEUE_SIZE)).toBe(0); // write-only
    });

    for (const [name, reg, value] of [
      ['a QueueSize that is not a power of 2', VIRTIO_MMIO.QUEUE_SIZE, 12],
      ['a QueueSize above QueueSizeMax', VIRTIO_MMIO.QUEUE_SIZE, 32],
      ['a ring above 4 GiB', VIRTIO_MMIO.QUEUE_DESC_HIGH, 1],
      ['a ring outside RAM', VIRTIO_MMIO.QUEUE_DEVICE_LOW, 0x1000],
    ] as const) {
      it(`refuses ${name}: queue not ready, DEVICE_NEEDS_RESET, config interrupt`, () => {
        const { mmio, ram, irq, r, w } = setup();
        probe(mmio, VERSION_1);
        const vq = new DriverVirtq(ram, 16);
        w(VIRTIO_MMIO.QUEUE_SEL, 0);
        w(VIRTIO_MMIO.QUEUE_DESC_LOW, vq.desc);
        w(VIRTIO_MMIO.QUEUE_DRIVER_LOW, vq.avail);
        w(VIRTIO_MMIO.QUEUE_DEVICE_LOW, vq.used);
        w(reg, value);
        w(VIRTIO_MMIO.QUEUE_READY, 1);
        expect(r(VIRTIO_MMIO.QUEUE_READY)).toBe(0);
        expect(mmio.queue(0)).toBeUndefined();
        expect(r(VIRTIO_MMIO.STATUS) & DEVICE_NEEDS_RESET).toBe(DEVICE_NEEDS_RESET);
        expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(VIRTIO_MMIO_INT_CONFIG);
        expect(irq.level).toBe(true);
        expect(mmio.faultCount).toBe(1);
        expect(mmio.lastFault).toMatchObject({ queue: 0, kind: 'bad-layout' });
        expect(ram.outOfRange).toEqual([]);
      });
    }

    it('refuses to enable a queue before FEATURES_OK', () => {
      const { mmio, ram, r, w } = setup();
      const vq = new DriverVirtq(ram, 16);
      w(VIRTIO_MMIO.QUEUE_DESC_LOW, vq.desc);
      w(VIRTIO_MMIO.QUEUE_DRIVER_LOW, vq.avail);
      w(VIRTIO_MMIO.QUEUE_DEVICE_LOW, vq.used);
      w(VIRTIO_MMIO.QUEUE_READY, 1);
      expect(r(VIRTIO_MMIO.QUEUE_READY)).toBe(0);
      expect(mmio.status & DEVICE_NEEDS_RESET).toBe(DEVICE_NEEDS_RESET);
    });

    it('ignores queue address writes while the queue is ready', () => {
      const { mmio, w } = ready();
      const before = mmio.ignoredAccesses;
      w(VIRTIO_MMIO.QUEUE_SEL, 0);
      w(VIRTIO_MMIO.QUEUE_DESC_LOW, 0);
      w(VIRTIO_MMIO.QUEUE_SIZE, 2);
      expect(mmio.ignoredAccesses).toBe(before + 2);
      expect(mmio.queue(0)?.size).toBe(16);
    });
  });

  describe('notifications and interrupts', () => {
    it('dispatches QueueNotify to the device only for ready queues', () => {
      const { device, w } = ready();
      w(VIRTIO_MMIO.QUEUE_NOTIFY, 1);
      w(VIRTIO_MMIO.QUEUE_NOTIFY, 7);
      w(VIRTIO_MMIO.QUEUE_NOTIFY, 0);
      expect(device.notified).toEqual([0]);
    });

    it('asserts the line while InterruptStatus is non-zero; InterruptACK clears bits', () => {
      const { mmio, vq, irq, buf, r, w } = ready();
      const head = vq.add([buf(8)], []);
      expect(kick(mmio, vq, 0)).toBe(true);
      expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(VIRTIO_MMIO_INT_VRING);
      expect(irq.level).toBe(true);
      expect(vq.getUsed()).toEqual({ id: head, len: 0 });
      mmio.signalConfigChange();
      expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
      w(VIRTIO_MMIO.INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
      expect(irq.level).toBe(true);
      expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(VIRTIO_MMIO_INT_CONFIG);
      w(VIRTIO_MMIO.INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
      expect(irq.level).toBe(false);
      expect(irq.raised).toBe(1);
    });

    it('honours used_event: no interrupt until the driver asks (EVENT_IDX)', () => {
      const { mmio, vq, irq, ram, buf } = ready();
      vq.add([buf(8)], []);
      kick(mmio, vq, 0);
      expect(takeInterrupt(mmio)).toBe(VIRTIO_MMIO_INT_VRING);
      // The driver has not consumed the used entry, so used_event stays at 0.
      expect(ram.r16(vq.avail + 4 + 2 * 16)).toBe(0);
      vq.add([buf(8)], []);
      mmio.write(VIRTIO_MMIO.QUEUE_NOTIFY, 0, 4);
      expect(irq.level).toBe(false);
      vq.getUsed();
      vq.getUsed(); // used_event = 2: interrupt once entry 2 is written
      vq.add([buf(8)], []);
      mmio.write(VIRTIO_MMIO.QUEUE_NOTIFY, 0, 4);
      expect(irq.level).toBe(true);
    });

    it('raises config change interrupts only once DRIVER_OK, and bumps ConfigGeneration', () => {
      const { mmio, irq, r, w } = setup();
      const gen = r(VIRTIO_MMIO.CONFIG_GENERATION);
      mmio.signalConfigChange();
      expect(r(VIRTIO_MMIO.CONFIG_GENERATION)).toBe(gen + 1);
      expect(irq.level).toBe(false);
      probe(mmio, VERSION_1);
      w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
      mmio.signalConfigChange();
      expect(r(VIRTIO_MMIO.CONFIG_GENERATION)).toBe(gen + 2);
      expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(VIRTIO_MMIO_INT_CONFIG);
      expect(irq.level).toBe(true);
    });
  });

  describe('a broken ring (§2.1.2)', () => {
    it('sets DEVICE_NEEDS_RESET, raises a config interrupt and stops that queue only', () => {
      const s = ready();
      const vq1 = setupQueue(s.mmio, s.ram, 1, s.mmio.features);
      s.ram.w16(s.vq.avail + 2, 100); // avail idx 100 ahead of a 16-entry ring
      expect(() => s.w(VIRTIO_MMIO.QUEUE_NOTIFY, 0)).not.toThrow();
      expect(s.r(VIRTIO_MMIO.STATUS)).toBe(
        ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | DEVICE_NEEDS_RESET,
      );
      expect(s.mmio.lastFault).toMatchObject({ queue: 0, kind: 'avail-idx-jump' });
      expect(takeInterrupt(s.mmio)).toBe(VIRTIO_MMIO_INT_CONFIG);
      expect(s.mmio.queue(0)).toBeUndefined();
      s.w(VIRTIO_MMIO.QUEUE_NOTIFY, 0);
      expect(s.device.notified).toEqual([0]);
      // The other queue still works.
      const head = vq1.add([s.buf(4)], []);
      kick(s.mmio, vq1, 1);
      expect(vq1.getUsed()).toEqual({ id: head, len: 0 });
      // The driver cannot clear DEVICE_NEEDS_RESET, only reset can.
      s.w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
      expect(s.r(VIRTIO_MMIO.STATUS) & DEVICE_NEEDS_RESET).toBe(DEVICE_NEEDS_RESET);
      s.w(VIRTIO_MMIO.STATUS, 0);
      expect(s.r(VIRTIO_MMIO.STATUS)).toBe(0);
    });
  });

  it('resets everything when 0 is written to Status (§2.4, §4.2.2.1)', () => {
    const { mmio, device, irq, vq, ram, buf, r, w } = ready();
    vq.add([buf(8)], []);
    kick(mmio, vq, 0);
    expect(irq.level).toBe(true);
    w(VIRTIO_MMIO.QUEUE_SEL, 1);
    w(VIRTIO_MMIO.DEVICE_FEATURES_SEL, 1);
    const resets = device.resets;
    w(VIRTIO_MMIO.STATUS, 0);
    expect(device.resets).toBe(resets + 1);
    expect(r(VIRTIO_MMIO.STATUS)).toBe(0);
    expect(r(VIRTIO_MMIO.INTERRUPT_STATUS)).toBe(0);
    expect(irq.level).toBe(false);
    expect(mmio.features).toBe(0n);
    expect(mmio.featuresOk).toBe(false);
    expect(mmio.queue(0)).toBeUndefined();
    expect(r(VIRTIO_MMIO.QUEUE_READY)).toBe(0); // QueueSel back to 0, not ready
    expect(r(VIRTIO_MMIO.DEVICE_FEATURES)).toBe(0b101 | 0x3000_0000); // DeviceFeaturesSel back to 0
    // And the device can be driven again from scratch.
    const negotiated = probe(mmio, VERSION_1 | RING);
    const vq2 = setupQueue(mmio, ram, 0, negotiated);
    const head = vq2.add([buf(8)], []);
    kick(mmio, vq2, 0);
    expect(vq2.getUsed()).toEqual({ id: head, len: 0 });
  });

  it('resets one queue with VIRTIO_F_RING_RESET', () => {
    const s = setup(featureBit(VIRTIO_F_RING_RESET));
    const negotiated = probe(s.mmio, VERSION_1 | featureBit(VIRTIO_F_RING_RESET));
    setupQueue(s.mmio, s.ram, 0, negotiated);
    s.w(VIRTIO_MMIO.QUEUE_SEL, 0);
    s.w(VIRTIO_MMIO.QUEUE_RESET, 1);
    expect(s.r(VIRTIO_MMIO.QUEUE_RESET)).toBe(0);
    expect(s.r(VIRTIO_MMIO.QUEUE_READY)).toBe(0);
    expect(s.mmio.queue(0)).toBeUndefined();
    setupQueue(s.mmio, s.ram, 0, negotiated); // can be set up again
    expect(s.mmio.queue(0)).toBeDefined();
  });

  it('ignores QueueReset without VIRTIO_F_RING_RESET', () => {
    const { mmio, w } = ready();
    w(VIRTIO_MMIO.QUEUE_SEL, 0);
    w(VIRTIO_MMIO.QUEUE_RESET, 1);
    expect(mmio.queue(0)).toBeDefined();
  });

  it('passes configuration space accesses of every width to the device', () => {
    const { mmio, device } = setup();
    device.config.set([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(mmio.read(0x100, 4)).toBe(0x0403_0201);
    expect(mmio.read(0x105, 1)).toBe(6);
    expect(mmio.read(0x106, 2)).toBe(0x0807);
    mmio.write(0x104, 0xaabbccdd, 4);
    mmio.write(0x100, 0xee, 1);
    expect([...device.config]).toEqual([0xee, 2, 3, 4, 0xdd, 0xcc, 0xbb, 0xaa]);
  });

  it('ignores and counts non-32-bit or misaligned register accesses and write-only reads', () => {
    const { mmio, r, w } = setup();
    expect(mmio.read(VIRTIO_MMIO.MAGIC_VALUE, 2)).toBe(0);
    expect(mmio.read(VIRTIO_MMIO.MAGIC_VALUE + 1, 4)).toBe(0);
    mmio.write(VIRTIO_MMIO.STATUS, ACKNOWLEDGE, 1);
    expect(r(VIRTIO_MMIO.STATUS)).toBe(0);
    expect(r(VIRTIO_MMIO.QUEUE_NOTIFY)).toBe(0);
    w(VIRTIO_MMIO.MAGIC_VALUE, 0);
    expect(r(VIRTIO_MMIO.MAGIC_VALUE)).toBe(0x7472_6976);
    expect(mmio.ignoredAccesses).toBe(5);
  });

  it('has no shared memory regions (SHMLen reads -1)', () => {
    const { r, w } = setup();
    w(VIRTIO_MMIO.SHM_SEL, 0);
    expect(r(VIRTIO_MMIO.SHM_LEN_LOW)).toBe(0xffff_ffff);
    expect(r(VIRTIO_MMIO.SHM_LEN_HIGH)).toBe(0xffff_ffff);
  });
});
