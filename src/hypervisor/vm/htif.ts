import type { VirtMachine } from './virt-machine';

/**
 * HTIF `tohost` / `fromhost` (the Spike and riscv-tests convention): a
 * bare-metal program stops by writing (code << 1) | 1 to `tohost`, where
 * code 0 is a pass and any other value the failing test number. An even
 * value is a pointer to a "magic memory" syscall block of 64-bit words
 * [which, arg0, arg1, arg2]; SYS_write (64) to fd 1/2 prints, then the
 * host writes 1 to `fromhost` (riscv-tests' syscall shim).
 */
const SYS_WRITE = 64;

export class Htif {
  constructor(
    readonly vm: VirtMachine,
    readonly tohost: number,
    readonly fromhost: number | undefined,
  ) {}

  #word(gpa: number): number {
    const off = this.vm.p2m.hostOffset(gpa);
    return off < 0 ? 0 : this.vm.mem.ram32[off >> 2];
  }

  #setWord(gpa: number, v: number): void {
    const off = this.vm.p2m.hostOffset(gpa);
    if (off >= 0) Atomics.store(this.vm.mem.ram32, off >> 2, v);
  }

  poll(): void {
    const value = this.#word(this.tohost);
    if (value === 0) return;
    this.#setWord(this.tohost, 0);
    this.#setWord(this.tohost + 4, 0);
    if (value & 1) {
      const code = value >>> 1;
      this.vm.stop(code === 0 ? { kind: 'pass' } : { kind: 'fail', code });
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
          const off = this.vm.p2m.hostOffset(buf + i);
          bytes[i] = off < 0 ? 0 : this.vm.mem.ram8[off];
        }
        this.vm.io.consoleOut(bytes);
      }
      this.#setWord(value, len);
    } else {
      this.#setWord(value, -38); // ENOSYS
    }
    if (this.fromhost !== undefined) this.#setWord(this.fromhost, 1);
  }
}
