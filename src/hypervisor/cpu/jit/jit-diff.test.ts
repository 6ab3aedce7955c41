import { describe, expect, it } from 'vitest';
import { F, S } from '../hart-state';
import { firstDifference, loadProgram, makeMachine, randomProgram, rng } from './jit.test-helper';
import type { JitEngine } from './jit-engine';

/**
 * Differential testing: the same random program from the same state under
 * the interpreter (the reference) and the JIT, compared register by
 * register, CSR by CSR and byte by byte after every `run` call; half of
 * them in S-mode under Sv32 (page faults, hardware A/D updates).
 */
function compare(
  seed: number,
  instructions: number,
  irqEvery: number,
  paged: boolean,
  atomicsPercent = 0,
) {
  const program = randomProgram(seed, atomicsPercent);
  const ref = makeMachine('interpreter', irqEvery);
  const jit = makeMachine('jit', irqEvery);
  loadProgram(ref, program, paged);
  loadProgram(jit, program, paged);
  const budgets = rng(seed ^ 0x5bd1e995);
  let total = 0;
  while (total < instructions) {
    const budget = 1 + budgets.below(budgets.chance(0.2) ? 50 : 20000);
    const e1 = ref.hart.run(budget);
    const e2 = jit.hart.run(budget);
    total += budget;
    const where = `seed ${seed} after ${total} instructions`;
    expect(e2, where).toBe(e1);
    expect(Array.from(jit.hart.x), where).toEqual(Array.from(ref.hart.x));
    expect(Array.from(jit.hart.s.subarray(0, S.WORDS)), where).toEqual(
      Array.from(ref.hart.s.subarray(0, S.WORDS)),
    );
    expect(jit.hart.f[F.INSTRET], where).toBe(ref.hart.f[F.INSTRET]);
    expect(jit.hart.f[F.CYCLE], where).toBe(ref.hart.f[F.CYCLE]);
    expect(firstDifference(jit.guestRam(), ref.guestRam()), where).toBe(-1);
  }
  const engine = jit.hart.engine as JitEngine;
  return { ...engine.cache.stats, translated: engine.translatedInstructions };
}

describe('JIT against the interpreter', () => {
  // The nightly's long mode: VIRTLAB_JIT_DIFF_SEEDS=2000 (50 000 instructions each).
  const seeds = Number(process.env.VIRTLAB_JIT_DIFF_SEEDS ?? 20);
  it(
    `runs ${seeds * 50_000} random instructions identically (fixed seeds)`,
    () => {
      let compiles = 0;
      let blocks = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        // Odd seeds in M-mode with paging off, even seeds in S-mode under Sv32.
        const stats = compare(seed, 50_000, seed % 3 === 0 ? 997 : 0, seed % 2 === 0);
        compiles += stats.compiles;
        blocks += stats.blocks;
      }
      // The JIT must actually have run translated code, not only the interpreter.
      expect(compiles).toBeGreaterThan(20);
      expect(blocks).toBeGreaterThan(100);
    },
    60_000 + seeds * 2_000,
  );

  it('runs RV32A-heavy programs identically: AMOs and LR/SC as wasm atomics', () => {
    let translated = 0;
    let atomicsTranslated = 0;
    for (let seed = 101; seed <= 110; seed++) {
      const stats = compare(seed, 50_000, seed % 3 === 0 ? 997 : 0, seed % 2 === 0, 25);
      translated += stats.translated;
      atomicsTranslated += stats.atomics;
    }
    // The atomics themselves ran translated, not only the code around them.
    expect(translated).toBeGreaterThan(50_000);
    expect(atomicsTranslated).toBeGreaterThan(1000);
  }, 60_000);
});
