import { MmioBus } from '../../devices/mmio-bus';
import { HostMemory } from '../../memory/host-memory';
import { P2m } from '../../memory/p2m';
import {
  CODE,
  CODE_BYTES,
  DATA,
  HANDLER,
  PROGRAM_RAM_BYTES,
  RAM_BASE,
  loadProgram,
  randomProgram,
  rng,
} from '../random-program';
import { PRIV } from '../csr';
import { Hart, type HartEnv } from '../hart';
import { F, HartState } from '../hart-state';
import { JIT_FRAMES, JitEngine } from './jit-engine';
import type { JitTuning } from './code-cache';
import type { ModuleExchange } from './module-exchange';

export { CODE, CODE_BYTES, DATA, HANDLER, RAM_BASE, loadProgram, randomProgram, rng };
/** Guest RAM of the test machines; the JIT's frames sit just above it in host RAM. */
const GUEST_BYTES = PROGRAM_RAM_BYTES;

/**
 * A bare M-mode hart on its own host RAM, run by the interpreter or by the
 * JIT. `poll` raises MSIP every `irqEvery` retired instructions (and drops
 * it at the next check point), deterministically, so interrupt points can
 * be compared between engines.
 */
export function makeMachine(
  engine: 'interpreter' | 'jit',
  irqEvery = 0,
  /**
   * The JIT's module exchange, how many frames higher its JIT frames sit
   * (another pCPU's), how many frames higher guest RAM sits (another VM's),
   * its tuning.
   */
  jit: {
    exchange?: ModuleExchange;
    frameShift?: number;
    guestShift?: number;
    tuning?: Partial<JitTuning>;
  } = {},
) {
  const guestFirst = jit.guestShift ?? 0;
  // Whole 64 KiB wasm pages, so host RAM stays a WebAssembly.Memory.
  const mem = HostMemory.create(GUEST_BYTES + 2 * 65536 + Math.ceil(guestFirst / 16) * 65536);
  const p2m = new P2m(RAM_BASE, GUEST_BYTES >>> 12);
  p2m.mapLinear(guestFirst);
  let nextIrq = irqEvery;
  let raised = false;
  const env: HartEnv = {
    clock: { now: () => 0 },
    poll: (h) => {
      if (raised) {
        h.setPending(3, false);
        raised = false;
      } else if (irqEvery && h.f[F.INSTRET] >= nextIrq) {
        h.setPending(3, true);
        raised = true;
        nextIrq += irqEvery;
      }
    },
  };
  const hart = new Hart(new HartState(), mem, p2m, new MmioBus(), env);
  hart.reset(0, CODE, PRIV.M);
  if (engine === 'jit') {
    const first = (GUEST_BYTES >>> 12) + guestFirst + (jit.frameShift ?? 0);
    hart.engine = new JitEngine(
      mem,
      mem.wasm!,
      Array.from({ length: JIT_FRAMES }, (_, k) => first + k),
      hart.ctab,
      // Translated soon, and at once, so the tests run translated code.
      { hotThreshold: 8, batchWait: 0, ...jit.tuning },
      undefined,
      jit.exchange,
    );
  }
  const host = (gpa: number) => p2m.hostOffset(gpa);
  return {
    hart,
    mem,
    p2m,
    poke32(addr: number, ...words: number[]) {
      for (let i = 0; i < words.length; i++) mem.ram32[host(addr + 4 * i) >> 2] = words[i];
    },
    poke16(addr: number, half: number) {
      mem.ram16[host(addr) >> 1] = half;
    },
    guestRam(): Uint8Array {
      return mem.ram8.subarray(guestFirst * 4096, guestFirst * 4096 + GUEST_BYTES);
    },
  };
}

/** Index of the first byte where `a` and `b` differ, -1 if none (faster than a deep equal on RAM). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}
