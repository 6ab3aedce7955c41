import { EXIT, type Exit, type Hart, type HartEngine, TLB_MASK, hintIndex } from '../hart';
import { F, S } from '../hart-state';
import { runHart } from '../interpreter';
import { ACCESS } from '../sv32';
import type { HostMemory } from '../../memory/host-memory';
import { CodeCache, type CodePage, type JitTuning } from './code-cache';
import { JIT_STATS } from './jit-stats';
import { JUMP_ENTRIES, JumpCache, jumpIndex, jumpValue } from './dispatch-table';
import { type ModuleExchange, moduleExchange } from './module-exchange';
import { FRAME_WORD, JIT_OFFSET, STATUS } from './translate';

/** Instructions between check points: the interpreter's CHUNK, so both engines check at the same instructions. */
const CHUNK = 4096;
/**
 * The JIT engine ("accelerated", libvirt's `<domain type='kvm'>`): one per
 * pCPU thread, behind the same `run(budget)` contract as the interpreter.
 *
 * Per thread it owns JIT_FRAMES frames of host RAM (kept out of the frame
 * pool by the host): the register frame, the read/write TLB arrays of the
 * hart it runs and the jump cache (dispatch-table.ts), where generated code
 * reaches them. A hart run by it adopts those arrays for good; when another
 * hart ran on the thread in between, the TLB (and with it the jump cache)
 * is flushed first. Its registers are copied into the register frame for
 * the run (`hart.x` points there) and home at the end.
 *
 * The loop keeps the interpreter's check points exactly: every CHUNK
 * instructions (or earlier, where the interpreter leaves its chunk: WFI,
 * a CSR write, xRET, a stop request) it checks stop requests, the SBI
 * timer, `poll` (TLB shootdowns, VM stop/pause) and interrupts. Between
 * check points it runs translated regions (code-cache.ts, translate.ts)
 * through the trampoline, which goes from region to region while the jump
 * cache knows where, and, for cold or untranslatable code, the interpreter
 * itself (`runHart` inline), which runs the rest of the chunk unless a
 * control transfer reaches a pc known to be translated or one whose entry
 * count just reached the threshold, where the dispatcher takes over again;
 * so instret, cycle, traps and interrupt points are
 * the interpreter's, instruction for instruction.
 */
export class JitEngine implements HartEngine {
  readonly name = 'jit';
  readonly cache: CodeCache;
  /** x0–x31 in the register frame (what `hart.x` is during a run). */
  readonly regs: Int32Array;
  /** The whole register frame: x0–x31, then PC, STATUS, FAULT (translate.ts). */
  readonly frameWords: Int32Array;
  readonly rTag: Int32Array;
  readonly rAdd: Int32Array;
  readonly wTag: Int32Array;
  readonly wAdd: Int32Array;
  /** The jump cache (dispatch-table.ts), in the JIT frames where the trampoline reads it. */
  readonly jumpCache: JumpCache;
  /** Instructions run by translated code (the rest ran in the interpreter). */
  translatedInstructions = 0;
  /** Calls into translated code, and runs of the interpreter. */
  entries = 0;
  interpretedRuns = 0;
  /** Instructions this engine has run: the clock of the translation queue (code-cache.ts). */
  #clock = 0;
  #owner: Hart | null = null;
  #hart: Hart | null = null;

  constructor(
    readonly mem: HostMemory,
    memory: WebAssembly.Memory,
    frames: number[],
    ctab: Int32Array,
    tuning: Partial<JitTuning> = {},
    /** This pCPU's JIT_STATS words (jit-stats.ts), published after every run. */
    readonly telemetry?: Float64Array,
    /** Modules shared with the other pCPU workers (module-exchange.ts). */
    readonly exchange?: ModuleExchange,
  ) {
    if (frames.length !== JIT_FRAMES || frames.some((f, k) => f !== frames[0] + k))
      throw new Error('JIT: needs JIT_FRAMES contiguous host frames');
    const base = frames[0] * 4096;
    const [regs, rTag, rAdd, wTag, wAdd, jumpTag, jumpVal] = [
      JIT_OFFSET.regs,
      JIT_OFFSET.rTag,
      JIT_OFFSET.rAdd,
      JIT_OFFSET.wTag,
      JIT_OFFSET.wAdd,
      JIT_OFFSET.jumpTag,
      JIT_OFFSET.jumpVal,
    ].map((o) => base + o);
    const view = (off: number) => new Int32Array(mem.sab, off, 1024);
    const fault = view(regs);
    this.regs = new Int32Array(mem.sab, regs, 32);
    this.frameWords = fault;
    this.rTag = view(rTag).fill(-1);
    this.rAdd = view(rAdd);
    this.wTag = view(wTag).fill(-1);
    this.wAdd = view(wAdd);
    this.cache = new CodeCache(
      mem.ram8,
      ctab,
      memory,
      base,
      {
        // Slow paths: misaligned accesses are the interpreter's, so a failed attempt has no side effect.
        ld: (va, f3) => {
          const h = this.#hart!;
          const size = 1 << (f3 & 3);
          if ((va & (size - 1)) !== 0) return failed(fault);
          const v = h.loadSlow(va, size as 1 | 2 | 4);
          if (h.exc) {
            h.exc = 0;
            return failed(fault);
          }
          fault[FRAME_WORD.FAULT] = 0;
          return f3 === 0
            ? (v << 24) >> 24
            : f3 === 1
              ? (v << 16) >> 16
              : f3 === 4
                ? v & 0xff
                : f3 === 5
                  ? v & 0xffff
                  : v | 0;
        },
        st: (va, v, f3) => {
          const h = this.#hart!;
          const size = 1 << f3;
          if ((va & (size - 1)) !== 0) return 1;
          h.storeSlow(va, f3 === 0 ? v & 0xff : f3 === 1 ? v & 0xffff : v, size as 1 | 2 | 4);
          if (h.exc) {
            h.exc = 0;
            return 1;
          }
          return 0;
        },
      },
      tuning,
      exchange,
    );
    // The interpreter's heat counts are 16-bit: a threshold above their range stops at their top.
    this.jumpCache = new JumpCache(
      new Int32Array(mem.sab, jumpTag, JUMP_ENTRIES),
      new Int32Array(mem.sab, jumpVal, JUMP_ENTRIES),
      Math.min(0xffff, Math.max(1, this.cache.tuning.hotThreshold)),
    );
    this.cache.onDrop = () => this.jumpCache.clear();
    this.cache.onInstall = (p, offsets) => {
      for (const o of offsets) this.jumpCache.hint((p.vpage + o) | 0);
    };
  }

  run(h: Hart, budget: number): Exit {
    if (h.rTag !== this.rTag) {
      h.rTag = this.rTag;
      h.rAdd = this.rAdd;
      h.wTag = this.wTag;
      h.wAdd = this.wAdd;
      h.jumpCache = this.jumpCache;
      this.#owner = null;
    }
    if (this.#owner !== h) {
      h.flushTlb();
      this.#owner = h;
    }
    this.regs.set(h.regsHome);
    h.x = this.regs;
    this.#hart = h;
    try {
      return this.#loop(h, budget);
    } finally {
      this.#hart = null;
      this.commitRegs(h);
      if (this.telemetry) this.#publish(this.telemetry);
    }
  }

  #publish(t: Float64Array): void {
    const st = this.cache.stats;
    t[JIT_STATS.COMPILES] = st.compiles;
    t[JIT_STATS.COMPILE_MS] = st.compileMs;
    t[JIT_STATS.CODE_BYTES] = st.codeBytes;
    t[JIT_STATS.BLOCKS] = st.blocks;
    t[JIT_STATS.PAGES] = st.pages;
    t[JIT_STATS.TRANSLATED] = this.translatedInstructions;
    t[JIT_STATS.FLUSHES] = st.flushes;
    t[JIT_STATS.STALE] = st.stale;
    t[JIT_STATS.ENTRIES] = this.entries;
    t[JIT_STATS.INTERPRETED_RUNS] = this.interpretedRuns;
    t[JIT_STATS.FAILURES] = st.failures;
    t[JIT_STATS.ADOPTED] = st.adopted;
    if (this.exchange) {
      t[JIT_STATS.SHARED_MODULES] = this.exchange.size;
      t[JIT_STATS.SHARED_BYTES] = this.exchange.bytes;
    }
  }

  /** Copies the registers home (idempotent); after it `hart.x` is the shared HartState again. */
  commitRegs(h: Hart): void {
    if (h.x === this.regs) {
      h.regsHome.set(this.regs);
      h.x = h.regsHome;
    }
  }

  /** The code page pc is fetched from now, or null when the fetch would fault. */
  #pageAt(h: Hart, pc: number): CodePage | null {
    const i = (pc >>> 12) & TLB_MASK;
    let off: number;
    if (h.xTag[i] === (((pc >>> 12) << 5) | h.imode)) off = (pc + h.xAdd[i]) | 0;
    else {
      off = h.translate(pc, ACCESS.EXEC, h.imode);
      if (off < 0) {
        h.exc = 0;
        return null;
      }
    }
    return this.cache.lookup(off >>> 12, pc >>> 12);
  }

  #loop(h: Hart, budget: number): Exit {
    const s = h.s;
    const f = h.f;
    const env = h.env;
    const regs = this.regs;
    const words = this.frameWords;
    const cache = this.cache;
    const call = cache.dispatch.call;
    const jumpCache = this.jumpCache;
    const jumpTags = jumpCache.tags;
    const jumpVals = jumpCache.vals;
    const hints = jumpCache.hints;
    const heat = jumpCache.heat;
    const xTag = h.xTag;
    const xAdd = h.xAdd;
    let pc = s[S.PC];
    let exit: Exit = EXIT.BUDGET;

    outer: while (budget > 0) {
      // ---- check point (interpreter.ts, the head of its chunk loop)
      if (h.stopRequested) {
        exit = EXIT.REQUEST;
        break;
      }
      const now = env.clock.now();
      if (now >= f[F.SBI_TIMECMP]) Atomics.or(s, S.MIP, 1 << 5);
      env.poll?.(h, now);
      const irq = h.pendingInterrupt();
      if (irq >= 0) pc = h.takeTrap(pc, irq, 0, true);
      if (cache.batchDue(this.#clock)) {
        cache.compileQueued();
      }
      const chunk = budget < CHUNK ? budget : CHUNK;
      let done = 0;

      while (done < chunk) {
        let n = chunk - done;
        /**
         * How the interpreter runs next: to the first block end after minRun
         * instructions, or (0) all n but for a stop at a translated or
         * newly hot pc (interpreter.ts).
         */
        let minRun = 0;
        // The jump cache first: pc in this fetch mode starts a block the trampoline knows.
        let entry = -1;
        const j = jumpIndex(pc);
        const v = jumpVals[j];
        if (jumpTags[j] === pc && (v & 31) === h.imode)
          entry = ((v >>> 13) << 8) | ((v >>> 5) & 0xff);
        else {
          // Translate pc for fetch; a fault or MMIO is the interpreter's to take.
          const vpn = pc >>> 12;
          const i = vpn & TLB_MASK;
          let off: number;
          if (xTag[i] === ((vpn << 5) | h.imode)) off = (pc + xAdd[i]) | 0;
          else {
            off = h.translate(pc, ACCESS.EXEC, h.imode);
            if (off < 0) {
              h.exc = 0;
              off = -1;
            }
          }
          if (off >= 0) {
            const page = cache.lookup(off >>> 12, vpn);
            const o = off & 0xfff;
            entry = page.entryIdx !== null ? page.entryIdx[o >> 1] : -1;
            if (entry >= 0) {
              jumpCache.set(pc, jumpValue(entry >> 8, entry & 0xff, h.imode));
            } else {
              // The interpreter stopped here for a hint that no longer holds (the page
              // changed or was remapped), or because the entry count reached the threshold.
              const k = hintIndex(pc);
              if (hints[k] === pc) hints[k] = -1;
              const hot = heat[k] === jumpCache.hot;
              if (hot) heat[k] = 0;
              if (hot ? cache.heated(page, o) : cache.enter(page, o)) {
                cache.request(page, o, this.#clock + done);
                if (page.entryIdx !== null && page.entryIdx[o >> 1] >= 0) continue;
              }
            }
          } else minRun = 1;
        }
        if (entry >= 0) {
          this.entries++;
          // The LR reservation travels with the call (translated LR/SC/AMOs keep it in the frame).
          words[FRAME_WORD.RES_OFF] = h.resOffset;
          words[FRAME_WORD.RES_VAL] = h.resValue;
          const r = call(entry >> 8, entry & 0xff, n, h.dmode, h.imode);
          h.resOffset = words[FRAME_WORD.RES_OFF];
          h.resValue = words[FRAME_WORD.RES_VAL];
          if (r > 0) {
            const inhibit = s[S.MCOUNTINHIBIT];
            if ((inhibit & 1) === 0) f[F.CYCLE] += r;
            if ((inhibit & 4) === 0) f[F.INSTRET] += r;
            done += r;
            this.translatedInstructions += r;
          }
          pc = words[FRAME_WORD.PC];
          const status = words[FRAME_WORD.STATUS];
          if (status === STATUS.NORMAL) {
            if (h.stopRequested) break;
            continue;
          }
          n = chunk - done;
          // BUDGET: the rest of the chunk; FAULT and STALE: the one instruction at pc, then back here.
          minRun = status === STATUS.BUDGET ? 0 : 1;
          if (status === STATUS.STALE) {
            // The trampoline may have gone on to other pages: the stale block is the one at pc.
            const at = this.#pageAt(h, pc);
            if (at) cache.invalidate(at);
          } else if (status !== STATUS.FAULT && status !== STATUS.BUDGET)
            throw new Error(`JIT: bad exit status ${status}`);
        }
        // ---- the interpreter, inline (no check point of its own)
        s[S.PC] = pc;
        this.interpretedRuns++;
        const ex = runHart(h, n, true, minRun);
        done += h.executed;
        pc = s[S.PC];
        if (ex === EXIT.WFI) {
          budget -= done;
          this.#clock += done;
          exit = EXIT.WFI;
          h.leave = false;
          break outer;
        }
        if (h.leave || h.stopRequested || h.x !== regs) {
          h.leave = false;
          break;
        }
      }
      budget -= done;
      this.#clock += done;
      if (h.x !== regs) break; // the registers went home (an HSM stop): this run is over
    }
    s[S.PC] = pc;
    return exit;
  }
}

function failed(fault: Int32Array): number {
  fault[FRAME_WORD.FAULT] = 1;
  return 0;
}

/** Host frames one pCPU's JIT needs: the register frame, four TLB arrays, and the jump cache's tags and values (four frames each). */
export const JIT_FRAMES = 13;

const engines = new WeakMap<SharedArrayBuffer, JitEngine>();

/**
 * This thread's JIT over host RAM `mem`, made on first use with `frames`
 * (JIT_FRAMES of them, kept out of the frame pool by the host); null when
 * host RAM is not a WebAssembly.Memory or there are no frames (the caller
 * then runs the interpreter).
 */
export function jitForThread(
  mem: HostMemory,
  frames: number[],
  ctab: Int32Array,
  telemetry?: Float64Array,
): JitEngine | null {
  let engine = engines.get(mem.sab);
  if (engine) return engine;
  if (!mem.wasm || frames.length !== JIT_FRAMES) return null;
  engine = new JitEngine(mem, mem.wasm, frames, ctab, {}, telemetry, moduleExchange());
  engines.set(mem.sab, engine);
  return engine;
}
