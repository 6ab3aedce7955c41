import { describe, expect, it } from 'vitest';
import { asm } from '../asm';
import { F } from '../hart-state';
import { HINT_ENTRIES, hintIndex } from '../hart';
import { JUMP_ENTRIES, JumpCache, jumpIndex } from './dispatch-table';
import type { JitEngine } from './jit-engine';
import { CODE, DATA, firstDifference, makeMachine } from './jit.test-helper';

type Machine = ReturnType<typeof makeMachine>;

/** A loop on CODE's page that calls a function on the next page: two regions, entered in turn. */
function callLoop(m: Machine): void {
  m.hart.x[8] = DATA;
  m.poke32(
    CODE,
    asm.addi(5, 5, 1),
    asm.jal(1, 0x1000 - 4), // call CODE + 0x1000
    asm.sw(6, 8, 0),
    asm.jal(0, -12),
  );
  m.poke32(CODE + 0x1000, asm.xor(6, 6, 5), asm.addi(7, 7, 3), asm.jalr(0, 1, 0));
}

function compare(jit: Machine, ref: Machine): void {
  expect(Array.from(jit.hart.x)).toEqual(Array.from(ref.hart.x));
  expect(jit.hart.pc).toBe(ref.hart.pc);
  expect(jit.hart.f[F.INSTRET]).toBe(ref.hart.f[F.INSTRET]);
  expect(firstDifference(jit.guestRam(), ref.guestRam())).toBe(-1);
}

describe('trampoline and jump cache', () => {
  it('goes from region to region without coming back to the dispatcher', () => {
    const ref = makeMachine('interpreter');
    const jit = makeMachine('jit');
    for (const m of [ref, jit]) {
      callLoop(m);
      for (let k = 0; k < 10; k++) m.hart.run(20_000);
    }
    compare(jit, ref);
    const engine = jit.hart.engine as JitEngine;
    // Each pass (7 instructions) enters two regions: ~57 000 region entries in 200 000 instructions.
    expect(engine.translatedInstructions).toBeGreaterThan(190_000);
    expect(engine.entries).toBeLessThan(2_000);
  });

  it('is emptied with the TLB (a mapping may have changed) and when a region is dropped', () => {
    const jit = makeMachine('jit');
    callLoop(jit);
    jit.hart.run(20_000);
    const engine = jit.hart.engine as JitEngine;
    const filled = () => engine.jumpCache.tags.filter((t) => t !== -1).length;
    expect(filled()).toBeGreaterThan(0);
    jit.hart.flushTlb();
    expect(filled()).toBe(0);
    jit.hart.run(20_000);
    expect(filled()).toBeGreaterThan(0);
    // New code on the callee's page: the region that held it is stale, dropped, and the cache emptied.
    const ref = makeMachine('interpreter');
    callLoop(ref);
    ref.hart.run(40_000);
    for (const m of [ref, jit]) {
      m.poke32(CODE + 0x1000, asm.addi(6, 6, 9));
      m.hart.run(20_000);
    }
    compare(jit, ref);
    expect(engine.cache.stats.stale).toBeGreaterThan(0);
  });

  it('finds translated code again after a TLB flush through its hints, without counting it cold', () => {
    const jit = makeMachine('jit');
    callLoop(jit);
    jit.hart.run(20_000);
    const engine = jit.hart.engine as JitEngine;
    const before = engine.translatedInstructions;
    // A flush empties the jump cache; the hints stay, so the interpreter stops at the
    // first call or return into a translated block and the dispatcher refills the cache.
    jit.hart.flushTlb();
    expect(engine.jumpCache.tags.every((t) => t === -1)).toBe(true);
    expect(engine.jumpCache.hints.some((t) => t !== -1)).toBe(true);
    jit.hart.run(20_000);
    expect(engine.translatedInstructions - before).toBeGreaterThan(19_900);
  });

  it('has the interpreter stop where an entry count reaches the threshold, and only there', () => {
    // Cold code runs whole chunks; a block becomes hot by the interpreter's own count.
    const ref = makeMachine('interpreter');
    const jit = makeMachine('jit', 0, { tuning: { hotThreshold: 500 } });
    for (const m of [ref, jit]) {
      m.hart.x[8] = DATA;
      m.poke32(CODE, asm.addi(5, 5, 1), asm.sw(5, 8, 0), asm.jal(0, -8));
    }
    const engine = jit.hart.engine as JitEngine;
    jit.hart.run(3 * 499); // 499 entries of the loop: cold, one interpreter run per chunk
    expect(engine.translatedInstructions).toBe(0);
    expect(engine.interpretedRuns).toBe(1);
    expect(engine.cache.stats.compiles).toBe(0);
    jit.hart.run(3 * 10); // the 500th entry stops the interpreter; the block is translated
    expect(engine.cache.stats.compiles).toBe(1);
    jit.hart.run(30_000);
    ref.hart.run(3 * 499 + 30 + 30_000);
    compare(jit, ref);
    expect(engine.translatedInstructions).toBeGreaterThan(29_000);
  });

  it('empties exactly what it filled, or everything after many fills', () => {
    const cache = new JumpCache(new Int32Array(JUMP_ENTRIES), new Int32Array(JUMP_ENTRIES), 4096);
    const empty = () => cache.tags.every((t) => t === -1);
    cache.set(0x8000_1000, 7);
    cache.set(0x8000_2002, 9);
    expect(cache.tags[jumpIndex(0x8000_2002)]).toBe(0x8000_2002 | 0);
    expect(cache.vals[jumpIndex(0x8000_2002)]).toBe(9);
    cache.clear();
    expect(empty()).toBe(true);
    for (let k = 0; k < 3000; k++) cache.set(0x8000_0000 + 2 * k, k);
    cache.clear();
    expect(empty()).toBe(true);
    // sfence.vma of one page: only that page's entries go.
    cache.set(0x8000_1000, 7);
    cache.set(0x8000_1ffe, 8);
    cache.set(0x8000_2002, 9);
    cache.clearPage(0x8000_1);
    expect(cache.tags[jumpIndex(0x8000_1000)]).toBe(-1);
    expect(cache.tags[jumpIndex(0x8000_1ffe)]).toBe(-1);
    expect(cache.tags[jumpIndex(0x8000_2002)]).toBe(0x8000_2002 | 0);
    // The hints are virtual pcs only, checked again before any use: a flush keeps them.
    expect(cache.hints[hintIndex(0x8000_2002)]).toBe(0x8000_2002 | 0);
    expect(cache.hints.length).toBe(HINT_ENTRIES);
  });

  it('spreads equal offsets of many pages and neighbouring instructions over the cache', () => {
    const seen = new Set<number>();
    for (let page = 0; page < 64; page++)
      for (let off = 0; off < 64; off += 2) seen.add(jumpIndex(0xc000_0000 + page * 4096 + off));
    // 2048 pcs into 4096 entries: random keys leave ~1600 distinct, these ~1300; the offset alone, 32.
    expect(seen.size).toBeGreaterThan(1200);
    for (const i of seen) expect(i >= 0 && i < JUMP_ENTRIES).toBe(true);
  });
});
