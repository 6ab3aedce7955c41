/**
 * virtio-balloon, the traditional memory balloon (VIRTIO 1.2 §5.5), device
 * side. The host sets a target (`num_pages`); the guest driver gives pages
 * (inflateq) or takes them back (deflateq) and reports `actual`; with
 * STATS_VQ the host polls memory statistics; with PAGE_REPORTING the guest
 * reports free page ranges the host may drop.
 *
 * Offered: STATS_VQ, PAGE_REPORTING (unless `pageReporting` is false), and DEFLATE_ON_OOM when constructed with
 * `deflateOnOom` (libvirt's `<memballoon autodeflate='on'>`). Not
 * MUST_TELL_HOST (a deflated page is backed again on touch, so the guest may
 * reuse it before the ack), not FREE_PAGE_HINT (a migration aid) and not
 * PAGE_POISON (we never promise page contents). Note Linux 6.1
 * virtballoon_validate: a guest running with init_on_free or page poisoning
 * drops PAGE_REPORTING when PAGE_POISON is not offered.
 *
 * Queue numbering follows Linux 6.1, not the fixed table of §5.5.2: its
 * init_vqs passes VIRTIO_BALLOON_VQ_MAX names with NULL for queues whose
 * feature is not negotiated, and virtio_mmio.c vm_find_vqs skips NULL names
 * without consuming an index (`queue_idx++` only for present queues). So the
 * queues are numbered densely: inflateq 0, deflateq 1, statsq 2 if STATS_VQ,
 * free_page_vq next if FREE_PAGE_HINT, reporting_vq next if PAGE_REPORTING —
 * with STATS_VQ and without FREE_PAGE_HINT, reporting_vq is queue 3, as in
 * QEMU (which creates ivq, dvq, svq, then reporting_vq). A driver that
 * follows §5.5.2 literally puts reporting_vq at 4; we serve that index too.
 *
 * All host work happens synchronously inside `notify`, before the buffers are
 * used and the interrupt raised. Garbage from the guest (odd buffer lengths,
 * PFNs outside RAM) is skipped and counted, never a failure of the device.
 */
import type { GuestDma } from './dma';
import type { Json } from '../../vm/machine-state';
import { DeviceStateError, StateReader } from '../device-state';
import type { DescBuffer, DescChain, SplitQueue } from './split-queue';
import { featureBit, type VirtioDevice, type VirtioTransport } from './virtio-device';

export const VIRTIO_ID_BALLOON = 5;

/** Feature bits (§5.5.3). */
export const VIRTIO_BALLOON_F = {
  MUST_TELL_HOST: 0,
  STATS_VQ: 1,
  DEFLATE_ON_OOM: 2,
  FREE_PAGE_HINT: 3,
  PAGE_POISON: 4,
  PAGE_REPORTING: 5,
} as const;

/** A balloon PFN is the address >> 12, whatever the guest page size (§5.5.6). */
export const VIRTIO_BALLOON_PFN_SHIFT = 12;
const BALLOON_PAGE = 1 << VIRTIO_BALLOON_PFN_SHIFT;

/** Statistics tags (§5.5.6.4); 10–15 were added by Linux 6.12. */
export const VIRTIO_BALLOON_S = {
  SWAP_IN: 0,
  SWAP_OUT: 1,
  MAJFLT: 2,
  MINFLT: 3,
  MEMFREE: 4,
  MEMTOT: 5,
  AVAIL: 6,
  CACHES: 7,
  HTLB_PGALLOC: 8,
  HTLB_PGFAIL: 9,
  OOM_KILL: 10,
  ALLOC_STALL: 11,
  ASYNC_SCAN: 12,
  DIRECT_SCAN: 13,
  ASYNC_RECLAIM: 14,
  DIRECT_RECLAIM: 15,
} as const;
const STATS_TAGS = 16;
/** struct virtio_balloon_stat { le16 tag; le64 val; } __packed */
const STAT_ENTRY = 10;

/** QEMU's queue size for every balloon queue. Linux needs >= 32 for reporting (PAGE_REPORTING_CAPACITY). */
export const BALLOON_QUEUE_SIZE = 128;
const MIN_QUEUE_SIZE = 32;
/** Bytes of one inflate/deflate request we read: 64 Ki PFNs. Linux sends at most 256 (1 KiB). */
const MAX_PFN_BUFFER = 256 * 1024;
/** Bytes of one stats buffer we read: far more than the 16 defined tags need. */
const MAX_STATS_BUFFER = 4096;

export type BalloonQueueRole = 'inflate' | 'deflate' | 'stats' | 'reporting';

/** The role of queue `index` for the negotiated `features` (Linux 6.1 numbering, see above). */
export function balloonQueueRole(index: number, features: bigint): BalloonQueueRole | undefined {
  const has = (bit: number) => (features & featureBit(bit)) !== 0n;
  const dense: (BalloonQueueRole | undefined)[] = ['inflate', 'deflate'];
  if (has(VIRTIO_BALLOON_F.STATS_VQ)) dense.push('stats');
  if (has(VIRTIO_BALLOON_F.FREE_PAGE_HINT)) dense.push(undefined); // never offered
  if (has(VIRTIO_BALLOON_F.PAGE_REPORTING)) dense.push('reporting');
  if (index < dense.length) return dense[index];
  return index === 4 && has(VIRTIO_BALLOON_F.PAGE_REPORTING) ? 'reporting' : undefined;
}

export interface BalloonHost {
  /** Guest gave these page frames (gpa >> 12, 4 KiB) to the host: unmap and free their host frames. Called once per inflate buffer. */
  inflate(pfns: Uint32Array): void;
  /** Guest takes these back (they are backed again on touch). */
  deflate(pfns: Uint32Array): void;
  /** Free page reporting: 4 KiB-aligned guest-physical ranges the guest reports free (it may reuse them after the ack). */
  report(ranges: { addr: number; len: number }[]): void;
  /** New stats from the guest (tag → value; tags as VIRTIO_BALLOON_S), and when they arrived (`now()`). */
  stats(values: Map<number, number>, receivedAtMs: number): void;
}

export interface VirtioBalloonOptions {
  host: BalloonHost;
  /** Guest RAM, used only to check PFNs (`inRam`) and read request buffers. */
  dma: GuestDma;
  /** Offer DEFLATE_ON_OOM (libvirt autodeflate). */
  deflateOnOom?: boolean;
  /** Offer PAGE_REPORTING (libvirt freePageReporting; default true here, off in libvirt). */
  pageReporting?: boolean;
  /** Size of every queue: a power of 2, at least 32. */
  queueSize?: number;
  /** Clock for `stats`' arrival time, in ms. */
  now?: () => number;
}

/** Guest input skipped without failing the device. */
export interface BalloonCounters {
  /** Inflate/deflate buffers whose length was not a multiple of 4 (tail ignored). */
  truncatedPfnBuffers: number;
  /** Inflate/deflate buffers longer than we read (rest ignored). */
  oversizedPfnBuffers: number;
  /** PFNs outside guest RAM, skipped. */
  pfnsOutsideRam: number;
  /** Stats buffers queued while we still held one (§5.5.6.3.1 allows one). */
  extraStatsBuffers: number;
}

export class VirtioBalloon implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BALLOON;
  readonly features: bigint;
  /** Indices 0–3 (Linux numbering) and 4 (reporting_vq by the fixed table). */
  readonly queueCount = 5;
  readonly counters: BalloonCounters = {
    truncatedPfnBuffers: 0,
    oversizedPfnBuffers: 0,
    pfnsOutsideRam: 0,
    extraStatsBuffers: 0,
  };

  readonly #host: BalloonHost;
  readonly #dma: GuestDma;
  readonly #queueSize: number;
  readonly #now: () => number;
  #transport: VirtioTransport | undefined;
  /** Config space (§5.5.4): num_pages is the host's, actual the driver's. */
  #numPages = 0;
  #actual = 0;
  /** The stats buffer the driver gave us, kept to request the next stats with. */
  #heldStats: { queue: SplitQueue; index: number; head: number } | undefined;

  constructor(options: VirtioBalloonOptions) {
    const size = options.queueSize ?? BALLOON_QUEUE_SIZE;
    if (!Number.isInteger(size) || size < MIN_QUEUE_SIZE || size > 32768 || size & (size - 1)) {
      throw new RangeError(`VirtioBalloon: queue size ${size} is not a power of 2 in [32, 32768]`);
    }
    this.#host = options.host;
    this.#dma = options.dma;
    this.#queueSize = size;
    this.#now = options.now ?? Date.now;
    this.features =
      featureBit(VIRTIO_BALLOON_F.STATS_VQ) |
      (options.pageReporting !== false ? featureBit(VIRTIO_BALLOON_F.PAGE_REPORTING) : 0n) |
      (options.deflateOnOom ? featureBit(VIRTIO_BALLOON_F.DEFLATE_ON_OOM) : 0n);
  }

  /** The target balloon size in 4 KiB pages (config num_pages). */
  get targetPages(): number {
    return this.#numPages;
  }

  /** The balloon size the driver last reported (config actual), in 4 KiB pages. */
  get actualPages(): number {
    return this.#actual;
  }

  /** True while the driver's stats buffer is held, i.e. `requestStats` can poll. */
  get canRequestStats(): boolean {
    return this.#heldStats !== undefined;
  }

  /** Sets num_pages and notifies the driver of the configuration change. */
  setTarget(pages: number): void {
    if (!Number.isInteger(pages) || pages < 0 || pages > 0xffff_ffff) {
      throw new RangeError(`VirtioBalloon.setTarget: ${pages} pages`);
    }
    this.#numPages = pages;
    this.#transport?.signalConfigChange();
  }

  /**
   * Asks the driver for fresh statistics by using the stats buffer we hold
   * (§5.5.6.3 step 1); they arrive through `host.stats` when the driver
   * queues the refilled buffer. False if no buffer is held (stats not
   * negotiated, driver not ready, or a request already outstanding).
   */
  requestStats(): boolean {
    const held = this.#heldStats;
    this.#heldStats = undefined;
    const queue = held && this.#transport?.queue(held.index);
    if (!held || !queue || queue !== held.queue) return false;
    queue.push(held.head, 0);
    this.#transport?.signalUsed(held.index);
    return true;
  }

  /** The role of queue `index` under the features the driver accepted. */
  queueRole(index: number): BalloonQueueRole | undefined {
    return balloonQueueRole(index, this.#transport?.features ?? 0n);
  }

  queueMaxSize(index: number): number {
    return this.queueRole(index) ? this.#queueSize : 0;
  }

  attach(transport: VirtioTransport): void {
    this.#transport = transport;
  }

  notify(index: number): void {
    const queue = this.#transport?.queue(index);
    if (!queue) return;
    switch (this.queueRole(index)) {
      case 'inflate':
        this.#servePfns(queue, index, (pfns) => this.#host.inflate(pfns));
        return;
      case 'deflate':
        this.#servePfns(queue, index, (pfns) => this.#host.deflate(pfns));
        return;
      case 'stats':
        this.#takeStats(queue, index);
        return;
      case 'reporting':
        this.#serveReports(queue, index);
        return;
      case undefined:
        return;
    }
  }

  reset(): void {
    this.#heldStats = undefined;
    this.#actual = 0;
  }

  /** Config space and the held stats buffer (QEMU's virtio-balloon vmstate: num_pages, actual, stats_vq_elem). */
  saveState(): Json {
    const held = this.#heldStats;
    return {
      numPages: this.#numPages,
      actual: this.#actual,
      heldStats: held ? { index: held.index, head: held.head } : null,
    };
  }

  loadState(state: Json): void {
    const r = new StateReader('virtio-balloon', state);
    const numPages = r.int('numPages', 0, 0xffff_ffff);
    const actual = r.int('actual', 0, 0xffff_ffff);
    const heldState = r.value('heldStats');
    let held: { queue: SplitQueue; index: number; head: number } | undefined;
    if (heldState !== null) {
      const h = new StateReader('virtio-balloon heldStats', heldState);
      const index = h.int('index', 0, this.queueCount - 1);
      const head = h.int('head', 0, 32767);
      const queue = this.#transport?.queue(index);
      if (!queue || this.queueRole(index) !== 'stats' || head >= queue.size)
        throw new DeviceStateError(
          `virtio-balloon: held stats buffer ${head} on queue ${index}, which is no ready stats queue`,
        );
      held = { queue, index, head };
    }
    this.#numPages = numPages;
    this.#actual = actual;
    this.#heldStats = held;
  }

  /** Config layout (§5.5.4): le32 num_pages @0, le32 actual @4; @8 and @12 belong to features we do not offer and read 0. */
  readConfig(offset: number, size: 1 | 2 | 4): number {
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + this.#configByte(offset + i);
    return value;
  }

  /** Only `actual` is driver-writable; any width, so byte-wise legacy writes work too. */
  writeConfig(offset: number, value: number, size: 1 | 2 | 4): void {
    for (let i = 0; i < size; i++) {
      const o = offset + i - 4;
      if (o < 0 || o > 3) continue;
      const byte = (value >>> (8 * i)) & 0xff;
      const shift = 8 * o;
      this.#actual = ((this.#actual & ~(0xff << shift)) | (byte << shift)) >>> 0;
    }
  }

  #configByte(offset: number): number {
    if (offset >= 0 && offset < 4) return (this.#numPages >>> (8 * offset)) & 0xff;
    if (offset >= 4 && offset < 8) return (this.#actual >>> (8 * (offset - 4))) & 0xff;
    return 0;
  }

  /** inflateq/deflateq (§5.5.6): each buffer is an array of le32 PFNs; the device acks by using it. */
  #servePfns(queue: SplitQueue, index: number, give: (pfns: Uint32Array) => void): void {
    let used = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      const pfns = this.#readPfns(chain);
      if (pfns.length > 0) give(pfns);
      queue.push(chain.head, 0);
      used = true;
    }
    if (used) this.#transport?.signalUsed(index);
  }

  #readPfns(chain: DescChain): Uint32Array {
    const total = chain.readable.reduce((sum, b) => sum + b.len, 0);
    if (total % 4 !== 0) this.counters.truncatedPfnBuffers++;
    if (total > MAX_PFN_BUFFER) this.counters.oversizedPfnBuffers++;
    const bytes = this.#gather(chain.readable, Math.min(total, MAX_PFN_BUFFER) & ~3);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pfns = new Uint32Array(bytes.length / 4);
    let n = 0;
    for (let off = 0; off < bytes.length; off += 4) {
      const pfn = view.getUint32(off, true);
      if (this.#dma.inRam(pfn * BALLOON_PAGE, BALLOON_PAGE)) pfns[n++] = pfn;
      else this.counters.pfnsOutsideRam++;
    }
    return pfns.subarray(0, n);
  }

  /**
   * statsq (§5.5.6.3): the driver primes it with one buffer (Linux 6.1 fills
   * it with real stats before the first kick) and refills it after each
   * request. We consume the stats and hold the buffer for the next request.
   */
  #takeStats(queue: SplitQueue, index: number): void {
    let used = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      const held = this.#heldStats;
      if (held) {
        // A second buffer breaks "at most one" (§5.5.6.3.1); like QEMU,
        // give the older one back.
        this.counters.extraStatsBuffers++;
        if (held.queue === queue) {
          queue.push(held.head, 0);
          used = true;
        }
      }
      this.#heldStats = { queue, index, head: chain.head };
      const values = this.#parseStats(chain);
      if (values.size > 0) this.#host.stats(values, this.#now());
    }
    if (used) this.#transport?.signalUsed(index);
  }

  /** Packed 10-byte {le16 tag; le64 val} entries; unknown tags and a truncated tail are ignored (§5.5.6.3.2). */
  #parseStats(chain: DescChain): Map<number, number> {
    const total = chain.readable.reduce((sum, b) => sum + b.len, 0);
    const bytes = this.#gather(chain.readable, Math.min(total, MAX_STATS_BUFFER));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = new Map<number, number>();
    for (let off = 0; off + STAT_ENTRY <= bytes.length; off += STAT_ENTRY) {
      const tag = view.getUint16(off, true);
      if (tag < STATS_TAGS) values.set(tag, Number(view.getBigUint64(off + 2, true)));
    }
    return values;
  }

  /**
   * reporting_vq: each buffer's device-writable elements are free guest
   * ranges (Linux adds them with virtqueue_add_inbuf; QEMU reads in_sg).
   * Only whole 4 KiB pages inside a range are reported.
   */
  #serveReports(queue: SplitQueue, index: number): void {
    let used = false;
    for (let chain = queue.pop(); chain; chain = queue.pop()) {
      const ranges: { addr: number; len: number }[] = [];
      for (const b of chain.writable) {
        const start = Math.ceil(b.addr / BALLOON_PAGE) * BALLOON_PAGE;
        const end = Math.floor((b.addr + b.len) / BALLOON_PAGE) * BALLOON_PAGE;
        if (b.len > 0 && end > start) ranges.push({ addr: start, len: end - start });
      }
      if (ranges.length > 0) this.#host.report(ranges);
      queue.push(chain.head, 0);
      used = true;
    }
    if (used) this.#transport?.signalUsed(index);
  }

  /** The first `limit` bytes of `buffers`, concatenated (buffers are in RAM: the queue checked). */
  #gather(buffers: DescBuffer[], limit: number): Uint8Array {
    const out = new Uint8Array(limit);
    let n = 0;
    for (const b of buffers) {
      if (n >= limit) break;
      const len = Math.min(b.len, limit - n);
      if (len === 0) continue; // a zero-length buffer's address was never checked
      const bytes = this.#dma.readBytes(b.addr, len);
      if (bytes) out.set(bytes, n);
      n += len;
    }
    return out;
  }
}
