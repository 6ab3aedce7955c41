import { describe, expect, it } from 'vitest';
import { makeHart } from './hart.test-helper';
import { EXIT } from './hart';
import { S } from './hart-state';
import { KERNEL_LIKE_MMIO, loadKernelLikeProgram } from './kernel-like-program';
import { MmioBus } from '../devices/mmio-bus';
import { PRIV } from './csr';
import { PTE } from './sv32';

describe('the kernel-like warm-up program', () => {
  it('loops through S-mode, SBI, an interrupt, U-mode and its faults, and back', () => {
    const sbi: number[] = [];
    const io: number[] = [];
    const bus = new MmioBus();
    bus.register(KERNEL_LIKE_MMIO, 0x1000, {
      name: 'io',
      read: (offset) => (io.push(offset), 7),
      write: (offset, value) => io.push(offset, value),
    });
    const m = makeHart({
      bus,
      ramBytes: 256 << 10,
      env: {
        sbiCall: (h) => {
          sbi.push(h.x[17]);
          h.x[10] = 0;
          return false;
        },
      },
    });
    loadKernelLikeProgram({ hart: m.hart, poke32: m.poke32, poke16: (a, v) => m.poke16(a, v) });
    // The 32-bit instruction across the user code's two pages is fetched in two halves.
    const fetchSlow = m.hart.fetchSlow.bind(m.hart);
    const crossings: number[] = [];
    m.hart.fetchSlow = (pc: number) => {
      crossings.push(pc);
      return fetchSlow(pc);
    };
    const causes = new Set<number>();
    const privs = new Set<number>();
    let sleeps = 0;
    for (let i = 0; i < 3000; i++) {
      if (m.hart.run(3) === EXIT.WFI) sleeps++;
      causes.add(m.hart.s[S.SCAUSE]);
      privs.add(m.hart.priv);
    }
    // Interrupt SSI, instruction, load and store page faults, ECALL from U (priv. spec table 4.2).
    expect([...causes].sort((a, b) => a - b)).toEqual([0x80000001 | 0, 0, 8, 12, 13, 15]);
    expect([...privs].sort()).toEqual([PRIV.U, PRIV.S, PRIV.M]); // M only at the start
    expect(new Set(sbi)).toEqual(new Set([0x10, 0x54494d45]));
    expect(crossings.length).toBeGreaterThan(0);
    // The device register: read at 0, its value written at 4.
    expect(io.slice(0, 3)).toEqual([0, 4, 7]);
    // The WFI with nothing pending ends a run, as an idle kernel's does.
    expect(sleeps).toBeGreaterThan(0);
    expect(new Set(crossings)).toEqual(new Set([0x0040_0ffe]));
    // The walker set A and D on the user data page's PTE (L0 entry 2).
    const pte = m.peek32(0x8002_1000 + 8);
    expect(pte & (PTE.A | PTE.D)).toBe(PTE.A | PTE.D);
    // Still in the loop: S-mode code, the S handler or the user pages.
    const pc = m.hart.pc;
    expect(pc >>> 22 === 0x200 || pc >>> 22 === 1).toBe(true);
  });
});
