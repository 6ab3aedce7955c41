import { describe, expect, it } from 'vitest';
import { F, S } from '../hart-state';
import type { JitEngine } from './jit-engine';
import { asm } from '../asm';
import { CODE, DATA, firstDifference, makeMachine } from './jit.test-helper';
import { ModuleExchange, pageHash } from './module-exchange';

/** Two pCPUs' exchanges wired to each other, as the host relays them. */
function pair(): [ModuleExchange, ModuleExchange] {
  const a = new ModuleExchange();
  const b = new ModuleExchange();
  a.publish = (m) => b.receive([m]);
  b.publish = (m) => a.receive([m]);
  return [a, b];
}

describe('compiled modules shared between pCPUs', () => {
  it('a second pCPU with other JIT frames adopts the first one’s modules and runs identically', () => {
    const [a, b] = pair();
    // A loop of ALU, loads, stores, a branch and an AMO, over two code pages.
    const loop = [
      ...asm.li(8, DATA),
      asm.addi(2, 0, 0),
      asm.lw(3, 8, 0),
      asm.add(3, 3, 2),
      asm.slli(4, 3, 3),
      asm.sw(4, 8, 4),
      asm.amo(0x00, 5, 8, 2), // amoadd.w
      asm.addi(2, 2, 1),
      asm.jal(1, 0x1000 - 4 * 9), // call the other page
      asm.jal(0, -4 * 7),
    ];
    const callee = [asm.xor(6, 6, 2), asm.addi(7, 7, 1), asm.jalr(0, 1, 0)];
    const machines = [
      makeMachine('jit', 0, { exchange: a }),
      makeMachine('jit', 0, { exchange: b, frameShift: 5 }),
      makeMachine('interpreter'),
    ];
    for (const m of machines) {
      m.poke32(CODE, ...loop);
      m.poke32(CODE + 0x1000, ...callee);
    }
    const [first, second, ref] = machines;
    for (let k = 0; k < 20; k++) first.hart.run(10_000);
    const compiled = (first.hart.engine as JitEngine).cache.stats;
    expect(compiled.compiles).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    for (let k = 0; k < 20; k++) {
      const e1 = ref.hart.run(10_000);
      const e2 = second.hart.run(10_000);
      expect(e2).toBe(e1);
      expect(Array.from(second.hart.x)).toEqual(Array.from(ref.hart.x));
      expect(Array.from(second.hart.s.subarray(0, S.WORDS))).toEqual(
        Array.from(ref.hart.s.subarray(0, S.WORDS)),
      );
      expect(second.hart.f[F.INSTRET]).toBe(ref.hart.f[F.INSTRET]);
      expect(firstDifference(second.guestRam(), ref.guestRam())).toBe(-1);
    }
    const engine = second.hart.engine as JitEngine;
    expect(engine.cache.stats.adopted).toBeGreaterThan(0);
    expect(b.adopted).toBe(engine.cache.stats.adopted);
    expect(engine.cache.stats.compiles).toBeLessThan(compiled.compiles);
    expect(engine.translatedInstructions).toBeGreaterThan(150_000); // of 200 000
  });

  it('does not adopt a module made from other bytes; keeps a bounded table, oldest out', () => {
    const x = new ModuleExchange(2, 1 << 20);
    const module = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const words = new Int32Array(1024).fill(7);
    const hash = pageHash(words);
    const put = (frame: number) =>
      x.receive([
        { frame, vpage: 0x1000, hash, module, batch: 'b', fn: 'r0', entries: [[0, 0]], bytes: 100 },
      ]);
    put(1);
    expect(x.find(1, 0x1000, hash)).toBeDefined();
    words[5] = 8;
    expect(x.find(1, 0x1000, pageHash(words))).toBeUndefined();
    expect(x.find(1, 0x2000, hash)).toBeUndefined();
    put(2);
    x.find(1, 0x1000, hash); // 1 is now the most recent
    put(3);
    expect(x.size).toBe(2);
    expect(x.has(2, 0x1000)).toBe(false);
    expect(x.has(1, 0x1000) && x.has(3, 0x1000)).toBe(true);
    expect(x.bytes).toBe(200);
  });
});
