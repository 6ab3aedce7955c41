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
 */
import type { MmioDevice } from './mmio-device';
import { MIP, type Clock, type InterruptSink } from './interrupts';

const MSIP_BASE = 0x0000;
const MTIMECMP_BASE = 0x4000;
const MTIME_LO = 0xbff8;
const MTIME_HI = 0xbffc;
/** Harts addressable within the CLINT map (msip words before 0x4000). */
const MAX_HARTS = 4095;

/** mtimecmp as seen by `mtimecmp()`: values at or above 2^53 read as 2^53 (never reached). */
export const MTIMECMP_NEVER = 2 ** 53;

export interface ClintOptions {
  harts: number;
  sink: InterruptSink;
  clock: Clock;
  name?: string;
}

export class Clint implements MmioDevice {
  readonly name: string;
  readonly harts: number;
  ignoredAccesses = 0;

  readonly #sink: InterruptSink;
  readonly #clock: Clock;
  readonly #msip: Uint8Array;
  readonly #cmpLo: Uint32Array;
  readonly #cmpHi: Uint32Array;
  readonly #mtip: Uint8Array;

  constructor(options: ClintOptions) {
    const { harts } = options;
    if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
      throw new RangeError(`bad CLINT harts ${harts}`);
    }
    this.name = options.name ?? 'clint';
    this.harts = harts;
    this.#sink = options.sink;
    this.#clock = options.clock;
    this.#msip = new Uint8Array(harts);
    // Reset value all-ones: no timer interrupt until the guest programs one.
    this.#cmpLo = new Uint32Array(harts).fill(0xffff_ffff);
    this.#cmpHi = new Uint32Array(harts).fill(0xffff_ffff);
    this.#mtip = new Uint8Array(harts);
  }

  /** Current mtime in ticks (the board clock). */
  mtime(): number {
    return this.#clock.now();
  }

  /** Hart's mtimecmp as a number, capped at MTIMECMP_NEVER. */
  mtimecmp(hart: number): number {
    const v = this.#cmpHi[hart] * 2 ** 32 + this.#cmpLo[hart];
    return Math.min(v, MTIMECMP_NEVER);
  }

  /** Sets or clears the hart's MTIP from mtime >= mtimecmp; tells the sink only on change. */
  updateTimer(hart: number): void {
    const level = this.#clock.now() >= this.mtimecmp(hart) ? 1 : 0;
    if (level === this.#mtip[hart]) return;
    this.#mtip[hart] = level;
    this.#sink.setPending(hart, MIP.MTIP, level === 1);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3) return this.#ignore();
    if (offset < MTIMECMP_BASE) {
      const hart = (offset - MSIP_BASE) >>> 2;
      return hart < this.harts ? this.#msip[hart] : 0;
    }
    if (offset === MTIME_LO) return this.#clock.now() % 2 ** 32;
    if (offset === MTIME_HI) return Math.floor(this.#clock.now() / 2 ** 32);
    if (offset < MTIME_LO) {
      const hart = (offset - MTIMECMP_BASE) >>> 3;
      if (hart >= this.harts) return 0;
      return offset & 4 ? this.#cmpHi[hart] : this.#cmpLo[hart];
    }
    return this.#ignore();
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (size !== 4 || offset & 3) {
      this.#ignore();
      return;
    }
    if (offset < MTIMECMP_BASE) {
      const hart = (offset - MSIP_BASE) >>> 2;
      if (hart >= this.harts) {
        this.#ignore();
        return;
      }
      // Only bit 0 is implemented (FU540 manual §9.2).
      const bit = value & 1;
      if (bit !== this.#msip[hart]) {
        this.#msip[hart] = bit;
        this.#sink.setPending(hart, MIP.MSIP, bit === 1);
      }
      return;
    }
    if (offset < MTIME_LO) {
      const hart = (offset - MTIMECMP_BASE) >>> 3;
      if (hart >= this.harts) {
        this.#ignore();
        return;
      }
      if (offset & 4) this.#cmpHi[hart] = value >>> 0;
      else this.#cmpLo[hart] = value >>> 0;
      this.updateTimer(hart);
      return;
    }
    // mtime writes are not supported (see above); anything else is unmapped.
    this.#ignore();
  }

  #ignore(): number {
    this.ignoredAccesses++;
    return 0;
  }
}
