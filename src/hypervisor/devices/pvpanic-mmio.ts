/**
 * pvpanic, MMIO flavour (QEMU docs/specs/pvpanic.rst, hw/misc/pvpanic-mmio.c;
 * Linux drivers/misc/pvpanic/pvpanic-mmio.c): a one-byte register at
 * offset 0. Reading it gives the events the host supports; the guest writes
 * the event it is reporting.
 */
import type { MmioDevice } from './mmio-device';

/** include/uapi/misc/pvpanic.h */
export const PVPANIC_PANICKED = 1 << 0;
export const PVPANIC_CRASH_LOADED = 1 << 1;
const SUPPORTED = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;

export interface PvpanicMmioOptions {
  /** Receives the supported event bits of each write (never 0). */
  onEvent: (bits: number) => void;
  name?: string;
}

export class PvpanicMmio implements MmioDevice {
  readonly name: string;
  /** Writes at a wrong offset or carrying unsupported event bits. */
  ignoredWrites = 0;
  readonly #onEvent: (bits: number) => void;

  constructor(options: PvpanicMmioOptions) {
    this.name = options.name ?? 'pvpanic';
    this.#onEvent = options.onEvent;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    return offset === 0 ? SUPPORTED : 0;
  }

  write(offset: number, value: number, _size: 1 | 2 | 4): void {
    if (offset !== 0) {
      this.ignoredWrites++;
      return;
    }
    const bits = value & 0xff;
    if (bits & ~SUPPORTED) this.ignoredWrites++;
    if (bits & SUPPORTED) this.#onEvent(bits & SUPPORTED);
  }
}
