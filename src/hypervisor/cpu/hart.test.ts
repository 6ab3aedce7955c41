import { describe, expect, it } from 'vitest';
import { asm } from './asm';
import { CSR, EXC } from './csr';
import { EXIT } from './hart';
import { S } from './hart-state';
import { RAM_BASE, makeHart } from './hart.test-helper';

describe('hart basics', () => {
  it('runs arithmetic and keeps x0 zero', () => {
    const t = makeHart();
    t.load([
      asm.addi(1, 0, 5),
      asm.addi(2, 1, -7),
      asm.add(3, 1, 2),
      asm.addi(0, 0, 9),
      asm.jal(0, 0),
    ]);
    expect(t.hart.run(5)).toBe(EXIT.BUDGET);
    expect(t.hart.x[1]).toBe(5);
    expect(t.hart.x[2]).toBe(-2);
    expect(t.hart.x[3]).toBe(3);
    expect(t.hart.x[0]).toBe(0);
    expect(t.hart.pc).toBe(RAM_BASE + 16);
  });

  it('takes an illegal-instruction trap to mtvec with mtval = the instruction', () => {
    const t = makeHart();
    t.load([...asm.li(5, RAM_BASE + 0x100), asm.csrrw(0, CSR.mtvec, 5), 0xffffffff]);
    t.hart.run(4);
    expect(t.hart.pc).toBe(RAM_BASE + 0x100);
    expect(t.hart.s[S.MCAUSE]).toBe(EXC.ILLEGAL_INSN);
    expect(t.hart.s[S.MEPC]).toBe((RAM_BASE + 12) | 0);
    expect(t.hart.s[S.MTVAL]).toBe(-1);
  });
});

describe('TLB shootdown', () => {
  it('a flush requested between chunks (a remote fence) also drops the cached fetch page', () => {
    let polls = 0;
    let x1AtRemap = 0;
    const t = makeHart({
      env: {
        // At the third check point the host remaps guest frame 0 (as KSM or the
        // balloon will) and the vCPU flushes its TLB, all inside one run().
        poll: (hart) => {
          if (++polls !== 3) return;
          t.p2m.table[0] = t.p2m.table[1];
          x1AtRemap = hart.x[1];
          hart.flushTlb();
        },
      },
    });
    // Guest frame 0 loops incrementing x1; guest frame 1 holds a loop incrementing x2.
    t.load([asm.addi(1, 1, 1), asm.jal(0, -4)]);
    t.load([asm.addi(2, 2, 1), asm.jal(0, -4)], RAM_BASE + 0x1000);
    t.hart.run(40_000);
    expect(x1AtRemap).toBeGreaterThan(1000);
    expect(t.hart.x[1]).toBeLessThanOrEqual(x1AtRemap + 1);
    expect(t.hart.x[2]).toBeGreaterThan(1000);
  });
});
