import { describe, expect, it } from 'vitest';
import { asm } from '../asm';
import { EXIT } from '../hart';
import { F, S } from '../hart-state';
import type { JitEngine } from './jit-engine';
import { CODE, DATA, firstDifference, makeMachine } from './jit.test-helper';

type Machine = ReturnType<typeof makeMachine>;

/** Runs `setup` on an interpreter machine and a JIT machine, then `steps` on both, comparing state. */
function both(setup: (m: Machine) => void, steps: (m: Machine) => void) {
  const ref = makeMachine('interpreter');
  const jit = makeMachine('jit');
  setup(ref);
  setup(jit);
  steps(ref);
  steps(jit);
  expect(Array.from(jit.hart.x)).toEqual(Array.from(ref.hart.x));
  expect(jit.hart.pc).toBe(ref.hart.pc);
  expect(jit.hart.f[F.INSTRET]).toBe(ref.hart.f[F.INSTRET]);
  expect(firstDifference(jit.guestRam(), ref.guestRam())).toBe(-1);
  return { ref, jit, engine: jit.hart.engine as JitEngine };
}

describe('JIT', () => {
  it('runs a hot loop in translated code', () => {
    const { engine, jit } = both(
      (m) => m.poke32(CODE, asm.addi(1, 1, 1), asm.add(2, 2, 1), asm.xor(3, 3, 2), asm.jal(0, -12)),
      (m) => m.hart.run(100_000),
    );
    expect(jit.hart.f[F.INSTRET]).toBe(100_000);
    expect(engine.translatedInstructions).toBeGreaterThan(99_000);
  });

  it('gives RV32M division its table 7.1 results', () => {
    const cases = [
      [7, 0],
      [-0x80000000, -1],
      [-7, 2],
      [7, -2],
      [0, 0],
      [-1, 0],
    ];
    for (const [a, b] of cases) {
      both(
        (m) => {
          m.hart.x[1] = a;
          m.hart.x[2] = b;
          m.poke32(
            CODE,
            asm.div(3, 1, 2),
            asm.divu(4, 1, 2),
            asm.rem(5, 1, 2),
            asm.remu(6, 1, 2),
            asm.mulh(7, 1, 2),
            asm.mulhsu(8, 1, 2),
            asm.mulhu(9, 1, 2),
            asm.mul(10, 1, 2),
            asm.jal(0, -32),
          );
        },
        (m) => m.hart.run(900),
      );
    }
  });

  it('sees a store into the block being run (self-modifying code)', () => {
    // x1 = the encoding of "addi x5, x5, 100"; the loop overwrites its own "addi x5, x5, 1".
    both(
      (m) => {
        m.hart.x[1] = asm.addi(5, 5, 100);
        m.hart.x[2] = CODE + 8;
        m.poke32(
          CODE,
          asm.addi(6, 6, 1),
          asm.bne(6, 0, 4), // a block boundary
          asm.addi(5, 5, 1),
          asm.addi(7, 7, 1),
          asm.sltiu(8, 7, 200),
          asm.bne(8, 0, -20),
          asm.sw(1, 2, 0),
          asm.jal(0, -28),
        );
      },
      (m) => m.hart.run(5000),
    );
  });

  it('sees code changed behind its back (another vCPU, DMA) at the next entry', () => {
    const { ref, jit, engine } = both(
      (m) => m.poke32(CODE, asm.addi(1, 1, 1), asm.jal(0, -4)),
      (m) => m.hart.run(1000),
    );
    for (const m of [ref, jit]) {
      m.poke32(CODE, asm.addi(1, 1, 3));
      m.hart.run(1000);
    }
    expect(jit.hart.x[1]).toBe(ref.hart.x[1]);
    expect(engine.cache.stats.stale).toBeGreaterThan(0);
  });

  it('follows the p2m to a new frame (COW, frame reuse)', () => {
    const { ref, jit } = both(
      (m) => m.poke32(CODE, asm.addi(1, 1, 1), asm.jal(0, -4)),
      (m) => m.hart.run(1000),
    );
    for (const m of [ref, jit]) {
      const gfn = (CODE - 0x8000_0000) >>> 12;
      const old = m.p2m.table[gfn];
      const fresh = m.p2m.table[(DATA - 0x8000_0000) >>> 12] + 8;
      m.mem.ram8.copyWithin(fresh * 4096, old * 4096, old * 4096 + 4096);
      m.p2m.table[gfn] = fresh;
      m.mem.ram32[(fresh * 4096) >> 2] = asm.addi(1, 1, 5);
      m.hart.flushTlb(); // the shootdown
      m.hart.run(1000);
    }
    expect(jit.hart.x[1]).toBe(ref.hart.x[1]);
  });

  it('runs an instruction crossing a page end and loads/stores across pages', () => {
    both(
      (m) => {
        // c.nop at 0xffc, c.nop at 0xffe? no: a 32-bit addi straddling 0xffe–0x1001
        const at = CODE + 0xffe;
        m.poke32(CODE, asm.jal(0, 0xffe));
        m.poke16(at, asm.addi(1, 1, 1) & 0xffff);
        m.poke16(at + 2, asm.addi(1, 1, 1) >>> 16);
        m.hart.x[2] = DATA + 0xffe;
        m.poke32(
          at + 4,
          asm.lw(3, 2, 0),
          asm.sw(1, 2, 0),
          asm.add(4, 4, 3),
          asm.jal(0, -(at + 12 - CODE)),
        );
      },
      (m) => m.hart.run(3000),
    );
  });

  it('is preempted in a translated infinite loop and takes interrupts at the same instruction', () => {
    const { jit, engine } = both(
      (m) => {
        m.poke32(CODE, asm.addi(1, 1, 1), asm.jal(0, -4));
      },
      (m) => {
        expect(m.hart.run(12_345)).toBe(EXIT.BUDGET);
      },
    );
    expect(jit.hart.f[F.INSTRET]).toBe(12_345);
    expect(engine.translatedInstructions).toBeGreaterThan(11_000);
    // Interrupts: MSIP every 997 instructions, handler counts them in x9.
    for (const irqEvery of [997, 4096]) {
      const ref = makeMachine('interpreter', irqEvery);
      const jitM = makeMachine('jit', irqEvery);
      for (const m of [ref, jitM]) {
        m.poke32(0x8000_0000, asm.addi(9, 9, 1), asm.mret());
        m.poke32(CODE, asm.addi(1, 1, 1), asm.jal(0, -4));
        m.hart.s[S.MTVEC] = 0x8000_0000;
        m.hart.s[S.MIE] = 1 << 3;
        m.hart.s[S.MSTATUS] = 1 << 3;
        m.hart.run(100_000);
      }
      expect(jitM.hart.x[9]).toBe(ref.hart.x[9]);
      expect(jitM.hart.x[9]).toBeGreaterThan(10);
      expect(jitM.hart.x[1]).toBe(ref.hart.x[1]);
    }
  });

  it('leaves with REQUEST when asked to stop', () => {
    const m = makeMachine('jit');
    m.poke32(CODE, asm.addi(1, 1, 1), asm.jal(0, -4));
    m.hart.run(1000);
    m.hart.stopRequested = true;
    expect(m.hart.run(1000)).toBe(EXIT.REQUEST);
  });
});
