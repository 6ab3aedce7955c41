import type { MmioDevice } from './mmio-device';

interface Region {
  base: number;
  size: number;
  device: MmioDevice;
}

/** What a hart needs of the physical address space outside RAM. */
export interface Bus {
  /** undefined when nothing answers at `addr` (an access fault). */
  read(addr: number, size: 1 | 2 | 4): number | undefined;
  /** false when nothing answers at `addr` (an access fault). */
  write(addr: number, value: number, size: 1 | 2 | 4): boolean;
  claims(addr: number): boolean;
}

/**
 * The physical address map of a board's devices. Regions are registered by
 * range; overlaps are refused at registration. Addresses are unsigned 32-bit.
 */
export class MmioBus implements Bus {
  readonly #regions: Region[] = [];
  #last: Region | undefined;

  register(base: number, size: number, device: MmioDevice): void {
    base >>>= 0;
    if (size <= 0 || base + size > 2 ** 32)
      throw new RangeError(`bad MMIO region for ${device.name}`);
    for (const r of this.#regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new Error(
          `MMIO region of ${device.name} at 0x${base.toString(16)} overlaps ${r.device.name} at 0x${r.base.toString(16)}`,
        );
      }
    }
    this.#regions.push({ base, size, device });
    this.#regions.sort((a, b) => a.base - b.base);
  }

  #find(addr: number): Region | undefined {
    const last = this.#last;
    if (last && addr >= last.base && addr < last.base + last.size) return last;
    for (const r of this.#regions) {
      if (addr >= r.base && addr < r.base + r.size) return (this.#last = r);
    }
    return undefined;
  }

  /** True when some device claims `addr`. */
  claims(addr: number): boolean {
    return this.#find(addr >>> 0) !== undefined;
  }

  /** Returns undefined when no device claims the address (an access fault). */
  read(addr: number, size: 1 | 2 | 4): number | undefined {
    addr >>>= 0;
    const r = this.#find(addr);
    return r ? r.device.read(addr - r.base, size) : undefined;
  }

  /** Returns false when no device claims the address (an access fault). */
  write(addr: number, value: number, size: 1 | 2 | 4): boolean {
    addr >>>= 0;
    const r = this.#find(addr);
    if (!r) return false;
    r.device.write(addr - r.base, value, size);
    return true;
  }
}
