import { describe, expect, it } from 'vitest';
import {
  BALLOON_QUEUE_SIZE,
  VIRTIO_BALLOON_F,
  VIRTIO_BALLOON_S,
  VirtioBalloon,
  balloonQueueRole,
} from './balloon';
import { FakeGuestRam } from './guest-ram.test-helper';
import type { DescBuffer } from './split-queue';
import {
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_RING_RESET,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS,
  featureBit,
} from './virtio-device';
import {
  VIRTIO_MMIO,
  VIRTIO_MMIO_INT_CONFIG,
  VIRTIO_MMIO_INT_VRING,
  VirtioMmio,
} from './virtio-mmio';
import {
  IrqSpy,
  driverOk,
  kick,
  probe,
  setupQueue,
  takeInterrupt,
  type DriverVirtq,
} from './virtq-driver.test-helper';

const BASE = 0x8000_0000;
const RAM_SIZE = 0x40_0000; // 4 MiB
const PFN0 = BASE / 4096;
const F = VIRTIO_BALLOON_F;
const bit = featureBit;

/**
 * What Linux 6.1 accepts: the virtio_balloon feature table plus the ring
 * features vring_transport_features keeps (INDIRECT_DESC, EVENT_IDX,
 * VERSION_1, RING_PACKED, ORDER_PLATFORM, SR_IOV, RING_RESET;
 * ACCESS_PLATFORM is cleared by virtballoon_validate).
 */
const LINUX_6_1 =
  bit(F.MUST_TELL_HOST) |
  bit(F.STATS_VQ) |
  bit(F.DEFLATE_ON_OOM) |
  bit(F.FREE_PAGE_HINT) |
  bit(F.PAGE_POISON) |
  bit(F.PAGE_REPORTING) |
  bit(VIRTIO_F_INDIRECT_DESC) |
  bit(VIRTIO_F_EVENT_IDX) |
  bit(VIRTIO_F_VERSION_1) |
  bit(34) |
  bit(36) |
  bit(37) |
  bit(VIRTIO_F_RING_RESET);

/** Records what the balloon tells the host. */
class RecordingHost {
  inflated: number[][] = [];
  deflated: number[][] = [];
  reported: { addr: number; len: number }[][] = [];
  stats: { values: Map<number, number>; at: number }[] = [];
  inflate(pfns: Uint32Array): void {
    this.inflated.push([...pfns]);
  }
  deflate(pfns: Uint32Array): void {
    this.deflated.push([...pfns]);
  }
  report(ranges: { addr: number; len: number }[]): void {
    this.reported.push(ranges);
  }
  statsArrived(values: Map<number, number>, at: number): void {
    this.stats.push({ values, at });
  }
}

/** drivers/virtio/virtio_balloon.c (6.1), as far as the device can tell. */
class LinuxBalloonDriver {
  readonly features: bigint;
  readonly inflateq: DriverVirtq;
  readonly deflateq: DriverVirtq;
  statsq: DriverVirtq | undefined;
  statsIndex = -1;
  reportingq: DriverVirtq | undefined;
  reportingIndex = -1;
  numPages = 0;
  readonly #pfns: number;
  readonly #stats: number;

  constructor(
    readonly mmio: VirtioMmio,
    readonly ram: FakeGuestRam,
    accepted = LINUX_6_1,
    stats: [number, bigint][] = [],
  ) {
    this.#pfns = ram.alloc(4 * 256, 4);
    this.#stats = ram.alloc(10 * 16, 8);
    this.features = probe(mmio, accepted);
    // init_vqs: VIRTIO_BALLOON_VQ_MAX names, NULL for absent queues;
    // vm_find_vqs numbers only the present ones (queue_idx++).
    const has = (b: number) => (this.features & bit(b)) !== 0n;
    let index = 0;
    this.inflateq = setupQueue(mmio, ram, index++, this.features);
    this.deflateq = setupQueue(mmio, ram, index++, this.features);
    if (has(F.STATS_VQ)) {
      this.statsIndex = index;
      this.statsq = setupQueue(mmio, ram, index++, this.features);
      // Primed with real stats and kicked before DRIVER_OK.
      this.#queueStats(stats);
    }
    if (has(F.FREE_PAGE_HINT)) index++;
    if (has(F.PAGE_REPORTING)) {
      this.reportingIndex = index;
      this.reportingq = setupQueue(mmio, ram, index++, this.features);
    }
    driverOk(mmio);
  }

  /** towards_target: num_pages (config offset 0) minus what we hold. */
  towardsTarget(): number {
    return this.mmio.read(VIRTIO_MMIO.CONFIG, 4) - this.numPages;
  }

  /** fill_balloon / leak_balloon's tell_host, then update_balloon_size. */
  tellHost(deflate: boolean, pfns: number[], tailBytes = 0): { id: number; len: number } {
    const vq = deflate ? this.deflateq : this.inflateq;
    pfns.forEach((pfn, i) => this.ram.w32(this.#pfns + 4 * i, pfn));
    vq.add([{ addr: this.#pfns, len: 4 * pfns.length + tailBytes }], []);
    kick(this.mmio, vq, deflate ? 1 : 0);
    expect(takeInterrupt(this.mmio) & VIRTIO_MMIO_INT_VRING).toBeTruthy();
    const used = vq.getUsed();
    if (!used) throw new Error('tell_host: buffer not used');
    this.numPages += deflate ? -pfns.length : pfns.length;
    this.mmio.write(VIRTIO_MMIO.CONFIG + 4, this.numPages, 4);
    return used;
  }

  /** stats_request → stats_handle_request: take the used buffer back, refill, requeue. */
  serviceStatsRequest(stats: [number, bigint][]): boolean {
    if (!this.statsq?.getUsed()) return false;
    this.#queueStats(stats);
    return true;
  }

  /** virtballoon_free_page_report: the ranges as device-writable buffers. */
  report(ranges: DescBuffer[]): { id: number; len: number } | undefined {
    const vq = this.reportingq!;
    vq.add([], ranges);
    kick(this.mmio, vq, this.reportingIndex);
    takeInterrupt(this.mmio);
    return vq.getUsed();
  }

  #queueStats(stats: [number, bigint][], rawBytes?: Uint8Array): void {
    const bytes = rawBytes ?? encodeStats(stats);
    this.ram.writeBytes(this.#stats, bytes);
    this.statsq!.add([{ addr: this.#stats, len: bytes.length }], []);
    kick(this.mmio, this.statsq!, this.statsIndex);
  }

  queueRawStats(bytes: Uint8Array): void {
    this.statsq!.getUsed();
    this.#queueStats([], bytes);
  }
}

function encodeStats(stats: [number, bigint][]): Uint8Array {
  const bytes = new Uint8Array(10 * stats.length);
  const view = new DataView(bytes.buffer);
  stats.forEach(([tag, val], i) => {
    view.setUint16(10 * i, tag, true);
    view.setBigUint64(10 * i + 2, val, true);
  });
  return bytes;
}

function setup(options: { deflateOnOom?: boolean } = {}) {
  const ram = new FakeGuestRam(BASE, RAM_SIZE);
  const irq = new IrqSpy();
  const host = new RecordingHost();
  let clock = 1000;
  const balloon = new VirtioBalloon({
    host: {
      inflate: (pfns) => host.inflate(pfns),
      deflate: (pfns) => host.deflate(pfns),
      report: (ranges) => host.report(ranges),
      stats: (values, at) => host.statsArrived(values, at),
    },
    dma: ram,
    now: () => clock,
    ...options,
  });
  const mmio = new VirtioMmio({ device: balloon, dma: ram, irq, name: 'balloon' });
  return { ram, irq, host, balloon, mmio, tick: (ms: number) => (clock += ms) };
}

const { MEMFREE, MEMTOT, AVAIL, CACHES, SWAP_IN, MAJFLT } = VIRTIO_BALLOON_S;

describe('VirtioBalloon', () => {
  it('offers STATS_VQ and PAGE_REPORTING (and DEFLATE_ON_OOM only with autodeflate)', () => {
    const plain = setup();
    expect(plain.mmio.read(VIRTIO_MMIO.DEVICE_ID, 4)).toBe(5);
    expect(plain.balloon.features).toBe(bit(F.STATS_VQ) | bit(F.PAGE_REPORTING));
    const driver = new LinuxBalloonDriver(plain.mmio, plain.ram);
    expect(driver.features).toBe(
      bit(F.STATS_VQ) |
        bit(F.PAGE_REPORTING) |
        bit(VIRTIO_F_INDIRECT_DESC) |
        bit(VIRTIO_F_EVENT_IDX) |
        bit(VIRTIO_F_VERSION_1),
    );
    const auto = setup({ deflateOnOom: true });
    expect(new LinuxBalloonDriver(auto.mmio, auto.ram).features & bit(F.DEFLATE_ON_OOM)).toBe(
      bit(F.DEFLATE_ON_OOM),
    );
  });

  describe('queue numbering (Linux 6.1 init_vqs + vm_find_vqs)', () => {
    const STATS = bit(F.STATS_VQ);
    const REPORTING = bit(F.PAGE_REPORTING);
    const roles = (features: bigint) =>
      [0, 1, 2, 3, 4, 5].map((i) => balloonQueueRole(i, features));

    it('numbers present queues densely, reporting_vq also at its §5.5.2 index 4', () => {
      expect(roles(0n)).toEqual(['inflate', 'deflate', undefined, undefined, undefined, undefined]);
      expect(roles(STATS)).toEqual([
        'inflate',
        'deflate',
        'stats',
        undefined,
        undefined,
        undefined,
      ]);
      expect(roles(STATS | REPORTING)).toEqual([
        'inflate',
        'deflate',
        'stats',
        'reporting',
        'reporting',
        undefined,
      ]);
      expect(roles(REPORTING)).toEqual([
        'inflate',
        'deflate',
        'reporting',
        undefined,
        'reporting',
        undefined,
      ]);
    });

    it('reports QueueSizeMax 128 for the queues Linux sets up, 0 past them', () => {
      const { mmio, ram } = setup();
      new LinuxBalloonDriver(mmio, ram);
      const max = (i: number) => {
        mmio.write(VIRTIO_MMIO.QUEUE_SEL, i, 4);
        return mmio.read(VIRTIO_MMIO.QUEUE_SIZE_MAX, 4);
      };
      expect([0, 1, 2, 3, 4, 5].map(max)).toEqual([128, 128, 128, 128, 128, 0]);
      expect(BALLOON_QUEUE_SIZE).toBe(128);
    });

    it('serves reporting_vq at index 2 when the driver declines STATS_VQ', () => {
      const { mmio, ram, host } = setup();
      const driver = new LinuxBalloonDriver(mmio, ram, LINUX_6_1 & ~bit(F.STATS_VQ));
      expect(driver.reportingIndex).toBe(2);
      const addr = ram.alloc(8192, 4096);
      expect(driver.report([{ addr, len: 8192 }])).toBeDefined();
      expect(host.reported).toEqual([[{ addr, len: 8192 }]]);
    });
  });

  it('inflates 256 PFNs on a new target and deflates them again', () => {
    const { mmio, ram, host, balloon } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram);
    const gen = mmio.read(VIRTIO_MMIO.CONFIG_GENERATION, 4);
    balloon.setTarget(256);
    expect(takeInterrupt(mmio)).toBe(VIRTIO_MMIO_INT_CONFIG);
    expect(mmio.read(VIRTIO_MMIO.CONFIG_GENERATION, 4)).toBe(gen + 1);
    expect(driver.towardsTarget()).toBe(256);

    const pfns = Array.from({ length: 256 }, (_, i) => PFN0 + 512 + i);
    expect(driver.tellHost(false, pfns).len).toBe(0);
    expect(host.inflated).toEqual([pfns]);
    expect(balloon.actualPages).toBe(256);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 4, 4)).toBe(256);
    expect(driver.towardsTarget()).toBe(0);

    balloon.setTarget(0);
    expect(takeInterrupt(mmio)).toBe(VIRTIO_MMIO_INT_CONFIG);
    expect(driver.towardsTarget()).toBe(-256);
    driver.tellHost(true, pfns);
    expect(host.deflated).toEqual([pfns]);
    expect(balloon.actualPages).toBe(0);
    expect(ram.outOfRange).toEqual([]);
  });

  it('skips PFNs outside RAM and ignores a partial trailing PFN', () => {
    const { mmio, ram, host, balloon } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram);
    const inside = PFN0 + RAM_SIZE / 4096 - 1;
    driver.tellHost(false, [PFN0 - 1, inside, PFN0 + RAM_SIZE / 4096, 0xffff_ffff], 2);
    expect(host.inflated).toEqual([[inside]]);
    expect(balloon.counters).toMatchObject({ pfnsOutsideRam: 3, truncatedPfnBuffers: 1 });
    // A buffer with nothing usable is still acknowledged, without a callback.
    driver.tellHost(false, [0], 0);
    expect(host.inflated).toHaveLength(1);
    expect(mmio.status & VIRTIO_STATUS.DEVICE_NEEDS_RESET).toBe(0);
    expect(ram.outOfRange).toEqual([]);
  });

  it('round-trips statistics: primed at init, polled by requestStats', () => {
    const { mmio, ram, host, balloon, tick } = setup();
    const first: [number, bigint][] = [
      [SWAP_IN, 0n],
      [MAJFLT, 12n],
      [MEMFREE, 3_000_000n],
      [MEMTOT, 4_194_304n],
      [AVAIL, 3_500_000n],
      [CACHES, 100_000n],
    ];
    const driver = new LinuxBalloonDriver(mmio, ram, LINUX_6_1, first);
    expect(host.stats).toEqual([
      { values: new Map(first.map(([t, v]) => [t, Number(v)])), at: 1000 },
    ]);
    expect(balloon.canRequestStats).toBe(true);
    expect(driver.serviceStatsRequest([])).toBe(false); // the device holds the buffer

    tick(5000);
    expect(balloon.requestStats()).toBe(true);
    expect(balloon.requestStats()).toBe(false); // no buffer until the driver refills
    expect(takeInterrupt(mmio)).toBe(VIRTIO_MMIO_INT_VRING);
    expect(driver.serviceStatsRequest([[MEMFREE, 2_000_000n]])).toBe(true);
    expect(host.stats[1]).toEqual({ values: new Map([[MEMFREE, 2_000_000]]), at: 6000 });
    expect(balloon.canRequestStats).toBe(true);
  });

  it('ignores unknown stat tags and a truncated last entry', () => {
    const { mmio, ram, host, balloon } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram, LINUX_6_1, [[MEMTOT, 1n]]);
    balloon.requestStats();
    takeInterrupt(mmio);
    const bytes = encodeStats([
      [99, 5n],
      [MEMFREE, 2n ** 40n],
      [VIRTIO_BALLOON_S.DIRECT_RECLAIM, 7n],
      [AVAIL, 1n],
    ]).subarray(0, 37);
    driver.queueRawStats(bytes);
    expect(host.stats[1]?.values).toEqual(
      new Map([
        [MEMFREE, 2 ** 40],
        [VIRTIO_BALLOON_S.DIRECT_RECLAIM, 7],
      ]),
    );
  });

  it('gives back an older stats buffer when the driver queues a second one (as QEMU)', () => {
    const { mmio, ram, host, balloon } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram, LINUX_6_1, [[MEMTOT, 1n]]);
    driver.queueRawStats(encodeStats([[MEMTOT, 2n]]));
    expect(takeInterrupt(mmio)).toBe(VIRTIO_MMIO_INT_VRING);
    expect(driver.statsq?.getUsed()).toBeDefined();
    expect(balloon.counters.extraStatsBuffers).toBe(1);
    expect(host.stats.map((s) => s.values.get(MEMTOT))).toEqual([1, 2]);
    expect(balloon.requestStats()).toBe(true);
  });

  it('passes free page reports on as whole 4 KiB pages', () => {
    const { mmio, ram, host } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram);
    expect(driver.reportingIndex).toBe(3);
    const chunk = 16 * 1024;
    const start = ram.alloc(32 * chunk, 4096);
    const ranges = Array.from({ length: 32 }, (_, i) => ({ addr: start + i * chunk, len: chunk }));
    expect(driver.report(ranges)).toMatchObject({ len: 0 }); // 32 entries: one indirect table
    expect(host.reported).toEqual([ranges]);
    driver.report([{ addr: start + 100, len: 3 * 4096 }]);
    expect(host.reported[1]).toEqual([{ addr: start + 4096, len: 2 * 4096 }]);
  });

  it('lays out its configuration as §5.5.4; the driver writes only actual', () => {
    const { mmio, balloon } = setup();
    balloon.setTarget(0x0102_0304);
    mmio.write(VIRTIO_MMIO.CONFIG, 0, 4); // num_pages is the device's
    mmio.write(VIRTIO_MMIO.CONFIG + 4, 0xaabb_ccdd, 4);
    mmio.write(VIRTIO_MMIO.CONFIG + 4, 0x11, 1); // byte-wise, as legacy drivers did
    expect(mmio.read(VIRTIO_MMIO.CONFIG, 4)).toBe(0x0102_0304);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 1, 1)).toBe(0x03);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 2, 2)).toBe(0x0102);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 4, 4)).toBe(0xaabb_cc11);
    expect(balloon.actualPages).toBe(0xaabb_cc11);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 8, 4)).toBe(0);
    expect(mmio.read(VIRTIO_MMIO.CONFIG + 12, 4)).toBe(0);
    expect(balloon.targetPages).toBe(0x0102_0304);
    expect(() => balloon.setTarget(-1)).toThrow(RangeError);
  });

  it('forgets actual and the held stats buffer on device reset, keeps the target', () => {
    const { mmio, ram, balloon } = setup();
    const driver = new LinuxBalloonDriver(mmio, ram, LINUX_6_1, [[MEMTOT, 1n]]);
    balloon.setTarget(16);
    driver.tellHost(false, [PFN0 + 600]);
    mmio.write(VIRTIO_MMIO.STATUS, 0, 4);
    expect(balloon.actualPages).toBe(0);
    expect(balloon.targetPages).toBe(16);
    expect(balloon.canRequestStats).toBe(false);
    expect(balloon.requestStats()).toBe(false);
  });
});
