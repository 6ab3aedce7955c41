/**
 * Goldfish RTC (Android emulator goldfish virtual platform, GOLDFISH-VIRTUAL-
 * HARDWARE.TXT "goldfish_timer"; Linux drivers/rtc/rtc-goldfish.c; QEMU
 * hw/rtc/goldfish_rtc.c). Time is nanoseconds since the Unix epoch: the
 * host's `wallClockNs()` plus an offset the guest sets by writing the time.
 *
 * 64-bit values are split into 32-bit halves: reading TIME_LOW latches the
 * high half for the next TIME_HIGH read; writing TIME_LOW (after TIME_HIGH)
 * sets the time; writing ALARM_LOW (after ALARM_HIGH) arms the alarm. A due
 * alarm latches the interrupt, which reaches the line while IRQ_ENABLED is
 * set, until CLEAR_INTERRUPT. The device has no timer: the board calls
 * `poll()` at `nextAlarmNs()` (host wall-clock time) or periodically.
 *
 * Only aligned 32-bit accesses are defined; others read 0 and are ignored.
 */
import type { IrqLine, MmioDevice } from './mmio-device';
import type { Json } from '../vm/machine-state';
import { StateReader } from './device-state';

const TIME_LOW = 0x00;
const TIME_HIGH = 0x04;
const ALARM_LOW = 0x08;
const ALARM_HIGH = 0x0c;
const IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14;
const ALARM_STATUS = 0x18;
const CLEAR_INTERRUPT = 0x1c;

const LOW = 0xffff_ffffn;

export interface GoldfishRtcOptions {
  irq: IrqLine;
  /** Host wall clock, nanoseconds since the Unix epoch. */
  wallClockNs: () => bigint;
  name?: string;
}

export class GoldfishRtc implements MmioDevice {
  readonly name: string;
  ignoredAccesses = 0;

  readonly #irq: IrqLine;
  readonly #wallClockNs: () => bigint;
  /** Guest time minus host time. */
  #offsetNs = 0n;
  #timeHigh = 0;
  #alarmNs = 0n;
  #alarmRunning = false;
  #irqEnabled = false;
  #irqPending = false;
  #irqLevel = false;

  constructor(options: GoldfishRtcOptions) {
    this.name = options.name ?? 'rtc';
    this.#irq = options.irq;
    this.#wallClockNs = options.wallClockNs;
  }

  /** Guest-visible time in ns since the epoch. */
  nowNs(): bigint {
    return this.#wallClockNs() + this.#offsetNs;
  }

  /** Host wall-clock time at which the armed alarm fires, if one is armed. */
  nextAlarmNs(): bigint | undefined {
    return this.#alarmRunning ? this.#alarmNs - this.#offsetNs : undefined;
  }

  /** Fires the alarm if it is due at host time `hostNowNs`. */
  poll(hostNowNs: bigint = this.#wallClockNs()): void {
    if (!this.#alarmRunning || hostNowNs + this.#offsetNs < this.#alarmNs) return;
    this.#alarmRunning = false;
    this.#irqPending = true;
    this.#update();
  }

  /** Registers and the guest's offset from host wall time, for save/restore and migration. */
  saveState(): Json {
    return {
      offsetNs: String(this.#offsetNs),
      timeHigh: this.#timeHigh,
      alarmNs: String(this.#alarmNs),
      alarmRunning: this.#alarmRunning,
      irqEnabled: this.#irqEnabled,
      irqPending: this.#irqPending,
      irqLevel: this.#irqLevel,
    };
  }

  /** Loads what saveState returned (checked first: all or nothing); the RTC keeps following wall time. */
  loadState(state: Json): void {
    const r = new StateReader(this.name, state);
    const offsetNs = r.bigint('offsetNs');
    const timeHigh = r.int('timeHigh', 0, 0xffff_ffff);
    const alarmNs = r.bigint('alarmNs');
    const alarmRunning = r.bool('alarmRunning');
    const irqEnabled = r.bool('irqEnabled');
    const irqPending = r.bool('irqPending');
    const irqLevel = r.bool('irqLevel');
    this.#offsetNs = offsetNs;
    this.#timeHigh = timeHigh;
    this.#alarmNs = alarmNs;
    this.#alarmRunning = alarmRunning;
    this.#irqEnabled = irqEnabled;
    this.#irqPending = irqPending;
    this.#irqLevel = irqLevel;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3) return this.#ignore();
    switch (offset) {
      case TIME_LOW: {
        const now = this.nowNs();
        this.#timeHigh = Number((now >> 32n) & LOW);
        return Number(now & LOW);
      }
      case TIME_HIGH:
        return this.#timeHigh;
      case ALARM_LOW:
        return Number(this.#alarmNs & LOW);
      case ALARM_HIGH:
        return Number((this.#alarmNs >> 32n) & LOW);
      case IRQ_ENABLED:
        return this.#irqEnabled ? 1 : 0;
      case ALARM_STATUS:
        return this.#alarmRunning ? 1 : 0;
      default:
        return this.#ignore();
    }
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    if (size !== 4 || offset & 3) {
      this.#ignore();
      return;
    }
    const v = BigInt(value >>> 0);
    switch (offset) {
      case TIME_HIGH:
        this.#timeHigh = value >>> 0;
        return;
      case TIME_LOW: {
        const set = (BigInt(this.#timeHigh) << 32n) | v;
        this.#offsetNs = set - this.#wallClockNs();
        return;
      }
      case ALARM_HIGH:
        this.#alarmNs = (v << 32n) | (this.#alarmNs & LOW);
        return;
      case ALARM_LOW:
        this.#alarmNs = (this.#alarmNs & ~LOW) | v;
        this.#alarmRunning = true;
        this.poll(); // an alarm already in the past fires at once, as in QEMU
        return;
      case IRQ_ENABLED:
        this.#irqEnabled = (value & 1) !== 0;
        break;
      case CLEAR_ALARM:
        this.#alarmRunning = false;
        return;
      case CLEAR_INTERRUPT:
        this.#irqPending = false;
        break;
      default:
        this.#ignore();
        return;
    }
    this.#update();
  }

  #update(): void {
    const level = this.#irqPending && this.#irqEnabled;
    if (level === this.#irqLevel) return;
    this.#irqLevel = level;
    this.#irq.set(level);
  }

  #ignore(): number {
    this.ignoredAccesses++;
    return 0;
  }
}
