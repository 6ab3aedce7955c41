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
 */
import type { IrqLine, MmioDevice } from './mmio-device';
import { MIP, type InterruptSink } from './interrupts';

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

export interface PlicOptions {
  harts: number;
  sink: InterruptSink;
  /** Highest source id (riscv,ndev); sources are 1..ndev. */
  ndev: number;
  name?: string;
}

export class Plic implements MmioDevice {
  readonly name: string;
  readonly ndev: number;
  readonly contexts: number;
  /** Accesses with a bad size or alignment, or to a read-only/absent register. */
  ignoredAccesses = 0;

  readonly #sink: InterruptSink;
  readonly #words: number;
  readonly #priority: Uint8Array;
  readonly #level: Uint8Array;
  readonly #claimed: Uint8Array;
  readonly #pending: Uint32Array;
  /** contexts × #words enable bits. */
  readonly #enable: Uint32Array;
  readonly #threshold: Uint8Array;
  readonly #output: Uint8Array;

  constructor(options: PlicOptions) {
    const { harts, ndev } = options;
    if (!Number.isInteger(ndev) || ndev < 1 || ndev >= MAX_SOURCES) {
      throw new RangeError(`bad PLIC ndev ${ndev}`);
    }
    if (!Number.isInteger(harts) || harts < 1) throw new RangeError(`bad PLIC harts ${harts}`);
    this.name = options.name ?? 'plic';
    this.ndev = ndev;
    this.contexts = harts * 2;
    this.#sink = options.sink;
    this.#words = (ndev >>> 5) + 1;
    this.#priority = new Uint8Array(ndev + 1);
    this.#level = new Uint8Array(ndev + 1);
    this.#claimed = new Uint8Array(ndev + 1);
    this.#pending = new Uint32Array(this.#words);
    this.#enable = new Uint32Array(this.contexts * this.#words);
    this.#threshold = new Uint8Array(this.contexts);
    this.#output = new Uint8Array(this.contexts);
  }

  /** The gateway input of `source` (1..ndev), for a device to drive. */
  irqLine(source: number): IrqLine {
    if (!Number.isInteger(source) || source < 1 || source > this.ndev) {
      throw new RangeError(`PLIC has no source ${source}`);
    }
    return { set: (level) => this.setLevel(source, level) };
  }

  setLevel(source: number, level: boolean): void {
    this.#level[source] = level ? 1 : 0;
    this.#setPending(source, level && this.#claimed[source] === 0);
    this.#update();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3) return this.#ignore(0);
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

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (this.#write(offset, value, size)) this.#update();
    else this.ignoredAccesses++;
  }

  /** Returns false when the write has no defined effect. */
  #write(offset: number, value: number, size: 1 | 2 | 4): boolean {
    if (size !== 4 || offset & 3) return false;
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

  #update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.#best(ctx) !== 0 ? 1 : 0;
      if (level === this.#output[ctx]) continue;
      this.#output[ctx] = level;
      this.#sink.setPending(ctx >>> 1, ctx & 1 ? MIP.SEIP : MIP.MEIP, level === 1);
    }
  }

  #ignore(result: number): number {
    this.ignoredAccesses++;
    return result;
  }
}
