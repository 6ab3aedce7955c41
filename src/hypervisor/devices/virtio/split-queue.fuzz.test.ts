/**
 * Deterministic fuzzing of the split ring and the virtio-mmio transport with
 * a seeded PRNG (mulberry32). Four kinds of round:
 * - well-formed: random chains (direct, indirect, direct-then-indirect,
 *   zero-length buffers, garbage in unused fields) at random 16-bit start
 *   indices ⇒ exactly the chains the driver wrote, used ring and
 *   notification decisions as the spec says;
 * - corrupted: a well-formed ring with one malformation ⇒ the chains before
 *   it are served, then DEVICE_NEEDS_RESET with a config interrupt;
 * - garbage: random bytes in ring and memory;
 * - register garbage: random MMIO accesses, then garbage rings.
 * In every round nothing throws (an exception fails the test: the calls are
 * not wrapped), no access outside guest RAM is even attempted, the guard bands around RAM are untouched, and a fault always
 * means DEVICE_NEEDS_RESET.
 */
import { describe, expect, it } from 'vitest';
import type { GuestDma } from './dma';
import { FakeGuestRam } from './guest-ram.test-helper';
import {
  MAX_CHAIN_BYTES,
  SplitQueue,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  type DescBuffer,
  type DescChain,
  type VirtqFaultKind,
} from './split-queue';
import {
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  VIRTIO_STATUS,
  featureBit,
  type VirtioDevice,
  type VirtioTransport,
} from './virtio-device';
import { VIRTIO_MMIO, VIRTIO_MMIO_INT_CONFIG, VirtioMmio } from './virtio-mmio';
import { IrqSpy, writeDriverFeatures } from './virtq-driver.test-helper';

const SEED = 0x5eed_2024;
const BASE = 0x8000_0000;
const RAM_SIZE = 0x8000; // 32 KiB
const TABLES = BASE + 0x3000; // indirect tables live in [TABLES, TABLES + 0x5000)
const TWO_32 = 0x1_0000_0000;

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

function shuffled(rng: Rng, n: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = int(rng, i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

interface Ring {
  size: number;
  desc: number;
  avail: number;
  used: number;
  indirect: boolean;
  eventIdx: boolean;
}

function randomRing(rng: Rng): Ring {
  const size = 1 << int(rng, 7); // 1..64
  return {
    size,
    desc: BASE + 16 * int(rng, 64),
    avail: BASE + 0x1000 + 2 * int(rng, 64),
    used: BASE + 0x2000 + 4 * int(rng, 64),
    indirect: rng() < 0.5,
    eventIdx: rng() < 0.5,
  };
}

/** Guest RAM full of noise (xorshift32 seeded from `rng`: cheaper than 8 Ki rng calls). */
function randomRam(rng: Rng): FakeGuestRam {
  const ram = new FakeGuestRam(BASE, RAM_SIZE);
  const words = new Uint32Array(ram.backing.buffer, 4096, RAM_SIZE / 4);
  let x = (rng() * TWO_32) | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return ram;
}

function writeDesc(
  ram: FakeGuestRam,
  gpa: number,
  addr: number,
  len: number,
  flags: number,
  next: number,
) {
  ram.w32(gpa, addr % TWO_32);
  ram.w32(gpa + 4, Math.floor(addr / TWO_32));
  ram.w32(gpa + 8, len);
  ram.w16(gpa + 12, flags);
  ram.w16(gpa + 14, next);
}

function randomBuffer(rng: Rng): DescBuffer {
  if (rng() < 0.08) return { addr: int(rng, 2 ** 40), len: 0 }; // never looked at
  const len = 1 + int(rng, 512);
  return { addr: BASE + int(rng, RAM_SIZE - len + 1), len };
}

/** Writes chains into the ring the way a correct driver may; tracks free descriptors and table space. */
class RingWriter {
  readonly #free: number[];
  #table = TABLES;

  constructor(
    readonly ram: FakeGuestRam,
    readonly ring: Ring,
    readonly rng: Rng,
  ) {
    this.#free = shuffled(rng, ring.size);
  }

  /**
   * A random well-formed chain, or undefined if the ring has no room. With
   * `direct`, no indirect table; with `readableOnly`, no writable element.
   */
  chain(opts: { direct?: boolean; readableOnly?: boolean; minDescs?: number } = {}) {
    const { rng, ring } = this;
    const nRead = int(rng, 4);
    const nWrite = opts.readableOnly ? 0 : int(rng, 4);
    const readable = Array.from({ length: Math.max(nRead, nWrite ? 0 : 1) }, () =>
      randomBuffer(rng),
    );
    const writable = Array.from({ length: nWrite }, () => randomBuffer(rng));
    while (readable.length + writable.length < (opts.minDescs ?? 1))
      readable.push(randomBuffer(rng));
    const elems = [
      ...readable.map((b) => ({ ...b, flags: 0 })),
      ...writable.map((b) => ({ ...b, flags: VIRTQ_DESC_F_WRITE })),
    ];
    const indirect = ring.indirect && !opts.direct && rng() < 0.4;
    const prefix = indirect ? int(rng, elems.length) : elems.length;
    const nDirect = prefix + (indirect ? 1 : 0);
    if (nDirect > this.#free.length) return undefined;
    const ids = this.#free.splice(0, nDirect);
    for (let j = 0; j < prefix; j++) {
      const e = elems[j]!;
      const more = j + 1 < nDirect;
      writeDesc(
        this.ram,
        this.descAddr(ids[j]!),
        e.addr,
        e.len,
        e.flags | (more ? VIRTQ_DESC_F_NEXT : 0),
        more ? ids[j + 1]! : int(rng, 65536),
      );
    }
    if (indirect) {
      const inTable = elems.slice(prefix);
      const table = this.tableSpace(16 * inTable.length);
      // The walk starts at entry 0 (§2.7.5.3); the rest may sit anywhere.
      const perm = [0, ...shuffled(rng, inTable.length - 1).map((i) => i + 1)];
      inTable.forEach((e, j) => {
        const more = j + 1 < inTable.length;
        writeDesc(
          this.ram,
          table + 16 * perm[j]!,
          e.addr,
          e.len,
          e.flags | (more ? VIRTQ_DESC_F_NEXT : 0),
          more ? perm[j + 1]! : int(rng, 65536),
        );
      });
      // §2.7.5.3.2: the WRITE flag of the pointer descriptor is ignored.
      const flags = VIRTQ_DESC_F_INDIRECT | (rng() < 0.5 ? VIRTQ_DESC_F_WRITE : 0);
      writeDesc(
        this.ram,
        this.descAddr(ids[prefix]!),
        table,
        16 * inTable.length,
        flags,
        int(rng, 65536),
      );
    }
    return { head: ids[0]!, ids, readable, writable };
  }

  descAddr(i: number): number {
    return this.ring.desc + 16 * i;
  }

  tableSpace(len: number): number {
    const at = this.#table;
    this.#table += Math.ceil(len / 16) * 16;
    if (this.#table > BASE + RAM_SIZE) throw new Error('RingWriter: out of table space');
    return at;
  }

  /** Puts `heads` in the available ring from index `start` and publishes start + heads.length. */
  publish(start: number, heads: number[]): void {
    const { ram, ring } = this;
    heads.forEach((h, j) => ram.w16(ring.avail + 4 + 2 * ((start + j) & (ring.size - 1)), h));
    ram.w16(ring.avail + 2, (start + heads.length) & 0xffff);
  }
}

/** A device that drains queue 0 on every notification, writing into writable buffers when `scribble`. */
class DrainDevice implements VirtioDevice {
  saveState(): null {
    return null;
  }
  loadState(): void {}
  readonly deviceId = 1;
  readonly features = 0n;
  readonly queueCount = 1;
  transport!: VirtioTransport;
  served: DescChain[] = [];

  constructor(
    readonly dma: GuestDma,
    readonly scribble: boolean,
  ) {}

  queueMaxSize(index: number): number {
    return index === 0 ? 64 : 0;
  }
  readConfig(): number {
    return 0;
  }
  writeConfig(): void {}
  attach(t: VirtioTransport): void {
    this.transport = t;
  }
  reset(): void {}

  notify(index: number): void {
    const q = this.transport.queue(index);
    if (!q) return;
    for (let c = q.pop(); c; c = q.pop()) {
      this.served.push(c);
      let written = 0;
      if (this.scribble) {
        for (const b of c.readable) this.dma.readBytes(b.addr, b.len);
        for (const b of c.writable) {
          this.dma.writeBytes(b.addr, new Uint8Array(b.len).fill(0x5a));
          written += b.len;
        }
      }
      q.push(c.head, written);
    }
    this.transport.signalUsed(index);
  }
}

function transportFor(ram: FakeGuestRam, ring: Ring, scribble = false) {
  const device = new DrainDevice(ram, scribble);
  const mmio = new VirtioMmio({ device, dma: ram, irq: new IrqSpy() });
  const w = (reg: number, v: number) => mmio.write(reg, v, 4);
  const { ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK } = VIRTIO_STATUS;
  w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER);
  writeDriverFeatures(
    mmio,
    featureBit(VIRTIO_F_VERSION_1) |
      (ring.indirect ? featureBit(VIRTIO_F_INDIRECT_DESC) : 0n) |
      (ring.eventIdx ? featureBit(VIRTIO_F_EVENT_IDX) : 0n),
  );
  w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
  w(VIRTIO_MMIO.QUEUE_SEL, 0);
  w(VIRTIO_MMIO.QUEUE_SIZE, ring.size);
  w(VIRTIO_MMIO.QUEUE_DESC_LOW, ring.desc);
  w(VIRTIO_MMIO.QUEUE_DRIVER_LOW, ring.avail);
  w(VIRTIO_MMIO.QUEUE_DEVICE_LOW, ring.used);
  w(VIRTIO_MMIO.QUEUE_READY, 1);
  w(VIRTIO_MMIO.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
  return { mmio, device, notify: () => w(VIRTIO_MMIO.QUEUE_NOTIFY, 0) };
}

const needsReset = (mmio: VirtioMmio) =>
  (mmio.read(VIRTIO_MMIO.STATUS, 4) & VIRTIO_STATUS.DEVICE_NEEDS_RESET) !== 0;

/** Invariants of every round. */
function expectSafe(ram: FakeGuestRam, chains: DescChain[]) {
  expect(ram.outOfRange).toEqual([]);
  expect(ram.guardsIntact()).toBe(true);
  const bad = chains.filter((c) => {
    let total = 0;
    for (const b of [...c.readable, ...c.writable]) {
      if (b.len > 0 && !ram.inRam(b.addr, b.len)) return true;
      total += b.len;
    }
    return total > MAX_CHAIN_BYTES;
  });
  expect(bad).toEqual([]);
}

function wellFormedRound(rng: Rng) {
  const ram = randomRam(rng);
  const ring = randomRing(rng);
  const writer = new RingWriter(ram, ring, rng);
  const availStart = int(rng, 65536);
  const usedStart = int(rng, 65536);
  const expected = [];
  const wanted = 1 + int(rng, ring.size);
  for (let i = 0; i < wanted; i++) {
    const c = writer.chain();
    if (!c) break;
    expected.push(c);
  }
  writer.publish(
    availStart,
    expected.map((c) => c.head),
  );
  const queue = new SplitQueue(
    ram,
    {
      size: ring.size,
      descAddr: ring.desc,
      driverAddr: ring.avail,
      deviceAddr: ring.used,
      indirectDesc: ring.indirect,
      eventIdx: ring.eventIdx,
    },
    undefined,
    { lastAvailIdx: availStart, usedIdx: usedStart, signalledUsedIdx: usedStart },
  );
  const popped: DescChain[] = [];
  for (let c = queue.pop(); c; c = queue.pop()) popped.push(c);
  expect(queue.fault).toBeUndefined();
  expect(popped).toEqual(
    expected.map(({ head, readable, writable }) => ({ head, readable, writable })),
  );
  const k = expected.length;
  if (ring.eventIdx) expect(ram.r16(ring.used + 4 + 8 * ring.size)).toBe((availStart + k) & 0xffff);
  if (k === 0) {
    expect(queue.needsInterrupt()).toBe(false); // nothing used
    return;
  }

  const lens = popped.map(() => int(rng, TWO_32));
  popped.forEach((c, j) => queue.push(c.head, lens[j]!));
  const newIdx = (usedStart + k) & 0xffff;
  expect(ram.r16(ring.used + 2)).toBe(newIdx);
  const usedRing = popped.map((_, j) => {
    const elem = ring.used + 4 + 8 * ((usedStart + j) & (ring.size - 1));
    return [ram.r32(elem), ram.r32(elem + 4)];
  });
  expect(usedRing).toEqual(popped.map((c, j) => [c.head, lens[j]]));
  const flags = ram.r16(ring.avail);
  const usedEvent = ram.r16(ring.avail + 4 + 2 * ring.size);
  const want = ring.eventIdx
    ? ((newIdx - usedEvent - 1) & 0xffff) < ((newIdx - usedStart) & 0xffff)
    : (flags & 1) === 0;
  expect(queue.needsInterrupt()).toBe(want);
  expectSafe(ram, popped);
}

type Corruption =
  | 'avail-idx-jump'
  | 'bad-head'
  | 'bad-next'
  | 'chain-loop'
  | 'indirect-not-negotiated'
  | 'indirect-with-next'
  | 'nested-indirect'
  | 'bad-indirect-table'
  | 'desc-out-of-ram'
  | 'readable-after-writable';

function corruptedRound(rng: Rng) {
  const ram = randomRam(rng);
  const ring = randomRing(rng);
  if (ring.size < 2) ring.size = 2;
  const kinds: Corruption[] = [
    'avail-idx-jump',
    'bad-head',
    'bad-next',
    'chain-loop',
    'desc-out-of-ram',
    'readable-after-writable',
    ...(ring.indirect
      ? (['indirect-with-next', 'nested-indirect', 'bad-indirect-table'] as const)
      : (['indirect-not-negotiated'] as const)),
  ];
  const kind = pick(rng, kinds);
  const writer = new RingWriter(ram, ring, rng);
  const good = [];
  const before = int(rng, ring.size - 1); // well-formed chains ahead of the bad one
  for (let i = 0; i < before; i++) {
    const c = writer.chain();
    if (!c) break;
    good.push(c);
  }
  const bad = writer.chain({
    direct: true,
    readableOnly: kind === 'chain-loop',
    minDescs: kind === 'readable-after-writable' ? 2 : 1,
  });
  const heads = good.map((c) => c.head);
  if (bad) {
    const first = writer.descAddr(bad.head);
    const last = writer.descAddr(bad.ids[bad.ids.length - 1]!);
    const lastFlags = ram.r16(last + 12);
    const table = writer.tableSpace(32);
    switch (kind) {
      case 'bad-head':
        heads.push(ring.size + int(rng, 65536 - ring.size));
        break;
      case 'bad-next':
        ram.w16(last + 12, lastFlags | VIRTQ_DESC_F_NEXT);
        ram.w16(last + 14, ring.size + int(rng, 65536 - ring.size));
        break;
      case 'chain-loop':
        ram.w16(last + 12, lastFlags | VIRTQ_DESC_F_NEXT);
        ram.w16(last + 14, bad.ids[int(rng, bad.ids.length)]!);
        break;
      case 'indirect-not-negotiated':
        ram.w16(last + 12, lastFlags | VIRTQ_DESC_F_INDIRECT);
        break;
      case 'indirect-with-next':
        writeDesc(ram, table, BASE, 8, 0, 0);
        writeDesc(
          ram,
          last,
          table,
          16,
          VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT,
          int(rng, ring.size),
        );
        break;
      case 'nested-indirect':
        writeDesc(ram, table, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
        writeDesc(ram, last, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
        break;
      case 'bad-indirect-table':
        writeDesc(ram, last, table, pick(rng, [0, 8, 24, 16 * 1025]), VIRTQ_DESC_F_INDIRECT, 0);
        break;
      case 'desc-out-of-ram': {
        const len = 1 + int(rng, 4096);
        const addr = pick(rng, [
          BASE - len - int(rng, BASE - len),
          BASE + RAM_SIZE - int(rng, len),
          BASE + RAM_SIZE + int(rng, 2 ** 31),
          TWO_32 * (1 + int(rng, 2 ** 20)) + BASE,
        ]);
        ram.w32(first, addr % TWO_32);
        ram.w32(first + 4, Math.floor(addr / TWO_32));
        ram.w32(first + 8, len);
        break;
      }
      case 'readable-after-writable':
        ram.w16(first + 12, ram.r16(first + 12) | VIRTQ_DESC_F_WRITE);
        ram.w16(last + 12, lastFlags & ~VIRTQ_DESC_F_WRITE);
        break;
      case 'avail-idx-jump':
        break;
    }
    if (kind !== 'bad-head') heads.push(bad.head);
  }
  writer.publish(0, heads);
  if (kind === 'avail-idx-jump')
    ram.w16(ring.avail + 2, ring.size + 1 + int(rng, 65535 - ring.size));
  const { mmio, device, notify } = transportFor(ram, ring);
  notify();
  if (!bad && kind !== 'avail-idx-jump') return undefined; // ring full: nothing corrupted
  const served = kind === 'avail-idx-jump' ? [] : good;
  expect(device.served).toEqual(
    served.map(({ head, readable, writable }) => ({ head, readable, writable })),
  );
  expect(mmio.lastFault?.kind).toBe(kind satisfies VirtqFaultKind);
  expect(needsReset(mmio)).toBe(true);
  expect(mmio.read(VIRTIO_MMIO.INTERRUPT_STATUS, 4) & VIRTIO_MMIO_INT_CONFIG).toBe(
    VIRTIO_MMIO_INT_CONFIG,
  );
  expectSafe(ram, device.served);
  return kind;
}

/** A plausible-looking but random descriptor: mostly in RAM, random flags and links. */
function randomDesc(rng: Rng, ram: FakeGuestRam, gpa: number, entries: number, nested = false) {
  const flags = rng() < 0.9 ? int(rng, 8) : int(rng, 65536);
  if (flags & VIRTQ_DESC_F_INDIRECT && !nested && rng() < 0.8) {
    const table = TABLES + 16 * int(rng, 0x4f0);
    const n = int(rng, 6);
    for (let i = 0; i < n; i++) randomDesc(rng, ram, table + 16 * i, n, true);
    const len = rng() < 0.9 ? 16 * n : int(rng, 100);
    writeDesc(ram, gpa, table, len, flags, int(rng, entries + 2));
    return;
  }
  const len = rng() < 0.9 ? int(rng, 1024) : (rng() * TWO_32) >>> 0;
  const addr = rng() < 0.9 ? BASE - 64 + int(rng, RAM_SIZE + 128) : int(rng, 2 ** 48);
  writeDesc(ram, gpa, addr, len, flags, int(rng, entries + 2));
}

function garbageRound(rng: Rng, registers: boolean) {
  const ram = randomRam(rng);
  const ring = randomRing(rng);
  const { mmio, device, notify } = transportFor(ram, ring, true);
  if (registers) {
    for (let i = 0; i < 40; i++) {
      const offset = rng() < 0.8 ? 4 * int(rng, 0x40) : int(rng, 0x200);
      const size = pick(rng, [1, 2, 4, 4, 4] as const);
      const value = rng() < 0.5 ? int(rng, 4) : (rng() * TWO_32) >>> 0;
      mmio.write(offset, value, size);
      mmio.read(int(rng, 0x200), size);
    }
  }
  for (let round = 0; round < 3; round++) {
    // Rewrite the ring as a hostile guest would, while the device holds its indices.
    for (let i = 0; i < ring.size; i++) {
      if (rng() < 0.7) randomDesc(rng, ram, ring.desc + 16 * i, ring.size);
      ram.w16(ring.avail + 4 + 2 * i, rng() < 0.9 ? int(rng, ring.size) : int(rng, 65536));
    }
    const last = mmio.queue(0)?.indices.lastAvailIdx ?? 0;
    const idx = rng() < 0.9 ? last + int(rng, ring.size + 2) : int(rng, 65536);
    ram.w16(ring.avail + 2, idx & 0xffff);
    notify();
  }
  if (mmio.faultCount > 0) expect(needsReset(mmio)).toBe(true);
  expectSafe(ram, device.served);
  return { faults: mmio.faultCount, served: device.served.length };
}

describe('split ring fuzz (seeded)', () => {
  const rng = mulberry32(SEED);

  it('serves well-formed random rings exactly', () => {
    for (let i = 0; i < 1500; i++) wellFormedRound(rng);
  });

  it('turns each kind of malformed ring into DEVICE_NEEDS_RESET after the good chains', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const kind = corruptedRound(rng);
      if (kind) seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    expect(seen.size).toBe(10);
    expect(Math.min(...seen.values())).toBeGreaterThan(20);
  });

  it('survives garbage rings without touching memory outside RAM', () => {
    let faults = 0;
    let served = 0;
    for (let i = 0; i < 800; i++) {
      const r = garbageRound(rng, false);
      faults += r.faults;
      served += r.served;
    }
    // The rounds do reach both outcomes.
    expect(faults).toBeGreaterThan(100);
    expect(served).toBeGreaterThan(50);
  });

  it('survives garbage register accesses followed by garbage rings', () => {
    for (let i = 0; i < 400; i++) garbageRound(rng, true);
  });
});
