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

/** Runs `second` against the interpreter for 200 000 instructions, state compared every 10 000. */
function runsLikeInterpreter(second: ReturnType<typeof makeMachine>): void {
  const ref = makeMachine('interpreter');
  ref.poke32(CODE, ...loop);
  ref.poke32(CODE + 0x1000, ...callee);
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
}

describe('compiled modules shared between pCPUs', () => {
  it('a second pCPU with other JIT frames adopts the first one’s modules and runs identically', () => {
    const [a, b] = pair();
    const machines = [
      makeMachine('jit', 0, { exchange: a }),
      makeMachine('jit', 0, { exchange: b, frameShift: 5 }),
    ];
    for (const m of machines) {
      m.poke32(CODE, ...loop);
      m.poke32(CODE + 0x1000, ...callee);
    }
    const [first, second] = machines;
    for (let k = 0; k < 20; k++) first.hart.run(10_000);
    const compiled = (first.hart.engine as JitEngine).cache.stats;
    expect(compiled.compiles).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    runsLikeInterpreter(second);
    const engine = second.hart.engine as JitEngine;
    expect(engine.cache.stats.adopted).toBeGreaterThan(0);
    expect(b.adopted).toBe(engine.cache.stats.adopted);
    expect(engine.cache.stats.compiles).toBeLessThan(compiled.compiles);
    expect(engine.translatedInstructions).toBeGreaterThan(150_000); // of 200 000
  });

  it('another VM with the same code in other frames runs the modules made for the first, bound to its frames', () => {
    const x = new ModuleExchange();
    const first = makeMachine('jit', 0, { exchange: x });
    const second = makeMachine('jit', 0, { exchange: x, guestShift: 7 });
    for (const m of [first, second]) {
      m.poke32(CODE, ...loop);
      m.poke32(CODE + 0x1000, ...callee);
    }
    expect(second.p2m.hostOffset(CODE)).not.toBe(first.p2m.hostOffset(CODE));
    for (let k = 0; k < 20; k++) first.hart.run(10_000);
    const compiled = (first.hart.engine as JitEngine).cache.stats.compiles;
    expect(compiled).toBeGreaterThan(0);
    runsLikeInterpreter(second);
    const engine = second.hart.engine as JitEngine;
    expect(engine.cache.stats.adopted).toBeGreaterThan(0);
    expect(engine.cache.stats.compiles).toBeLessThan(compiled);
    // Bound to its own frames: its byte checks passed (nothing stale) and it ran translated.
    expect(engine.cache.stats.stale).toBe(0);
    expect(engine.translatedInstructions).toBeGreaterThan(150_000);
  });

  it('adopts the page whose code is the same, not the page at the same address whose code differs', () => {
    const x = new ModuleExchange();
    const first = makeMachine('jit', 0, { exchange: x });
    first.poke32(CODE, ...loop);
    first.poke32(CODE + 0x1000, ...callee);
    for (let k = 0; k < 20; k++) first.hart.run(10_000);
    const other = makeMachine('jit', 0, { exchange: x, guestShift: 3 });
    other.poke32(CODE, ...loop.slice(0, -1), asm.jal(0, -4 * 6)); // one word differs
    other.poke32(CODE + 0x1000, ...callee);
    for (let k = 0; k < 5; k++) other.hart.run(10_000);
    const stats = (other.hart.engine as JitEngine).cache.stats;
    // The callee's page is the same code at the same address; the loop's page is not.
    expect(stats.adopted).toBeGreaterThan(0);
    expect(stats.compiles).toBeGreaterThan(0);
    expect(stats.stale).toBe(0);
  });

  it('finds a module only by its virtual page and the hash of its bytes; keeps a bounded table, oldest out', () => {
    const x = new ModuleExchange(2, 1 << 20);
    const module = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const words = new Int32Array(1024).fill(7);
    const hash = pageHash(words);
    const put = (vpage: number) =>
      x.receive([
        {
          vpage,
          hash,
          module,
          batch: 'b',
          fn: 'r0',
          frameImport: 'f0',
          entries: [[0, 0]],
          bytes: 100,
        },
      ]);
    put(0x1000);
    expect(x.find(0x1000, hash)).toBeDefined();
    words[5] = 8;
    expect(x.find(0x1000, pageHash(words))).toBeUndefined();
    expect(x.find(0x2000, hash)).toBeUndefined();
    put(0x2000);
    x.find(0x1000, hash); // 0x1000 is now the most recent
    put(0x3000);
    expect(x.size).toBe(2);
    expect(x.hasPage(0x2000)).toBe(false);
    expect(x.hasPage(0x1000) && x.hasPage(0x3000)).toBe(true);
    expect(x.find(0x2000, hash)).toBeUndefined();
    expect(x.bytes).toBe(200);
  });
});
