/**
 * SiFive test finisher, the syscon at VIRT.TEST (QEMU hw/misc/sifive_test.c):
 * the low 16 bits of a write to offset 0 select the action, bits 31:16 carry
 * an exit code for FAIL. Linux reaches it through syscon-poweroff and
 * syscon-reboot (regmap read-modify-write, so reads must return 0).
 */
import type { MmioDevice } from './mmio-device';

/** include/hw/misc/sifive_test.h */
export const FINISHER = { FAIL: 0x3333, PASS: 0x5555, RESET: 0x7777 } as const;

export interface SifiveTestOptions {
  onPowerOff: () => void;
  onReset: () => void;
  /** Guest-reported failure with its 16-bit code. */
  onFail: (code: number) => void;
  name?: string;
}

export class SifiveTest implements MmioDevice {
  readonly name: string;
  /** Writes with no defined effect (unknown value, offset or width). */
  ignoredWrites = 0;
  readonly #options: SifiveTestOptions;

  constructor(options: SifiveTestOptions) {
    this.name = options.name ?? 'test';
    this.#options = options;
  }

  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, value: number, size: 1 | 2 | 4): void {
    // QEMU accepts 2- and 4-byte accesses; a 2-byte write carries no code.
    if (offset !== 0 || size === 1) {
      this.ignoredWrites++;
      return;
    }
    const code = size === 4 ? value >>> 16 : 0;
    switch (value & 0xffff) {
      case FINISHER.PASS:
        this.#options.onPowerOff();
        return;
      case FINISHER.RESET:
        this.#options.onReset();
        return;
      case FINISHER.FAIL:
        this.#options.onFail(code);
        return;
      default:
        this.ignoredWrites++;
    }
  }
}
