// Node worker entry for jit-smp.test.ts: one pCPU's JIT running a guest loop
// of RV32A increments on words that the other workers increment too, over
// the same shared host RAM. Not part of the hypervisor.
import { parentPort } from 'node:worker_threads';
import { MmioBus } from '../../devices/mmio-bus';
import { HostMemory } from '../../memory/host-memory';
import { P2m } from '../../memory/p2m';
import { PRIV } from '../csr';
import { Hart } from '../hart';
import { HartState } from '../hart-state';
import { JitEngine } from './jit-engine';

export interface JitSmpJob {
  memory: WebAssembly.Memory;
  /** Guest RAM base and frames (mapped 1:1 from host frame 0). */
  ramBase: number;
  ramFrames: number;
  /** This worker's JIT_FRAMES host frames, above guest RAM. */
  jitFrames: number[];
  /** Entry pc; x10 = iterations, x11 = the shared words' address. */
  pc: number;
  iterations: number;
  words: number;
  /** Int32 index in host RAM the test bumps to start every worker at once. */
  startWord: number;
}

export interface JitSmpDone {
  translated: number;
  instructions: number;
  atomics: number;
}

parentPort!.once('message', (job: JitSmpJob) => {
  const mem = new HostMemory(job.memory.buffer as unknown as SharedArrayBuffer, job.memory);
  const p2m = new P2m(job.ramBase, job.ramFrames);
  p2m.mapLinear(0);
  const hart = new Hart(new HartState(), mem, p2m, new MmioBus(), { clock: { now: () => 0 } });
  hart.reset(0, job.pc, PRIV.M);
  const engine = new JitEngine(mem, job.memory, job.jitFrames, hart.ctab, {
    hotThreshold: 8,
    batchWait: 0,
  });
  hart.engine = engine;
  hart.x[10] = job.iterations;
  hart.x[11] = job.words;
  Atomics.wait(mem.ram32, job.startWord, 0);
  let instructions = 0;
  while (hart.x[10] !== 0) {
    hart.run(10_000);
    instructions += 10_000;
  }
  parentPort!.postMessage({
    translated: engine.translatedInstructions,
    instructions,
    atomics: engine.cache.stats.atomics,
  } satisfies JitSmpDone);
});
