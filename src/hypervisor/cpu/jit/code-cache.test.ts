import { describe, expect, it } from 'vitest';
import { asm } from '../asm';
import type { JitEngine } from './jit-engine';
import { CODE, makeMachine } from './jit.test-helper';

/** Loops at CODE + 0x1000·k, k < pages, each counting in x(k+1); `jump` chains them in a ring. */
function loops(m: ReturnType<typeof makeMachine>, pages: number, spins: number): void {
  for (let k = 0; k < pages; k++) {
    const next = k + 1 < pages ? 0x1000 - 16 : -(0x1000 * k) - 16;
    m.poke32(
      CODE + 0x1000 * k,
      asm.addi(20, 0, spins),
      asm.addi(k + 1, k + 1, 1),
      asm.addi(20, 20, -1),
      asm.bne(20, 0, -8),
      asm.jal(0, next),
    );
  }
}

describe('code cache: regions and batches', () => {
  it('adds a region for a block that became hot later, keeping the first', () => {
    const m = makeMachine('jit');
    // A hot loop; after it, through an indirect jump (no successor of the first), a second loop.
    m.hart.x[9] = CODE + 0x100;
    m.poke32(
      CODE,
      asm.addi(20, 0, 500),
      asm.addi(1, 1, 1),
      asm.addi(20, 20, -1),
      asm.bne(20, 0, -8),
      asm.jalr(0, 9, 0),
    );
    m.poke32(CODE + 0x100, asm.addi(2, 2, 1), asm.jal(0, -4));
    const engine = m.hart.engine as JitEngine;
    m.hart.run(1000);
    const frame = m.p2m.hostOffset(CODE) >>> 12;
    const page = engine.cache.lookup(frame, CODE >>> 12);
    expect(page.regions.length).toBe(1);
    const first = page.regions[0];
    m.hart.run(5000);
    expect(page.regions.length).toBe(2);
    expect(page.regions[0]).toBe(first); // not translated again
    expect(engine.cache.stats.compiles).toBe(2);
    expect(m.hart.x[2]).toBeGreaterThan(1000);
  });

  it('translates pages that became hot close together in one module', () => {
    const m = makeMachine('jit', 0, { tuning: { batchPages: 3, batchWait: 1_000_000 } });
    loops(m, 3, 200);
    const engine = m.hart.engine as JitEngine;
    for (let k = 0; k < 100 && engine.cache.queued === 0; k++) m.hart.run(20);
    expect(engine.cache.queued).toBeGreaterThan(0); // hot, waiting for company
    expect(engine.cache.stats.modules).toBe(0);
    m.hart.run(20_000);
    expect(engine.cache.stats.compiles).toBe(3);
    expect(engine.cache.stats.modules).toBe(1);
    expect(engine.translatedInstructions).toBeGreaterThan(3000);
  });

  it('compiles a lone hot page once it has waited batchWait instructions', () => {
    const m = makeMachine('jit', 0, { tuning: { batchPages: 8, batchWait: 3000 } });
    loops(m, 1, 100);
    const engine = m.hart.engine as JitEngine;
    m.hart.run(2000);
    expect(engine.cache.stats.modules).toBe(0);
    m.hart.run(20_000);
    expect(engine.cache.stats.modules).toBe(1);
  });
});
