/**
 * SiFive Platform-Level Interrupt Controller, per the RISC-V PLIC
 * Specification v1.0.0 (riscv-plic-spec) and QEMU's hw/intc/sifive_plic.c
 * as configured by the virt board: sources 1..ndev, 3 priority bits, and
 * two contexts per hart, M at 2h and S at 2h + 1 (`plicContext`).
 *
 * Sources are level-triggered (spec §"Interrupt Gateways"): a source is
 * pending while its line is high and it is not claimed; after completion a
 * still-high line pends again. Each context's output (the hart's MEIP or
 * SEIP) is high while some enabled pending source has priority above the
 * context's threshold; it is pushed to the sink only when it changes.
 *
 * Only aligned 32-bit accesses are defined (QEMU refuses the rest); others
 * read 0, are ignored and counted in `ignoredAccesses`.
 *
 * This is the in-kernel irqchip (KVM's role): every vCPU of the VM, on
 * whichever pCPU worker runs it, and the VMM worker raising device lines
 * (irqfd's role) operate on ONE state in a SharedArrayBuffer. A `Plic` is a
 * view of it; `new Plic({ ...options, shared })` on another thread is the
 * same controller. Layout, Int32 words (`plicLayout`, W = ndev/32 + 1
 * words of bits, C = 2 × harts contexts):
 *
 *   word 0               LOCK     spinlock word (sync/spinlock.ts)
 *   word 1               IGNORED  ignoredAccesses, Atomics.add, no lock
 *   word 2               HARTS    geometry, written once under LOCK by
 *   word 3               NDEV       the first view; later views check it
 *   [priority,  ndev+1]  priority of source s (0..7; source 0 stays 0)
 *   [level,     ndev+1]  gateway input of source s (0/1)
 *   [claimed,   ndev+1]  1 from claim until completion
 *   [pending,   W]       bit s&31 of word s>>5 (the MMIO image)
 *   [enable,    C×W]     enable bits of context c at enable + c×W
 *   [threshold, C]       threshold of context c (0..7)
 *   [output,    C]       last level reported to the sink for context c
 *
 * Every field but IGNORED is read and written only while holding LOCK, with
 * plain (non-atomic) accesses: the lock's Atomics give the happens-before
 * edges. Any thread holding a view may call any method. Each operation
 * changes state, recomputes every context's output and, for each output
 * word that flips, calls `sink.setPending` once: still under LOCK, so edges
 * of one context reach the sink in the order the outputs changed and exactly
 * one thread reports each edge. The sink therefore runs inside the irqchip
 * critical section: it must not take a lock or re-enter the PLIC or CLINT
 * (setting a mip bit with Atomics.or/and and a notify is the contract,
 * interrupts.ts). Lock order (ARCHITECTURE.md): scheduler lock, then the
 * irqchip lock; the irqchip lock is innermost.
 *
 * The lock sleeps in Atomics.wait when contended, so no view may be used on
 * a browser main thread (Atomics.wait throws there).
 */
import type { IrqLine, MmioDevice } from './mmio-device';
import { MIP, type InterruptSink } from './interrupts';
import { lock, unlock } from '../sync/spinlock';

// Memory map, spec §"Memory Map".
const PRIORITY_BASE = 0x00_0000;
const PENDING_BASE = 0x00_1000;
const ENABLE_BASE = 0x00_2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x20_0000;
const CONTEXT_STRIDE = 0x1000;
const MAX_SOURCES = 1024;

/** QEMU virt: VIRT_IRQCHIP_NUM_PRIO_BITS = 3, so priorities and thresholds are 0..7. */
export const PLIC_PRIORITY_MASK = 0x7;

/** Header words of the shared state; see the layout above. */
export const PLIC_WORD = { LOCK: 0, IGNORED: 1, HARTS: 2, NDEV: 3 } as const;
const HEADER_WORDS = 4;

/** Int32 word offsets of each field of the shared state (layout above). */
export interface PlicLayout {
  /** W: words of one bit vector (pending, one context's enables). */
  bitWords: number;
  priority: number;
  level: number;
  claimed: number;
  pending: number;
  enable: number;
  threshold: number;
  output: number;
  /** Total Int32 words. */
  words: number;
}

export function plicLayout(harts: number, ndev: number): PlicLayout {
  const bitWords = (ndev >>> 5) + 1;
  const contexts = harts * 2;
  const priority = HEADER_WORDS;
  const level = priority + ndev + 1;
  const claimed = level + ndev + 1;
  const pending = claimed + ndev + 1;
  const enable = pending + bitWords;
  const threshold = enable + contexts * bitWords;
  const output = threshold + contexts;
  const words = output + contexts;
  return { bitWords, priority, level, claimed, pending, enable, threshold, output, words };
}

export interface PlicOptions {
  harts: number;
  sink: InterruptSink;
  /** Highest source id (riscv,ndev); sources are 1..ndev. */
  ndev: number;
  name?: string;
  /**
   * The controller's state (at least `Plic.sharedBytes(harts, ndev)` bytes,
   * zero-filled or already used by a PLIC of the same geometry). Absent: a
   * new controller is allocated.
   */
  shared?: SharedArrayBuffer;
}

export class Plic implements MmioDevice {
  readonly name: string;
  readonly ndev: number;
  readonly contexts: number;
  /** The controller's state; pass it as `shared` to make another view. */
  readonly shared: SharedArrayBuffer;

  readonly #sink: InterruptSink;
  readonly #words: number;
  /** The whole state; word 0 is the lock. */
  readonly #w: Int32Array;
  readonly #priority: Int32Array;
  readonly #level: Int32Array;
  readonly #claimed: Int32Array;
  readonly #pending: Int32Array;
  /** contexts × #words enable bits. */
  readonly #enable: Int32Array;
  readonly #threshold: Int32Array;
  readonly #output: Int32Array;

  /** Bytes of shared state for `harts` harts and sources 1..ndev. */
  static sharedBytes(harts: number, ndev: number): number {
    checkGeometry(harts, ndev);
    return plicLayout(harts, ndev).words * 4;
  }

  constructor(options: PlicOptions) {
    const { harts, ndev } = options;
    const bytes = Plic.sharedBytes(harts, ndev);
    const shared = options.shared ?? new SharedArrayBuffer(bytes);
    if (shared.byteLength < bytes) {
      throw new RangeError(`PLIC buffer of ${shared.byteLength} bytes, need ${bytes}`);
    }
    this.name = options.name ?? 'plic';
    this.ndev = ndev;
    this.contexts = harts * 2;
    this.shared = shared;
    this.#sink = options.sink;
    const at = plicLayout(harts, ndev);
    this.#words = at.bitWords;
    this.#w = new Int32Array(shared, 0, at.words);
    const field = (offset: number, length: number) => this.#w.subarray(offset, offset + length);
    this.#priority = field(at.priority, ndev + 1);
    this.#level = field(at.level, ndev + 1);
    this.#claimed = field(at.claimed, ndev + 1);
    this.#pending = field(at.pending, at.bitWords);
    this.#enable = field(at.enable, this.contexts * at.bitWords);
    this.#threshold = field(at.threshold, this.contexts);
    this.#output = field(at.output, this.contexts);

    lock(this.#w, PLIC_WORD.LOCK);
    try {
      const w = this.#w;
      if (w[PLIC_WORD.HARTS] === 0 && w[PLIC_WORD.NDEV] === 0) {
        w[PLIC_WORD.HARTS] = harts;
        w[PLIC_WORD.NDEV] = ndev;
      } else if (w[PLIC_WORD.HARTS] !== harts || w[PLIC_WORD.NDEV] !== ndev) {
        throw new RangeError(
          `PLIC buffer holds ${w[PLIC_WORD.HARTS]} harts and ndev ${w[PLIC_WORD.NDEV]}, not ${harts} and ${ndev}`,
        );
      }
    } finally {
      unlock(this.#w, PLIC_WORD.LOCK);
    }
  }

  /** Accesses with a bad size or alignment, or to a read-only/absent register (all views). */
  get ignoredAccesses(): number {
    return Atomics.load(this.#w, PLIC_WORD.IGNORED);
  }

  /** The gateway input of `source` (1..ndev), for a device to drive. */
  irqLine(source: number): IrqLine {
    this.#checkSource(source);
    return { set: (level) => this.setLevel(source, level) };
  }

  setLevel(source: number, level: boolean): void {
    this.#checkSource(source);
    lock(this.#w, PLIC_WORD.LOCK);
    try {
      this.#level[source] = level ? 1 : 0;
      this.#setPending(source, level && this.#claimed[source] === 0);
      this.#update();
    } finally {
      unlock(this.#w, PLIC_WORD.LOCK);
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3) return this.#ignore(0);
    lock(this.#w, PLIC_WORD.LOCK);
    try {
      return this.#read(offset);
    } finally {
      unlock(this.#w, PLIC_WORD.LOCK);
    }
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (size !== 4 || offset & 3) {
      this.#ignore(0);
      return;
    }
    lock(this.#w, PLIC_WORD.LOCK);
    try {
      if (this.#write(offset, value)) this.#update();
      else this.#ignore(0);
    } finally {
      unlock(this.#w, PLIC_WORD.LOCK);
    }
  }

  #checkSource(source: number): void {
    if (!Number.isInteger(source) || source < 1 || source > this.ndev) {
      throw new RangeError(`PLIC has no source ${source}`);
    }
  }

  /** Holds the lock. An aligned 32-bit read. */
  #read(offset: number): number {
    if (offset < PENDING_BASE) {
      const src = (offset - PRIORITY_BASE) >>> 2;
      return src <= this.ndev ? this.#priority[src] : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >>> 2;
      return w < this.#words ? this.#pending[w] >>> 0 : 0;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx >= this.contexts || w >= this.#words) return 0;
      return this.#enable[ctx * this.#words + w] >>> 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.contexts) return this.#ignore(0);
    switch ((offset - CONTEXT_BASE) % CONTEXT_STRIDE) {
      case 0:
        return this.#threshold[ctx];
      case 4:
        return this.#claim(ctx);
      default:
        return this.#ignore(0);
    }
  }

  /** Holds the lock. An aligned 32-bit write; false when it has no defined effect. */
  #write(offset: number, value: number): boolean {
    if (offset < PENDING_BASE) {
      const src = (offset - PRIORITY_BASE) >>> 2;
      if (src === 0 || src > this.ndev) return false;
      this.#priority[src] = value & PLIC_PRIORITY_MASK;
      return true;
    }
    if (offset < ENABLE_BASE) return false; // pending bits are read-only
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >>> 2;
      if (ctx >= this.contexts || w >= this.#words) return false;
      this.#enable[ctx * this.#words + w] = value & this.#validMask(w);
      return true;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (ctx >= this.contexts) return false;
    if (reg === 0) {
      this.#threshold[ctx] = value & PLIC_PRIORITY_MASK;
      return true;
    }
    return reg === 4 && this.#complete(ctx, value >>> 0);
  }

  /** Bits of enable/pending word `w` that name real sources (source 0 does not exist). */
  #validMask(w: number): number {
    const first = w * 32;
    let mask = 0;
    for (let b = 0; b < 32; b++) {
      const src = first + b;
      if (src >= 1 && src <= this.ndev) mask |= 1 << b;
    }
    return mask;
  }

  #setPending(source: number, on: boolean): void {
    const bit = 1 << (source & 31);
    if (on) this.#pending[source >>> 5] |= bit;
    else this.#pending[source >>> 5] &= ~bit;
  }

  /** The best claimable source for `ctx`: highest priority above threshold, lowest id on ties. */
  #best(ctx: number): number {
    let best = 0;
    let bestPriority = this.#threshold[ctx];
    const base = ctx * this.#words;
    for (let w = 0; w < this.#words; w++) {
      let bits = this.#pending[w] & this.#enable[base + w];
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const src = w * 32 + b;
        if (this.#priority[src] > bestPriority) {
          best = src;
          bestPriority = this.#priority[src];
        }
      }
    }
    return best;
  }

  /** Spec §"Interrupt Claim Process": claiming clears pending and blocks the gateway. */
  #claim(ctx: number): number {
    const src = this.#best(ctx);
    if (src !== 0) {
      this.#setPending(src, false);
      this.#claimed[src] = 1;
      this.#update();
    }
    return src;
  }

  /**
   * Spec §"Interrupt Completion": a completion for a source not enabled for
   * this context is ignored. A line still high pends again.
   */
  #complete(ctx: number, src: number): boolean {
    if (src === 0 || src > this.ndev) return false;
    const enabled = (this.#enable[ctx * this.#words + (src >>> 5)] >>> (src & 31)) & 1;
    if (!enabled || !this.#claimed[src]) return false;
    this.#claimed[src] = 0;
    if (this.#level[src]) this.#setPending(src, true);
    return true;
  }

  /**
   * Holds the lock. Recomputes every context's output; the thread that flips
   * an output word reports that edge, still under the lock (see top).
   */
  #update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.#best(ctx) !== 0 ? 1 : 0;
      if (level === this.#output[ctx]) continue;
      this.#output[ctx] = level;
      this.#sink.setPending(ctx >>> 1, ctx & 1 ? MIP.SEIP : MIP.MEIP, level === 1);
    }
  }

  #ignore(result: number): number {
    Atomics.add(this.#w, PLIC_WORD.IGNORED, 1);
    return result;
  }
}

function checkGeometry(harts: number, ndev: number): void {
  if (!Number.isInteger(ndev) || ndev < 1 || ndev >= MAX_SOURCES) {
    throw new RangeError(`bad PLIC ndev ${ndev}`);
  }
  if (!Number.isInteger(harts) || harts < 1) throw new RangeError(`bad PLIC harts ${harts}`);
}
