import type { HostMemory } from '../memory/host-memory';
import type { P2m } from '../memory/p2m';

/**
 * HTIF `tohost` / `fromhost` (the Spike and riscv-tests convention): a
 * bare-metal program stops by writing (code << 1) | 1 to `tohost`, where
 * code 0 is a pass and any other value the failing test number. An even
 * value is a pointer to a "magic memory" syscall block of 64-bit words
 * [which, arg0, arg1, arg2]; SYS_write (64) to fd 1/2 prints, then the
 * host writes 1 to `fromhost` (riscv-tests' syscall shim).
 */
const SYS_WRITE = 64;

export interface HtifHost {
  consoleOut(bytes: Uint8Array): void;
  /** code 0 = pass, else the failing test number. */
  finish(code: number): void;
}

export class Htif {
  constructor(
    readonly mem: HostMemory,
    readonly p2m: P2m,
    readonly tohost: number,
    readonly fromhost: number | undefined,
    readonly host: HtifHost,
  ) {}

  #word(gpa: number): number {
    const off = this.p2m.hostOffset(gpa);
    return off < 0 ? 0 : Atomics.load(this.mem.ram32, off >> 2);
  }

  #setWord(gpa: number, v: number): void {
    const off = this.p2m.hostOffsetWrite(gpa);
    if (off >= 0) Atomics.store(this.mem.ram32, off >> 2, v);
  }

  poll(): void {
    const value = this.#word(this.tohost);
    if (value === 0) return;
    this.#setWord(this.tohost, 0);
    this.#setWord(this.tohost + 4, 0);
    if (value & 1) {
      this.host.finish(value >>> 1);
      return;
    }
    const which = this.#word(value);
    if (which === SYS_WRITE) {
      const fd = this.#word(value + 8);
      const buf = this.#word(value + 16) >>> 0;
      const len = this.#word(value + 24) >>> 0;
      if (fd === 1 || fd === 2) {
        const bytes = new Uint8Array(Math.min(len, 1 << 16));
        for (let i = 0; i < bytes.length; i++) {
          const off = this.p2m.hostOffset(buf + i);
          bytes[i] = off < 0 ? 0 : this.mem.ram8[off];
        }
        this.host.consoleOut(bytes);
      }
      this.#setWord(value, len);
    } else {
      this.#setWord(value, -38); // ENOSYS
    }
    if (this.fromhost !== undefined) this.#setWord(this.fromhost, 1);
  }
}
