import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNodeWorker } from '../../../../tools/lib/node-worker';
import { HostMemory } from '../../memory/host-memory';
import { asm } from '../asm';
import { JIT_FRAMES } from './jit-engine';
import type { JitSmpDone, JitSmpJob } from './jit-smp.stress-worker';

const RAM_BASE = 0x8000_0000;
const RAM_FRAMES = 16;
const CODE = RAM_BASE + 0x1000;
const WORDS = RAM_BASE + 0x4000;

/**
 * RV32A across pCPU workers (unprivileged spec ch. 13): two workers' JITs
 * run the same translated loop on the same shared host RAM, each adding
 * to shared words by AMOADD.W and by an LR.W/SC.W retry loop; no increment
 * may be lost, as on real SMP hardware.
 */
describe('JIT atomics across workers', () => {
  it('loses no AMOADD.W or LR/SC increment when two workers race on one word', async () => {
    const workers = 2;
    const iterations = 3_000_000;
    const mem = HostMemory.create(1 << 18); // 64 frames, whole 64 KiB wasm pages
    const startWord = ((RAM_FRAMES + workers * JIT_FRAMES) * 4096) >> 2;
    // loop: amoadd.w x0, x5, (x11); lr/sc: x6 = [x11+4] + 1; retry on failure; x10 -= 1.
    const code = [
      asm.addi(5, 0, 1),
      asm.amo(0x00, 0, 11, 5), // amoadd.w x0, x5, (x11)
      asm.addi(12, 11, 4),
      asm.amo(0x02, 6, 12, 0, 2), // lr.w.aq x6, (x12)
      asm.addi(6, 6, 1),
      asm.amo(0x03, 7, 12, 6, 1), // sc.w.rl x7, x6, (x12)
      asm.bne(7, 0, -12), // retry the LR/SC
      asm.addi(10, 10, -1),
      asm.bne(10, 0, -28),
      asm.jal(0, 0), // done: spin here
    ];
    code.forEach((word, i) => (mem.ram32[(CODE - RAM_BASE + 4 * i) >> 2] = word));
    const entry = join(import.meta.dirname, 'jit-smp.stress-worker.ts');
    const threads = await Promise.all(
      Array.from({ length: workers }, () => startNodeWorker(entry)),
    );
    try {
      const done = threads.map(
        (t) =>
          new Promise<JitSmpDone>((resolve, reject) => {
            t.once('message', resolve);
            t.once('error', reject);
          }),
      );
      threads.forEach((t, k) =>
        t.postMessage({
          memory: mem.wasm!,
          ramBase: RAM_BASE,
          ramFrames: RAM_FRAMES,
          jitFrames: Array.from({ length: JIT_FRAMES }, (_, i) => RAM_FRAMES + k * JIT_FRAMES + i),
          pc: CODE,
          iterations,
          words: WORDS,
          startWord,
        } satisfies JitSmpJob),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      Atomics.store(mem.ram32, startWord, 1);
      Atomics.notify(mem.ram32, startWord);
      const results = await Promise.all(done);
      for (const r of results) {
        expect(r.atomics).toBeGreaterThan(0);
        // Nearly all of each worker's loop ran translated, atomics included.
        expect(r.translated / r.instructions).toBeGreaterThan(0.9);
      }
      const w = (WORDS - RAM_BASE) >> 2;
      expect(mem.ram32[w]).toBe(workers * iterations);
      expect(mem.ram32[w + 1]).toBe(workers * iterations);
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }, 60_000);
});
