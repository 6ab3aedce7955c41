/**
 * The address-space contract (STYLE.md §1): an MMIO device answers reads and
 * writes at an offset inside its region. `size` is the access width in bytes
 * (1, 2 or 4). Values are unsigned-agnostic 32-bit integers; a read returns
 * the value zero-extended to `size` bytes, the hart sign-extends as the
 * instruction demands.
 */
export interface MmioDevice {
  /** Short name for traces and errors, e.g. "uart0", "plic". */
  readonly name: string;
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, value: number, size: 1 | 2 | 4): void;
}

/** A line into the interrupt controller (the PLIC's source `irq`). */
export interface IrqLine {
  set(level: boolean): void;
}
