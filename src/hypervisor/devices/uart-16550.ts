/**
 * An NS16550A UART as Linux's 8250 driver (drivers/tty/serial/8250) drives
 * it: register map and interrupt rules from the TI/National PC16550D
 * datasheet ("Register Description", Table 2 and Table 4), with QEMU's
 * hw/char/serial.c as the behavioural reference.
 *
 * Simplifications, all invisible to the 8250 driver:
 * - Transmission is instantaneous: a THR write reaches `onTransmit` at once,
 *   so LSR.THRE and LSR.TEMT always read 1.
 * - The receive FIFO is a 4 KiB host buffer; the received-data interrupt
 *   fires whenever it holds data (no trigger levels, no character timeout).
 * - No line errors or break, so no receiver-line-status interrupt; MSR
 *   reports a connected modem (DCD, DSR, CTS) and never a delta, so no
 *   modem-status interrupt.
 * - MCR.OUT2 does not gate the interrupt (as in QEMU).
 */
import type { IrqLine, MmioDevice } from './mmio-device';
import type { Json } from '../vm/machine-state';
import { StateReader } from './device-state';

// Register offsets (reg-shift 0).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const IER_RDI = 0x01; // received data available
const IER_THRI = 0x02; // transmitter holding register empty
const IER_MASK = 0x0f; // bits 7:4 read 0 on a 16550A (8250 autoconfig tests this)

const IIR_NO_INT = 0x01;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_FIFO_ENABLED = 0xc0;

const FCR_ENABLE_FIFO = 0x01;
const FCR_CLEAR_RCVR = 0x02;

const LCR_DLAB = 0x80;
const MCR_MASK = 0x1f;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;

/** Receive buffer capacity: input beyond it is dropped and counted. */
export const UART_RX_CAPACITY = 4096;

export interface Uart16550Options {
  irq: IrqLine;
  onTransmit: (byte: number) => void;
  name?: string;
}

export class Uart16550 implements MmioDevice {
  readonly name: string;
  readonly #irq: IrqLine;
  readonly #onTransmit: (byte: number) => void;

  readonly #rx = new Uint8Array(UART_RX_CAPACITY);
  #rxHead = 0;
  #rxCount = 0;
  #dropped = 0;

  #ier = 0;
  #lcr = 0;
  #mcr = 0;
  #scr = 0;
  #divisor = 0;
  #fifoEnabled = false;
  /** PC16550D Table 4: THRE interrupt pending until IIR is read or THR written. */
  #thrIpending = false;
  #irqLevel = false;

  constructor(options: Uart16550Options) {
    this.name = options.name ?? 'uart0';
    this.#irq = options.irq;
    this.#onTransmit = options.onTransmit;
  }

  /** Bytes waiting for the guest to read. */
  get pendingInput(): number {
    return this.#rxCount;
  }

  /** Input bytes dropped so far because the receive buffer was full. */
  get droppedBytes(): number {
    return this.#dropped;
  }

  /** Baud-rate divisor (DLM:DLL) the guest programmed; baud = clock / (16 × divisor). */
  get divisor(): number {
    return this.#divisor;
  }

  /** Queues input from the host side; returns how many bytes did not fit. */
  receive(bytes: Uint8Array): number {
    let dropped = 0;
    for (const b of bytes) if (!this.#push(b)) dropped++;
    this.#dropped += dropped;
    this.#update();
    return dropped;
  }

  /** The registers and receive FIFO, for save/restore and migration (device-state.ts). */
  saveState(): Json {
    const rx: number[] = [];
    for (let i = 0; i < this.#rxCount; i++)
      rx.push(this.#rx[(this.#rxHead + i) % UART_RX_CAPACITY]);
    return {
      rx,
      dropped: this.#dropped,
      ier: this.#ier,
      lcr: this.#lcr,
      mcr: this.#mcr,
      scr: this.#scr,
      divisor: this.#divisor,
      fifoEnabled: this.#fifoEnabled,
      thrIpending: this.#thrIpending,
      irqLevel: this.#irqLevel,
    };
  }

  /**
   * Loads what saveState returned (checked first: all or nothing). The line
   * level is taken as saved, not raised again: the PLIC's own saved state
   * already holds its effect.
   */
  loadState(state: Json): void {
    const r = new StateReader(this.name, state);
    const rx = r.bytes('rx', UART_RX_CAPACITY);
    const fields = {
      dropped: r.int('dropped', 0, Number.MAX_SAFE_INTEGER),
      ier: r.int('ier', 0, IER_MASK),
      lcr: r.int('lcr', 0, 0xff),
      mcr: r.int('mcr', 0, MCR_MASK),
      scr: r.int('scr', 0, 0xff),
      divisor: r.int('divisor', 0, 0xffff),
      fifoEnabled: r.bool('fifoEnabled'),
      thrIpending: r.bool('thrIpending'),
      irqLevel: r.bool('irqLevel'),
    };
    this.#rx.set(rx);
    this.#rxHead = 0;
    this.#rxCount = rx.length;
    this.#dropped = fields.dropped;
    this.#ier = fields.ier;
    this.#lcr = fields.lcr;
    this.#mcr = fields.mcr;
    this.#scr = fields.scr;
    this.#divisor = fields.divisor;
    this.#fifoEnabled = fields.fifoEnabled;
    this.#thrIpending = fields.thrIpending;
    this.#irqLevel = fields.irqLevel;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const dlab = (this.#lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case RBR_THR_DLL:
        return dlab ? this.#divisor & 0xff : this.#readRbr();
      case IER_DLM:
        return dlab ? this.#divisor >>> 8 : this.#ier;
      case IIR_FCR: {
        const iir = this.#iir();
        // Table 4: reading IIR when it reports THRE clears that interrupt.
        if ((iir & 0x0f) === IIR_THRI) {
          this.#thrIpending = false;
          this.#update();
        }
        return iir;
      }
      case LCR:
        return this.#lcr;
      case MCR:
        return this.#mcr;
      case LSR:
        return (this.#rxCount > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
      case MSR:
        return this.#msr();
      case SCR:
        return this.#scr;
      default:
        return 0;
    }
  }

  write(offset: number, value: number, _size: 1 | 2 | 4): void {
    value &= 0xff;
    const dlab = (this.#lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case RBR_THR_DLL:
        if (dlab) this.#divisor = (this.#divisor & 0xff00) | value;
        else this.#writeThr(value);
        return;
      case IER_DLM:
        if (dlab) this.#divisor = (this.#divisor & 0x00ff) | (value << 8);
        else this.#writeIer(value & IER_MASK);
        return;
      case IIR_FCR:
        this.#writeFcr(value);
        return;
      case LCR:
        this.#lcr = value;
        return;
      case MCR:
        this.#mcr = value & MCR_MASK;
        return;
      case SCR:
        this.#scr = value;
        return;
      default:
        // LSR and MSR are read-only; offsets past 7 are unimplemented.
        return;
    }
  }

  #push(byte: number): boolean {
    if (this.#rxCount === UART_RX_CAPACITY) return false;
    this.#rx[(this.#rxHead + this.#rxCount) % UART_RX_CAPACITY] = byte;
    this.#rxCount++;
    return true;
  }

  #readRbr(): number {
    if (this.#rxCount === 0) return 0;
    const byte = this.#rx[this.#rxHead];
    this.#rxHead = (this.#rxHead + 1) % UART_RX_CAPACITY;
    this.#rxCount--;
    this.#update();
    return byte;
  }

  #writeThr(byte: number): void {
    if (this.#mcr & MCR_LOOP) {
      // Datasheet MCR bit 4: the transmitter output loops back to the receiver.
      if (!this.#push(byte)) this.#dropped++;
    } else {
      this.#onTransmit(byte);
    }
    // The byte left at once, so THR is empty again: re-arm the THRE interrupt.
    this.#thrIpending = (this.#ier & IER_THRI) !== 0;
    this.#update();
  }

  #writeIer(ier: number): void {
    const enablingThri = (ier & IER_THRI) !== 0 && (this.#ier & IER_THRI) === 0;
    this.#ier = ier;
    // Enabling THRI while THR is empty raises the interrupt at once; the 8250
    // driver's UART_BUG_THRE / TXEN probes in serial8250_do_startup rely on it.
    if (enablingThri) this.#thrIpending = true;
    if ((ier & IER_THRI) === 0) this.#thrIpending = false;
    this.#update();
  }

  #writeFcr(fcr: number): void {
    const enable = (fcr & FCR_ENABLE_FIFO) !== 0;
    // Datasheet FCR bit 0: changing the FIFO enable clears both FIFOs.
    if (enable !== this.#fifoEnabled || (fcr & FCR_CLEAR_RCVR) !== 0) {
      this.#rxHead = 0;
      this.#rxCount = 0;
    }
    this.#fifoEnabled = enable;
    this.#update();
  }

  /** Interrupt identification, highest priority first (datasheet Table 4). */
  #iir(): number {
    const fifo = this.#fifoEnabled ? IIR_FIFO_ENABLED : 0;
    if (this.#ier & IER_RDI && this.#rxCount > 0) return fifo | IIR_RDI;
    if (this.#ier & IER_THRI && this.#thrIpending) return fifo | IIR_THRI;
    return fifo | IIR_NO_INT;
  }

  #msr(): number {
    if (this.#mcr & MCR_LOOP) {
      // Loopback: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD.
      const m = this.#mcr;
      return (
        (m & 0x01 ? MSR_DSR : 0) |
        (m & 0x02 ? MSR_CTS : 0) |
        (m & 0x04 ? MSR_RI : 0) |
        (m & 0x08 ? MSR_DCD : 0)
      );
    }
    return MSR_DCD | MSR_DSR | MSR_CTS;
  }

  #update(): void {
    const level = (this.#iir() & IIR_NO_INT) === 0;
    if (level !== this.#irqLevel) {
      this.#irqLevel = level;
      this.#irq.set(level);
    }
  }
}
