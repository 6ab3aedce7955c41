/**
 * SiFive CLINT (core-local interruptor) as on QEMU's virt board
 * (hw/intc/riscv_aclint.c in CLINT mode; SiFive FU540-C000 manual §9):
 * per hart an msip word driving MSIP and a 64-bit mtimecmp driving MTIP,
 * and the shared 64-bit mtime (priv. spec §3.2.1).
 *
 * mtime is the board Clock: reads return `clock.now()`, writes are ignored
 * (counted), so the hart may compare `clock.now()` with `mtimecmp(hart)`
 * directly. MTIP is level: set while mtime >= mtimecmp. The CLINT has no
 * timer of its own; the hart's run loop calls `updateTimer(hart)` when its
 * clock passes `mtimecmp(hart)` (and before sleeping in WFI, to compute the
 * wake-up deadline). Writing mtimecmp updates MTIP at once.
 *
 * Only aligned 32-bit accesses are defined (RV32 reaches the 64-bit
 * registers as two halves); others read 0 and are ignored.
 *
 * Part of the in-kernel irqchip, like the PLIC: its state lives in a
 * SharedArrayBuffer so every pCPU worker running a vCPU of the VM (and the
 * VMM worker) sees one CLINT; `new Clint({ ...options, shared })` is another
 * view of it. Layout, Int32 words (`clintLayout`, H = harts):
 *
 *   word 0              LOCK     spinlock word (sync/spinlock.ts)
 *   word 1              IGNORED  ignoredAccesses, Atomics.add, no lock
 *   word 2              HARTS    geometry, written once under LOCK by the
 *                                first view (with the reset values below);
 *                                later views check it
 *   word 3              reserved (keeps mtimecmp 8-byte aligned)
 *   [msip,  +H]         msip of hart h (0/1), also the last MSIP reported
 *   [cmp,   +2H]        mtimecmp of hart h: low half at cmp + 2h, high at
 *                       cmp + 2h + 1 (the MMIO image; reset all-ones)
 *   [mtip,  +H]         last MTIP level reported to the sink for hart h
 *
 * All fields but IGNORED are read and written only under LOCK (plain
 * accesses; the lock's Atomics order them). A sink call is made, still under
 * LOCK, by the one thread whose read-modify-write flips msip or mtip, so
 * each edge is reported once and in order. The sink must therefore not take
 * a lock or re-enter the CLINT or PLIC. mtime is not shared state: each view
 * reads its own `clock`, which must be the VM's one timebase. The lock may
 * sleep in Atomics.wait: never use a view on a browser main thread.
 */
import type { MmioDevice } from './mmio-device';
import { MIP, type Clock, type InterruptSink } from './interrupts';
import { lock, unlock } from '../sync/spinlock';

const MSIP_BASE = 0x0000;
const MTIMECMP_BASE = 0x4000;
const MTIME_LO = 0xbff8;
const MTIME_HI = 0xbffc;
/** Harts addressable within the CLINT map (msip words before 0x4000). */
const MAX_HARTS = 4095;

/** mtimecmp as seen by `mtimecmp()`: values at or above 2^53 read as 2^53 (never reached). */
export const MTIMECMP_NEVER = 2 ** 53;

/** Header words of the shared state; see the layout above. */
export const CLINT_WORD = { LOCK: 0, IGNORED: 1, HARTS: 2 } as const;
const HEADER_WORDS = 4;

/** Int32 word offsets of each field of the shared state (layout above). */
export interface ClintLayout {
  msip: number;
  /** mtimecmp of hart h: low half at cmp + 2h, high half at cmp + 2h + 1. */
  cmp: number;
  mtip: number;
  /** Total Int32 words. */
  words: number;
}

export function clintLayout(harts: number): ClintLayout {
  const msip = HEADER_WORDS;
  const cmp = msip + harts;
  const mtip = cmp + 2 * harts;
  return { msip, cmp, mtip, words: mtip + harts };
}

export interface ClintOptions {
  harts: number;
  sink: InterruptSink;
  clock: Clock;
  name?: string;
  /**
   * The CLINT's state (at least `Clint.sharedBytes(harts)` bytes, zero-filled
   * or already used by a CLINT with as many harts). Absent: a new one is
   * allocated.
   */
  shared?: SharedArrayBuffer;
}

export class Clint implements MmioDevice {
  readonly name: string;
  readonly harts: number;
  /** The CLINT's state; pass it as `shared` to make another view. */
  readonly shared: SharedArrayBuffer;

  readonly #sink: InterruptSink;
  readonly #clock: Clock;
  /** The whole state; word 0 is the lock. */
  readonly #w: Int32Array;
  readonly #msip: Int32Array;
  readonly #cmp: Int32Array;
  readonly #mtip: Int32Array;

  /** Bytes of shared state for `harts` harts. */
  static sharedBytes(harts: number): number {
    if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
      throw new RangeError(`bad CLINT harts ${harts}`);
    }
    return clintLayout(harts).words * 4;
  }

  constructor(options: ClintOptions) {
    const { harts } = options;
    const bytes = Clint.sharedBytes(harts);
    const shared = options.shared ?? new SharedArrayBuffer(bytes);
    if (shared.byteLength < bytes) {
      throw new RangeError(`CLINT buffer of ${shared.byteLength} bytes, need ${bytes}`);
    }
    this.name = options.name ?? 'clint';
    this.harts = harts;
    this.shared = shared;
    this.#sink = options.sink;
    this.#clock = options.clock;
    const at = clintLayout(harts);
    this.#w = new Int32Array(shared, 0, at.words);
    this.#msip = this.#w.subarray(at.msip, at.msip + harts);
    this.#cmp = this.#w.subarray(at.cmp, at.cmp + 2 * harts);
    this.#mtip = this.#w.subarray(at.mtip, at.mtip + harts);

    lock(this.#w, CLINT_WORD.LOCK);
    try {
      const held = this.#w[CLINT_WORD.HARTS];
      if (held === 0) {
        this.#w[CLINT_WORD.HARTS] = harts;
        // Reset value all-ones: no timer interrupt until the guest programs one.
        this.#cmp.fill(-1);
      } else if (held !== harts) {
        throw new RangeError(`CLINT buffer holds ${held} harts, not ${harts}`);
      }
    } finally {
      unlock(this.#w, CLINT_WORD.LOCK);
    }
  }

  /** Accesses with a bad size or alignment, or to an absent or read-only register (all views). */
  get ignoredAccesses(): number {
    return Atomics.load(this.#w, CLINT_WORD.IGNORED);
  }

  /** Current mtime in ticks (the board clock). */
  mtime(): number {
    return this.#clock.now();
  }

  /** Hart's mtimecmp as a number, capped at MTIMECMP_NEVER. */
  mtimecmp(hart: number): number {
    lock(this.#w, CLINT_WORD.LOCK);
    try {
      return this.#mtimecmp(hart);
    } finally {
      unlock(this.#w, CLINT_WORD.LOCK);
    }
  }

  /** Sets or clears the hart's MTIP from mtime >= mtimecmp; tells the sink only on change. */
  updateTimer(hart: number): void {
    lock(this.#w, CLINT_WORD.LOCK);
    try {
      this.#updateTimer(hart);
    } finally {
      unlock(this.#w, CLINT_WORD.LOCK);
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3) return this.#ignore();
    if (offset === MTIME_LO) return this.#clock.now() % 2 ** 32;
    if (offset === MTIME_HI) return Math.floor(this.#clock.now() / 2 ** 32);
    if (offset >= MTIME_LO) return this.#ignore();
    const hart =
      offset < MTIMECMP_BASE ? (offset - MSIP_BASE) >>> 2 : (offset - MTIMECMP_BASE) >>> 3;
    if (hart >= this.harts) return 0;
    lock(this.#w, CLINT_WORD.LOCK);
    try {
      if (offset < MTIMECMP_BASE) return this.#msip[hart];
      return this.#cmp[2 * hart + ((offset >>> 2) & 1)] >>> 0;
    } finally {
      unlock(this.#w, CLINT_WORD.LOCK);
    }
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    // mtime writes are not supported (see above); anything past it is unmapped.
    if (size !== 4 || offset & 3 || offset >= MTIME_LO) {
      this.#ignore();
      return;
    }
    const hart =
      offset < MTIMECMP_BASE ? (offset - MSIP_BASE) >>> 2 : (offset - MTIMECMP_BASE) >>> 3;
    if (hart >= this.harts) {
      this.#ignore();
      return;
    }
    lock(this.#w, CLINT_WORD.LOCK);
    try {
      if (offset < MTIMECMP_BASE) {
        // Only bit 0 is implemented (FU540 manual §9.2).
        const bit = value & 1;
        if (bit !== this.#msip[hart]) {
          this.#msip[hart] = bit;
          this.#sink.setPending(hart, MIP.MSIP, bit === 1);
        }
      } else {
        this.#cmp[2 * hart + ((offset >>> 2) & 1)] = value;
        this.#updateTimer(hart);
      }
    } finally {
      unlock(this.#w, CLINT_WORD.LOCK);
    }
  }

  /** Holds the lock. */
  #mtimecmp(hart: number): number {
    const v = (this.#cmp[2 * hart + 1] >>> 0) * 2 ** 32 + (this.#cmp[2 * hart] >>> 0);
    return Math.min(v, MTIMECMP_NEVER);
  }

  /** Holds the lock. The thread that flips the mtip word reports the edge. */
  #updateTimer(hart: number): void {
    const level = this.#clock.now() >= this.#mtimecmp(hart) ? 1 : 0;
    if (level === this.#mtip[hart]) return;
    this.#mtip[hart] = level;
    this.#sink.setPending(hart, MIP.MTIP, level === 1);
  }

  #ignore(): number {
    Atomics.add(this.#w, CLINT_WORD.IGNORED, 1);
    return 0;
  }
}
