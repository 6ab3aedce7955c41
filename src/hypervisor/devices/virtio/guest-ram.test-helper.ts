/**
 * A `GuestDma` over a plain Uint8Array for tests: RAM is [base, base + size),
 * surrounded by guard bands filled with GUARD_BYTE that no method may reach.
 * Every attempt at a byte outside RAM is recorded in `outOfRange` (and fails),
 * so a test can assert that a device never even tried.
 */
import type { GuestDma } from './dma';

export const GUARD_BYTE = 0xa5;
const GUARD = 4096;

export interface OutOfRangeAccess {
  op: string;
  gpa: number;
  len: number;
}

export class FakeGuestRam implements GuestDma {
  readonly base: number;
  readonly size: number;
  readonly outOfRange: OutOfRangeAccess[] = [];
  /** Guard band, RAM, guard band. */
  readonly backing: Uint8Array;
  readonly #view: DataView;
  #next: number;

  constructor(base: number, size: number) {
    this.base = base;
    this.size = size;
    this.backing = new Uint8Array(GUARD + size + GUARD).fill(GUARD_BYTE);
    this.backing.fill(0, GUARD, GUARD + size);
    this.#view = new DataView(this.backing.buffer);
    this.#next = base;
  }

  /** Bump allocator for test drivers: `len` bytes aligned to `align`. */
  alloc(len: number, align = 16): number {
    const gpa = Math.ceil(this.#next / align) * align;
    if (gpa + len > this.base + this.size) throw new Error('FakeGuestRam: out of memory');
    this.#next = gpa + len;
    return gpa;
  }

  inRam(gpa: number, len: number): boolean {
    return (
      Number.isInteger(gpa) &&
      Number.isInteger(len) &&
      len >= 0 &&
      gpa >= this.base &&
      gpa + len <= this.base + this.size
    );
  }

  /** True if every guard byte still holds GUARD_BYTE. */
  guardsIntact(): boolean {
    const b = this.backing;
    for (let i = 0; i < GUARD; i++) {
      if (b[i] !== GUARD_BYTE || b[GUARD + this.size + i] !== GUARD_BYTE) return false;
    }
    return true;
  }

  read16(gpa: number): number | undefined {
    return this.#check('read16', gpa, 2) ? this.#view.getUint16(this.#off(gpa), true) : undefined;
  }

  read32(gpa: number): number | undefined {
    return this.#check('read32', gpa, 4) ? this.#view.getUint32(this.#off(gpa), true) : undefined;
  }

  write16(gpa: number, v: number): boolean {
    if (!this.#check('write16', gpa, 2)) return false;
    this.#view.setUint16(this.#off(gpa), v, true);
    return true;
  }

  write32(gpa: number, v: number): boolean {
    if (!this.#check('write32', gpa, 4)) return false;
    this.#view.setUint32(this.#off(gpa), v >>> 0, true);
    return true;
  }

  readBytes(gpa: number, len: number): Uint8Array | undefined {
    if (len === 0) return new Uint8Array(0);
    if (!this.#check('readBytes', gpa, len)) return undefined;
    const off = this.#off(gpa);
    return this.backing.slice(off, off + len);
  }

  writeBytes(gpa: number, bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    if (!this.#check('writeBytes', gpa, bytes.length)) return false;
    this.backing.set(bytes, this.#off(gpa));
    return true;
  }

  // Test-side conveniences (the fake driver writes rings with these).
  w16(gpa: number, v: number): void {
    if (!this.write16(gpa, v)) throw new Error(`FakeGuestRam: w16 outside RAM ${gpa}`);
  }

  w32(gpa: number, v: number): void {
    if (!this.write32(gpa, v)) throw new Error(`FakeGuestRam: w32 outside RAM ${gpa}`);
  }

  r16(gpa: number): number {
    const v = this.read16(gpa);
    if (v === undefined) throw new Error(`FakeGuestRam: r16 outside RAM ${gpa}`);
    return v;
  }

  r32(gpa: number): number {
    const v = this.read32(gpa);
    if (v === undefined) throw new Error(`FakeGuestRam: r32 outside RAM ${gpa}`);
    return v;
  }

  #off(gpa: number): number {
    return GUARD + (gpa - this.base);
  }

  #check(op: string, gpa: number, len: number): boolean {
    if (this.inRam(gpa, len)) return true;
    this.outOfRange.push({ op, gpa, len });
    return false;
  }
}
