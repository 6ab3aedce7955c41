import {
  MAJOR,
  MAX_BLOCK_INSNS,
  type ScannedBlock,
  isControlTransfer,
  scanBlock,
} from './block-scan';
import { type ModuleExchange, type SharedPageModule, pageHash } from './module-exchange';
import { type PageFunction, buildPageModule, frameImport, translatePage } from './translate';
import { DispatchTable } from './dispatch-table';
import { exportName } from './wasm-emit';

/** When code is translated, and how translations are batched into modules. */
export interface JitTuning {
  /**
   * Counted entries at one offset before its page is translated. Entries
   * are counted where the interpreter stops, always at a block entry (the
   * engine runs it to the end of a block): every block in a translated
   * page, a sample of them in a cold page (jit-engine.ts COLD_RUN).
   */
  hotThreshold: number;
  /** Pages waiting for translation that make a batch: compiled together into one module. */
  batchPages: number;
  /**
   * Guest instructions (run by this engine) a page waits at most for its
   * batch to fill; 0 compiles at once. V8's cost per module (~0.8 ms,
   * wasm-emit.ts buildModule) is paid once per batch instead of per page.
   */
  batchWait: number;
}

/**
 * Measured on a Linux boot (tools/boot-profile.ts, pCPU thread CPU time
 * and the process's): 97 % of its instructions are at pcs run 64 times or
 * more, 71 % at 2048 or more, but translating costs ~2–20 µs per guest
 * instruction in the pCPU thread plus V8's compile work on its background
 * threads, and kernel code enters a region every ~10 instructions, so
 * translated boot code is only ~2× faster than interpreted. Thresholds of
 * 256–1024 translated 43–55 % of the boot and cost more CPU than 4096
 * (24 %), which is about even with the interpreter.
 */
export const DEFAULT_TUNING: JitTuning = { hotThreshold: 4096, batchPages: 16, batchWait: 200_000 };

/** Counts saturate here (Uint16). */
const COUNT_MAX = 0xffff;
/**
 * Most blocks in one region (one wasm function). Small on purpose: V8's
 * cost to enter a function, and to compile it (Liftoff, then TurboFan on
 * its background threads), grows with its size; measured with 48–64 blocks
 * a call cost ~10× one with 16.
 */
const MAX_BLOCKS_PER_REGION = 24;
/** Most regions of one page; then its remaining cold blocks stay with the interpreter. */
const MAX_REGIONS_PER_PAGE = 16;
/** How far from a seed block the blocks it reaches come along. */
const SUCCESSOR_DEPTH = 3;
/** Pages (translated or only counted) before the whole cache is flushed, as QEMU's tb_flush when its buffer is full. */
const MAX_PAGES = 4096;
/** Bytes of generated wasm before the whole cache is flushed. */
const MAX_CODE_BYTES = 64 << 20;
/** A page whose code changed this often under its translation is left to the interpreter. */
const MAX_STALE = 8;
/** Size − 1 of the direct-mapped cache of recently dispatched pages, by virtual page number. */
const RECENT_MASK = 255;
/** Instances of batch modules adopted on this thread, by batch name and the frame they are bound to. */
const MAX_BATCH_INSTANCES = 1024;

/** One page translated in a batch, before its module is built. */
interface Translated {
  p: CodePage;
  hash: number;
  fn: PageFunction;
  blocks: ScannedBlock[];
  seeds: number[];
}

export type RunFn = (entry: number, budget: number, dmode: number) => number;

/** One region of a page: a wasm function holding some of its blocks (translate.ts). */
export interface CodeRegion {
  /** Its slot in the thread's dispatch table (dispatch-table.ts). */
  slot: number;
  /** Page offset → block index in the function. */
  entries: Map<number, number>;
  bytes: number;
  /** `batch/fn`, the module and export it came from (module-exchange.ts). */
  id: string;
}

/**
 * One guest page as executed from one host frame at one virtual address:
 * block-entry counts while cold, then the regions (wasm functions) holding
 * its hot blocks, added as blocks become hot — a page is never translated
 * twice, a new hot block comes in a new region. Keyed by (host frame,
 * virtual page), so identical code in a frame KSM merged is translated
 * once for every VM mapping it.
 */
export class CodePage {
  /** Block-entry count per 2-byte offset. */
  readonly counts = new Uint16Array(2048);
  readonly regions: CodeRegion[] = [];
  /**
   * The dispatcher's lookup, per 2-byte offset: the slot of the region
   * holding the block there << 8 | its block index; -1 for none. Null
   * while the page has no region.
   */
  entryIdx: Int32Array | null = null;
  stale = 0;
  /** Waiting in the batch queue; `seeds` are the offsets that became hot meanwhile. */
  queued = false;
  readonly seeds: number[] = [];
  /** The module exchange's `gen` when this page last looked for shared regions. */
  exchangeGen = -1;
  /** Virtual page number. */
  readonly vpn: number;
  constructor(
    readonly frame: number,
    readonly vpage: number,
  ) {
    this.vpn = vpage >>> 12;
  }

  get blocks(): number {
    let n = 0;
    for (const r of this.regions) n += r.entries.size;
    return n;
  }

  get bytes(): number {
    let n = 0;
    for (const r of this.regions) n += r.bytes;
    return n;
  }
}

/** Statistics of one thread's code cache (reported by the bench and telemetry). */
export interface CodeCacheStats {
  /** Regions translated (each a wasm function; a page gets more as more of it becomes hot). */
  compiles: number;
  /** Modules compiled: one per batch of regions. */
  modules: number;
  compileMs: number;
  pages: number;
  blocks: number;
  codeBytes: number;
  flushes: number;
  stale: number;
  /** Modules the wasm engine refused (the page then stays with the interpreter). */
  failures: number;
  /** RV32A instructions (AMOs, LR/SC) in the blocks compiled so far. */
  atomics: number;
  /** Regions taken from a module another pCPU compiled (module-exchange.ts) instead of compiling. */
  adopted: number;
}

/** One pCPU thread's translations: pages by (frame, vpage), bounded, flushed whole when full. */
export class CodeCache {
  readonly #pages = new Map<number, CodePage>();
  readonly #recent: (CodePage | undefined)[] = new Array<CodePage | undefined>(
    RECENT_MASK + 1,
  ).fill(undefined);
  /** Pages waiting to be translated, and the engine's instruction clock when the first came. */
  #queue: CodePage[] = [];
  #queueSince = 0;
  /** Instances of batch modules, by batch name (several regions share one). */
  readonly #instances = new Map<string, WebAssembly.Instance>();
  /** Every installed region function, by slot: what the engine calls (dispatch-table.ts). */
  readonly dispatch: DispatchTable;
  /** Called when regions are dropped: the engine empties its jump cache, which may name their slots. */
  onDrop: (() => void) | null = null;
  /** Called when a region is installed in page `p`, with the page offsets of its blocks. */
  onInstall: ((p: CodePage, offsets: Iterable<number>) => void) | null = null;
  #batchSeq = 0;
  readonly #batchPrefix = Math.random().toString(36).slice(2, 10);
  readonly tuning: JitTuning;
  readonly stats: CodeCacheStats = {
    compiles: 0,
    modules: 0,
    compileMs: 0,
    pages: 0,
    blocks: 0,
    codeBytes: 0,
    flushes: 0,
    stale: 0,
    failures: 0,
    atomics: 0,
    adopted: 0,
  };
  lastFailure = '';

  constructor(
    readonly ram8: Uint8Array,
    readonly ctab: Int32Array,
    readonly memory: WebAssembly.Memory,
    /** Host byte offset of this pCPU's JIT frames (translate.ts JIT_OFFSET): the modules' `e.base`. */
    readonly base: number,
    readonly imports: {
      ld: (va: number, f3: number) => number;
      st: (va: number, v: number, f3: number) => number;
    },
    tuning: Partial<JitTuning> = {},
    /** Modules shared with the other pCPU workers, when there are any. */
    readonly exchange?: ModuleExchange,
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.dispatch = new DispatchTable(memory, base);
  }

  /** Counts one entry at `off` (no block of a region starts there); true when it should be translated. */
  enter(p: CodePage, off: number): boolean {
    // Modules came from other pCPUs since this page last looked: one may be this page's.
    if (this.exchange && p.exchangeGen !== this.exchange.gen) {
      p.exchangeGen = this.exchange.gen;
      this.#adoptShared(p);
      if (p.entryIdx !== null && p.entryIdx[off >> 1] >= 0) return false;
    }
    const i = off >> 1;
    const c = p.counts[i] < COUNT_MAX ? ++p.counts[i] : COUNT_MAX;
    if (p.queued || p.regions.length >= MAX_REGIONS_PER_PAGE) return false;
    const t = this.tuning.hotThreshold;
    if (c < (t < COUNT_MAX ? t : COUNT_MAX)) return false;
    if (this.translatable(p, off)) return true;
    p.counts[i] = 0; // not translatable (yet): look again after as many entries
    return false;
  }

  /**
   * The block at `off` was entered `hotThreshold` times, as the interpreter
   * counted them (jit-engine.ts): true when it should be translated.
   */
  heated(p: CodePage, off: number): boolean {
    p.counts[off >> 1] = Math.min(COUNT_MAX, this.tuning.hotThreshold);
    return this.enter(p, off);
  }

  /**
   * Queues page `p` for translation with the block at `off`; the queue is
   * compiled as one module when it holds `batchPages` pages or its oldest
   * page has waited `batchWait` instructions of the engine's clock `now`.
   */
  request(p: CodePage, off: number, now: number): void {
    p.seeds.push(off);
    if (!p.queued) {
      p.queued = true;
      if (this.#queue.length === 0) this.#queueSince = now;
      this.#queue.push(p);
    }
    if (this.batchDue(now)) this.compileQueued();
  }

  /** True when the queued pages should be compiled now. */
  batchDue(now: number): boolean {
    const q = this.#queue.length;
    return (
      q > 0 && (q >= this.tuning.batchPages || now - this.#queueSince >= this.tuning.batchWait)
    );
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * The page at (frame, virtual page number `vpn`): first from a small
   * direct-mapped cache by vpn (the dispatcher asks at every call and
   * return that changes page; a Map lookup with a 40-bit key boxes a
   * double and cost more than the translated code it finds).
   */
  lookup(frame: number, vpn: number): CodePage {
    const i = vpn & RECENT_MASK;
    const p = this.#recent[i];
    if (p !== undefined && p.frame === frame && p.vpn === vpn) return p;
    const q = this.page(frame, vpn << 12);
    this.#recent[i] = q;
    return q;
  }

  page(frame: number, vpage: number): CodePage {
    const key = frame * 1048576 + (vpage >>> 12);
    let p = this.#pages.get(key);
    if (!p) {
      if (this.#pages.size >= MAX_PAGES || this.stats.codeBytes >= MAX_CODE_BYTES) this.flush();
      p = new CodePage(frame, vpage);
      this.#pages.set(key, p);
      // This code was compiled before (another pCPU, VM or boot): take its regions now.
      this.#adoptShared(p);
    }
    return p;
  }

  #adoptShared(p: CodePage): void {
    const x = this.exchange;
    if (!x) return;
    p.exchangeGen = x.gen;
    if (!x.hasPage(p.vpage)) return;
    const t0 = performance.now();
    const list = x.find(p.vpage, pageHash(this.#frame32(p.frame)));
    if (list) for (const m of list) this.#adopt(p, m);
    this.stats.compileMs += performance.now() - t0;
  }

  /** Installs a region compiled before (here or on another pCPU), unless this page has it already. */
  #adopt(p: CodePage, m: SharedPageModule): void {
    const id = `${m.batch}/${m.fn}`;
    if (p.regions.length >= MAX_REGIONS_PER_PAGE || p.regions.some((r) => r.id === id)) return;
    // One instance per (batch, frame): the function's frame global is bound to this page's frame.
    const key = `${m.batch}@${p.frame}`;
    let instance = this.#instances.get(key);
    if (!instance) {
      instance = this.#instantiate(m.module, { [m.frameImport]: p.frame * 4096 });
      if (!instance) return;
      if (this.#instances.size >= MAX_BATCH_INSTANCES) this.#instances.clear();
      this.#instances.set(key, instance);
    }
    this.#install(p, instance.exports[m.fn] as RunFn, new Map(m.entries), m.bytes, id);
    this.stats.adopted++;
    this.exchange!.adopted++;
  }

  /** Instantiates a page module; frame globals not in `frames` are bound to 0 (their functions are not used). */
  #instantiate(
    module: WebAssembly.Module,
    frames: Record<string, number>,
  ): WebAssembly.Instance | undefined {
    try {
      const globals: Record<string, number> = {};
      for (const d of WebAssembly.Module.imports(module))
        if (d.kind === 'global' && d.name !== 'base') globals[d.name] = frames[d.name] ?? 0;
      return new WebAssembly.Instance(module, {
        e: { m: this.memory, base: this.base, ...this.imports, ...globals },
      });
    } catch (error) {
      // The engine refused the module (a size limit, a CSP without 'wasm-unsafe-eval'): this
      // page stays with the interpreter, which is always correct; counted, so it shows.
      this.stats.failures++;
      this.lastFailure = String(error);
      return undefined;
    }
  }

  /** Adds a region to `p`; its blocks take over entries no earlier region holds. */
  #install(p: CodePage, run: RunFn, entries: Map<number, number>, bytes: number, id: string): void {
    if (p.entryIdx === null) {
      p.entryIdx = new Int32Array(2048).fill(-1);
      this.stats.pages++;
    }
    const slot = this.dispatch.add(run);
    p.regions.push({ slot, entries, bytes, id });
    for (const [o, k] of entries) if (p.entryIdx[o >> 1] < 0) p.entryIdx[o >> 1] = (slot << 8) | k;
    this.onInstall?.(p, entries.keys());
    this.stats.blocks += entries.size;
    this.stats.codeBytes += bytes;
  }

  /** Drops every translation (tb_flush). */
  flush(): void {
    for (const p of this.#pages.values()) for (const r of p.regions) this.dispatch.remove(r.slot);
    this.#recent.fill(undefined);
    this.onDrop?.();
    this.#pages.clear();
    for (const p of this.#queue) p.queued = false;
    this.#queue = [];
    this.#instances.clear();
    this.stats.flushes++;
    this.stats.pages = 0;
    this.stats.blocks = 0;
    this.stats.codeBytes = 0;
  }

  /** The page's code changed under its translation: drop it (and stop translating a page that keeps changing). */
  invalidate(p: CodePage): void {
    this.stats.stale++;
    p.stale++;
    if (p.entryIdx !== null) {
      this.stats.pages--;
      this.stats.blocks -= p.blocks;
      this.stats.codeBytes -= p.bytes;
      for (const r of p.regions) this.dispatch.remove(r.slot);
      this.onDrop?.();
    }
    p.regions.length = 0;
    p.entryIdx = null;
    p.counts.fill(0); // new code: translated afresh once hot again
  }

  /** Whether the block at `off` can be translated (its first instruction is the translator's). */
  translatable(p: CodePage, off: number): boolean {
    return (
      p.stale < MAX_STALE && scanBlock(this.#frame16(p.frame), this.ctab, 0, off).insns.length > 0
    );
  }

  /**
   * Translates a region of every queued page — its seeds, its warm blocks
   * not in a region yet, and the blocks they reach directly inside the
   * page, from one copy of the page's bytes — into one module.
   */
  compileQueued(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    const t0 = performance.now();
    const made: Translated[] = [];
    for (const p of queue) {
      p.queued = false;
      const seeds = p.seeds.splice(0);
      if (p.stale >= MAX_STALE || p.regions.length >= MAX_REGIONS_PER_PAGE) continue;
      const code = this.ram8.slice(p.frame * 4096, p.frame * 4096 + 4096);
      const hash = this.exchange ? pageHash(new Int32Array(code.buffer)) : 0;
      const shared = this.exchange?.find(p.vpage, hash);
      if (shared) {
        // Another pCPU (or VM) may have compiled these blocks already.
        for (const m of shared) this.#adopt(p, m);
        if (seeds.every((o) => p.entryIdx![o >> 1] >= 0)) continue;
      }
      const blocks = this.#blocks(p, code, seeds);
      if (blocks.length === 0) continue;
      made.push({ p, hash, fn: translatePage(blocks, code, made.length, p.vpage), blocks, seeds });
    }
    if (made.length > 0) this.#build(made);
    this.stats.compileMs += performance.now() - t0;
  }

  #build(made: Translated[]): void {
    const bytes = buildPageModule(made.map((m) => m.fn));
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      this.stats.failures++;
      this.lastFailure = String(error);
      for (const m of made) m.p.stale = MAX_STALE;
      return;
    }
    const instance = this.#instantiate(
      module,
      Object.fromEntries(made.map((m, k) => [frameImport(k), m.p.frame * 4096])),
    );
    if (!instance) {
      for (const m of made) m.p.stale = MAX_STALE;
      return;
    }
    const batch = `${this.#batchPrefix}.${this.#batchSeq++}`;
    this.stats.modules++;
    made.forEach(({ p, hash, fn, blocks, seeds }, k) => {
      const name = exportName(k);
      const share = fn.body.length;
      this.#install(p, instance.exports[name] as RunFn, fn.entries, share, `${batch}/${name}`);
      // A seed left out (the region was full): counted afresh before it asks again.
      for (const o of seeds) if (!fn.entries.has(o)) p.counts[o >> 1] = 0;
      this.stats.compiles++;
      for (const b of blocks)
        for (const i of b.insns) if (((i.insn >>> 2) & 31) === MAJOR.AMO) this.stats.atomics++;
      this.exchange?.offer({
        vpage: p.vpage,
        hash,
        module,
        batch,
        fn: name,
        frameImport: frameImport(k),
        entries: [...fn.entries],
        bytes: share,
      });
    });
  }

  /** A new region's blocks for page `p`: seeds and warm offsets no region holds, then their successors. */
  #blocks(p: CodePage, code: Uint8Array, seeds: number[]): ScannedBlock[] {
    const code16 = new Uint16Array(code.buffer);
    const blocks: ScannedBlock[] = [];
    const held = p.entryIdx;
    const seen = new Set<number>();
    // Seeds: the hot blocks, then the warm ones; then what they reach directly,
    // SUCCESSOR_DEPTH steps deep, so a loop chains inside the function.
    const queue: [number, number][] = seeds.map((o) => [o, 0]);
    const warm = Math.max(1, this.tuning.hotThreshold >> 3);
    for (let o = 0; o < 4096; o += 2)
      if (p.counts[o >> 1] >= warm && (held === null || held[o >> 1] < 0)) queue.push([o, 0]);
    for (let q = 0; q < queue.length && blocks.length < MAX_BLOCKS_PER_REGION; q++) {
      const [o, depth] = queue[q];
      if (seen.has(o)) continue;
      seen.add(o);
      // A block another region holds is reached through the dispatcher.
      if (held !== null && held[o >> 1] >= 0) continue;
      const b = scanBlock(code16, this.ctab, 0, o);
      if (b.insns.length === 0) continue;
      blocks.push(b);
      if (depth < SUCCESSOR_DEPTH)
        for (const s of successors(b, p.vpage)) if (!seen.has(s)) queue.push([s, depth + 1]);
    }
    return blocks;
  }

  #frame16(frame: number): Uint16Array {
    return new Uint16Array(this.ram8.buffer, frame * 4096, 2048);
  }

  #frame32(frame: number): Int32Array {
    return new Int32Array(this.ram8.buffer, frame * 4096, 1024);
  }
}

/** Page offsets a block continues at directly (branch targets, fall-through), inside its page. */
function successors(b: ScannedBlock, vpage: number): number[] {
  const out: number[] = [];
  const last = b.insns[b.insns.length - 1];
  const pc = (vpage + last.off) | 0;
  const add = (target: number) => {
    if ((target & ~0xfff) === vpage && (target & 1) === 0) out.push(target & 0xfff);
  };
  if (!isControlTransfer(last.insn)) {
    if (b.insns.length < MAX_BLOCK_INSNS || b.end < 4096) add((vpage + b.end) | 0);
    return out;
  }
  const insn = last.insn;
  switch ((insn >>> 2) & 31) {
    case 24: // BRANCH
      add(
        (pc +
          (((insn >> 31) << 12) |
            ((insn << 4) & 0x800) |
            ((insn >> 20) & 0x7e0) |
            ((insn >> 7) & 0x1e))) |
          0,
      );
      add((pc + last.len) | 0);
      break;
    case 27: // JAL
      add(
        (pc +
          (((insn >> 31) << 20) |
            (insn & 0xff000) |
            ((insn >> 9) & 0x800) |
            ((insn >> 20) & 0x7fe))) |
          0,
      );
      // A call (rd = ra or t0): where it returns is run next, through the dispatcher.
      if (((insn >> 7) & 31) !== 0) add((pc + last.len) | 0);
      break;
    case 25: // JALR: an indirect call returns after it too
      if (((insn >> 7) & 31) !== 0) add((pc + last.len) | 0);
      break;
    default:
      break;
  }
  return out;
}
