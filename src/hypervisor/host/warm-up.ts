import { PRIV } from '../cpu/csr';
import { Hart, JUMP_ENTRIES, TLB_SIZE } from '../cpu/hart';
import { F, HartState } from '../cpu/hart-state';
import { runHart } from '../cpu/interpreter';
import { JumpCache } from '../cpu/jit/dispatch-table';
import {
  CODE,
  PROGRAM_RAM_BYTES,
  RAM_BASE,
  loadProgram,
  randomProgram,
} from '../cpu/random-program';
import { KERNEL_LIKE_MMIO, loadKernelLikeProgram } from '../cpu/kernel-like-program';
import { MmioBus } from '../devices/mmio-bus';
import { HostMemory } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { guestClock, hostNow } from './clock';
import { vcpuEnv } from './vcpu';

/** Programs of one pass, and instructions each runs (in calls of RUN, entered anew each time). */
const PROGRAMS = 24;
const PER_PROGRAM = 2400;
const RUN = 300;
/** The JIT's frames the training mimics (register frame, TLB arrays, jump cache), one 16 KiB slot each. */
const JIT_SCRAP_SLOT = 16 << 10;
const JIT_SCRAP_BYTES = 8 * JIT_SCRAP_SLOT; // two 64 KiB wasm pages
/** An interrupt (MSIP) every this many check points of a program that takes them. */
const IRQ_EVERY = 3;

/**
 * The interpreter's training run, once per pCPU worker before it runs any
 * guest, on a private scrap of memory: random RV32IMAC programs
 * (cpu/random-program.ts: ALU, M, loads and stores, faults, AMOs,
 * compressed code, M-mode CSRs, interrupts; in M-mode and in S-mode under
 * Sv32) and the kernel-like program (cpu/kernel-like-program.ts:
 * delegated traps, S and U-mode, SBI calls, supervisor CSRs, fences, a
 * superpage, a fetch across two pages), run by `runHart` both as the
 * interpreter engine runs it and inline as the JIT does.
 *
 * Why: V8 optimises `runHart` on the type feedback it has seen, and
 * compiles an arm never run before as a deoptimisation. A Linux boot
 * reaches new arms for a long while, so without training the interpreter
 * fell back to V8's baseline tiers ~20 times in the boot, each time until
 * TurboFan had compiled the ~1,000-line function again (30–80 ms on the
 * background thread): the first boot on a worker took 1.1–1.4 s and the
 * next one 0.55–0.6 s (2-core machine, December 2026). Trained first, a
 * boot started after the training took 0.70–0.75 s. The training takes
 * 150–230 ms, run while the host reads its kernel; a VM started at once
 * waits for its end (boot to prompt 0.93–1.07 s against 1.14–1.5 s).
 * The hart's environment has the shape a vCPU's has (vcpuEnv,
 * guestClock), so the feedback is the guest's; and what differs between
 * the training and a vCPU (the clock and handler objects, the JIT's
 * adoption of the hart's registers and TLB arrays) differs within the
 * training too, so V8's optimised code assumes none of it: traced with
 * Chromium's --trace-deopt, `runHart` is optimised once, at the training's
 * end, and never deoptimised in the boot that follows (there were 3–5
 * deoptimisations and re-optimisations before, each ~150–400 ms of
 * TurboFan on a background thread). No boot was measurably faster for it
 * on the 2-core machine: see ARCHITECTURE.md.
 */
export function warmUpInterpreter(): { instructions: number; retired: number; ms: number } {
  const t0 = hostNow();
  const mem = HostMemory.create(PROGRAM_RAM_BYTES);
  const p2m = new P2m(RAM_BASE, PROGRAM_RAM_BYTES >>> 12);
  p2m.mapLinear(0);
  let checkPoints = 0;
  let irq = false;
  let timer = false;
  const env = vcpuEnv(
    guestClock(t0),
    () => {
      // MSIP on and off at check points, so interrupts are taken (and masked ones are not).
      if (irq || ++checkPoints % IRQ_EVERY === 0) {
        irq = !irq;
        hart.setPending(3, irq);
      }
      // The SBI timer due at every other check point (STIP set there; sie.STIE is off).
      if (timer) {
        const due = hart.f[F.SBI_TIMECMP] !== 0;
        hart.f[F.SBI_TIMECMP] = due ? 0 : Infinity;
        if (!due) hart.setPending(5, false);
      }
    },
    // SBI as the hypervisor serves it: a0 = SBI_SUCCESS, a1 = 0.
    (h) => {
      h.x[10] = 0;
      h.x[11] = 0;
      return false;
    },
  );
  // The kernel-like program's device register: a write ends the run (stopRequested), as a
  // vCPU's slice does when it ends during a long MMIO exit.
  const bus = new MmioBus();
  bus.register(KERNEL_LIKE_MMIO, 0x1000, {
    name: 'warm-up io',
    read: () => 0,
    write: () => {
      hart.stopRequested = true;
    },
  });
  const hart = new Hart(new HartState(), mem, p2m, bus, env);
  // What the vCPUs bring that the training must not let V8 take for a constant (Chromium's
  // --trace-deopt, December 2026): their clocks, poll and SBI handlers are other objects and
  // functions than the training's, so the training alternates two of each. With one clock, the
  // first vCPU's env changed the field type V8 had tracked for `clock` and threw the optimised
  // interpreter away mid-compile; with one poll, "wrong call target" at the first check point.
  const clock = env.clock;
  const poll = env.poll!;
  const sbiCall = env.sbiCall!;
  const variants = [
    { clock, poll, sbiCall },
    {
      clock: { now: () => clock.now() },
      poll: (h: Hart, now: number) => poll(h, now),
      sbiCall: (h: Hart) => sbiCall(h),
    },
  ];
  const poke = {
    hart,
    poke32(addr: number, ...words: number[]) {
      for (let i = 0; i < words.length; i++)
        mem.ram32[p2m.hostOffset(addr + 4 * i) >> 2] = words[i];
    },
    poke16(addr: number, half: number) {
      mem.ram16[p2m.hostOffset(addr) >> 1] = half;
    },
  };
  // The JIT's view: runHart inline stops at hinted and newly hot pcs, on a hart the JIT has
  // adopted (jit-engine.ts run): its registers in the JIT's register frame and its TLB arrays
  // the JIT's, all in a shared WebAssembly.Memory. The training swaps them as the JIT does, so
  // V8 does not take those Hart fields for constants and throw the optimised interpreter away
  // at the first JIT run (Chromium's --trace-deopt: "dependent field type constness changed").
  const jitMem = HostMemory.create(JIT_SCRAP_BYTES);
  const jitWords = (slot: number, words: number) =>
    new Int32Array(jitMem.sab, slot * JIT_SCRAP_SLOT, words);
  const own = { x: hart.x, rTag: hart.rTag, rAdd: hart.rAdd, wTag: hart.wTag, wAdd: hart.wAdd };
  const adopted = {
    x: jitWords(0, 32),
    rTag: jitWords(1, TLB_SIZE),
    rAdd: jitWords(2, TLB_SIZE),
    wTag: jitWords(3, TLB_SIZE),
    wAdd: jitWords(4, TLB_SIZE),
  };
  const jumpCache = new JumpCache(jitWords(5, JUMP_ENTRIES), jitWords(6, JUMP_ENTRIES), 64);
  /** Instructions asked for, and those that retired (the rest trapped, as some are meant to). */
  let instructions = 0;
  let retired = 0;
  // Twice over: the code TurboFan makes while the first pass runs lacks what that pass reaches
  // later; the second pass's deoptimisations and re-optimisation leave code that has it all.
  for (let pass = 0; pass < 2; pass++) {
    for (let p = 0; p < PROGRAMS; p++) {
      const inline = p % 2 === 1;
      const kernelLike = p % 4 >= 2;
      hart.reset(0, CODE, PRIV.M);
      hart.jumpCache = inline ? jumpCache : null;
      Object.assign(hart, inline ? adopted : own);
      hart.flushTlb();
      Object.assign(env, variants[(p >> 1) % 2]);
      irq = false;
      timer = kernelLike;
      checkPoints = !kernelLike && p % 3 === 0 ? 0 : -1e9; // a third of the random programs take interrupts
      let starts: number[] = [];
      if (kernelLike) loadKernelLikeProgram(poke);
      else {
        const program = randomProgram(0x5eed + p, p % 8 === 1 ? 20 : 0);
        loadProgram(poke, program, p % 8 === 0);
        starts = program.code.map((u) => u.addr);
      }
      for (let n = 0; n < PER_PROGRAM; n += RUN) {
        // A random program's backward branches can trap it in a short loop: enter it anywhere.
        if (starts.length > 0) hart.pc = starts[((n / RUN) * 97 + p * 31) % starts.length];
        const before = hart.f[F.INSTRET];
        if (inline) {
          // As the JIT runs it: stops at block ends, hinted and hot pcs, SYSTEM instructions.
          for (let done = 0; done < RUN;) {
            runHart(hart, RUN - done, true, (n / RUN) % 2);
            done += hart.executed || RUN; // never spin on a run that ran nothing
            hart.leave = false;
            hart.wfi = false;
            hart.stopRequested = false;
          }
        } else {
          // As the interpreter engine runs it; a WFI with nothing pending ends a run early.
          for (let done = 0, runs = 0; done < RUN && runs < 8; runs++) {
            const start = hart.f[F.INSTRET];
            hart.run(RUN - done);
            done += hart.f[F.INSTRET] - start;
            hart.wfi = false;
            hart.stopRequested = false;
          }
        }
        instructions += RUN;
        retired += hart.f[F.INSTRET] - before;
        hart.wfi = false;
      }
    }
  }
  hart.jumpCache = null;
  Object.assign(hart, own);
  return { instructions, retired, ms: hostNow() - t0 };
}
