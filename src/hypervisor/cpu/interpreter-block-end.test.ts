import { describe, expect, it } from 'vitest';
import { asm } from './asm';
import { F } from './hart-state';
import { runHart } from './interpreter';
import { CODE, makeMachine } from './jit/jit.test-helper';

/** The JIT's use of the interpreter: `runHart(h, n, true, minRun)` ends at a block end. */
describe('interpreter: stopping at a block end (minRun)', () => {
  const program = [
    asm.addi(1, 1, 1), // CODE + 0
    asm.addi(2, 2, 1), // + 4
    asm.jal(0, 8), // + 8: a block end, to + 16
    asm.addi(3, 3, 1), // + 12 (skipped)
    asm.addi(4, 4, 1), // + 16
    asm.beq(0, 1, 8), // + 20: not taken, still a block end
    asm.addi(5, 5, 1), // + 24
    asm.jal(0, -28), // + 28: back to CODE
  ];

  function machine() {
    const m = makeMachine('interpreter');
    m.poke32(CODE, ...program);
    return m;
  }

  it('stops after the first control transfer once minRun instructions ran', () => {
    const m = machine();
    runHart(m.hart, 100, true, 1);
    expect([m.hart.executed, m.hart.pc]).toEqual([3, CODE + 16]);
    runHart(m.hart, 100, true, 1);
    expect([m.hart.executed, m.hart.pc]).toEqual([2, CODE + 24]); // a branch not taken ends a block too
    runHart(m.hart, 100, true, 3);
    // The jal at + 28 came after only 2 instructions: on to the next block end, the jal at + 8.
    expect([m.hart.executed, m.hart.pc]).toEqual([5, CODE + 16]);
  });

  it('runs past block ends until minRun instructions ran, then stops at the next one', () => {
    const m = machine();
    runHart(m.hart, 100, true, 4);
    expect([m.hart.executed, m.hart.pc]).toEqual([5, CODE + 24]);
    expect(m.hart.f[F.INSTRET]).toBe(5);
  });

  it('runs the whole budget without minRun, and the budget still bounds a run with it', () => {
    const m = machine();
    runHart(m.hart, 50, true);
    expect(m.hart.executed).toBe(50);
    runHart(m.hart, 2, true, 1);
    expect(m.hart.executed).toBe(2);
    expect(m.hart.f[F.INSTRET]).toBe(52);
  });

  it('is ignored outside inline runs (the interpreter engine runs its whole budget)', () => {
    const m = machine();
    expect(runHart(m.hart, 1000, false, 1)).toBeDefined();
    expect(m.hart.f[F.INSTRET]).toBe(1000);
  });
});
