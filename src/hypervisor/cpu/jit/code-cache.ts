import {
  MAJOR,
  MAX_BLOCK_INSNS,
  type ScannedBlock,
  isControlTransfer,
  scanBlock,
} from './block-scan';
import { type ModuleExchange, type SharedPageModule, pageHash } from './module-exchange';
import { translatePage } from './translate';

/**
 * Entries (or ends of interpreter bursts) at one offset before its page is
 * translated. High on purpose: a Linux boot runs most code a few times, and
 * compiling it costs more than interpreting it (measured: a threshold of
 * 128 made the boot 2.5× slower than the interpreter, 2048–4096 as fast).
 */
export const HOT_THRESHOLD = 2048;
/** Counts saturate here (Uint16). */
const COUNT_MAX = 0xffff;
/** Most blocks in one page's module. */
const MAX_BLOCKS_PER_PAGE = 48;
/** How far from a seed block the blocks it reaches come along. */
const SUCCESSOR_DEPTH = 3;
/** Pages (translated or only counted) before the whole cache is flushed, as QEMU's tb_flush when its buffer is full. */
const MAX_PAGES = 4096;
/** Bytes of generated wasm before the whole cache is flushed. */
const MAX_CODE_BYTES = 64 << 20;
/** Translations of one page (each adds the blocks that became hot); then it stays as it is. */
const MAX_COMPILES_PER_PAGE = 8;
/** A page whose code changed this often under its translation is left to the interpreter. */
const MAX_STALE = 8;

export type RunFn = (entry: number, budget: number, dmode: number) => number;

/**
 * One guest page as executed from one host frame at one virtual address:
 * block-entry counts while cold, then one compiled module holding its hot
 * blocks (translate.ts). Keyed by (host frame, virtual page), so identical
 * code in a frame KSM merged is translated once for every VM mapping it.
 */
export class CodePage {
  /** Block-entry count per 2-byte offset. */
  readonly counts = new Uint16Array(2048);
  run: RunFn | null = null;
  entries: Map<number, number> | null = null;
  bytes = 0;
  stale = 0;
  compiles = 0;
  /** The module exchange's `gen` when this page last looked for a shared module. */
  exchangeGen = -1;
  constructor(
    readonly frame: number,
    readonly vpage: number,
  ) {}

  drop(): void {
    this.run = null;
    this.entries = null;
    this.bytes = 0;
  }
}

/** Statistics of one thread's code cache (reported by the bench and telemetry). */
export interface CodeCacheStats {
  compiles: number;
  compileMs: number;
  pages: number;
  blocks: number;
  codeBytes: number;
  flushes: number;
  stale: number;
  /** Modules the wasm engine refused (the page then stays with the interpreter). */
  failures: number;
  /** RV32A instructions (AMOs, LR/SC) in the blocks compiled so far, recompilations included. */
  atomics: number;
  /** Pages that took a module another pCPU compiled (module-exchange.ts) instead of compiling. */
  adopted: number;
}

/** One pCPU thread's translations: pages by (frame, vpage), bounded, flushed whole when full. */
export class CodeCache {
  readonly #pages = new Map<number, CodePage>();
  readonly stats: CodeCacheStats = {
    compiles: 0,
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
    readonly hotThreshold = HOT_THRESHOLD,
    /** Modules shared with the other pCPU workers, when there are any. */
    readonly exchange?: ModuleExchange,
  ) {}

  /** Counts one entry at `off`; true when the page should be (re)compiled for it. */
  enter(p: CodePage, off: number): boolean {
    // Modules came from other pCPUs since this page last looked: one may be this page's.
    if (p.run === null && this.exchange && p.exchangeGen !== this.exchange.gen) {
      p.exchangeGen = this.exchange.gen;
      this.#adoptShared(p);
      if (p.run) return false;
    }
    const i = off >> 1;
    const c = p.counts[i] < COUNT_MAX ? ++p.counts[i] : COUNT_MAX;
    // A page already translated is hot: a new entry into it (a return address, say) is added
    // sooner, at 1/16 of the threshold, and each recompilation waits twice as long as the last.
    if (p.compiles >= MAX_COMPILES_PER_PAGE) return false;
    const k = p.compiles < 5 ? p.compiles : 5;
    const need = p.compiles === 0 ? this.hotThreshold : Math.max(1, this.hotThreshold >> 4) << k;
    if (c < (need < COUNT_MAX ? need : COUNT_MAX)) return false;
    if (this.translatable(p, off)) return true;
    p.counts[i] = 0; // not translatable (yet): look again after as many entries
    return false;
  }

  page(frame: number, vpage: number): CodePage {
    const key = frame * 1048576 + (vpage >>> 12);
    let p = this.#pages.get(key);
    if (!p) {
      if (this.#pages.size >= MAX_PAGES || this.stats.codeBytes >= MAX_CODE_BYTES) this.flush();
      p = new CodePage(frame, vpage);
      this.#pages.set(key, p);
      // Another pCPU found this page hot and compiled it: take its module now.
      this.#adoptShared(p);
    }
    return p;
  }

  #adoptShared(p: CodePage): void {
    const x = this.exchange;
    if (!x) return;
    p.exchangeGen = x.gen;
    if (!x.has(p.frame, p.vpage)) return;
    const t0 = performance.now();
    const m = x.find(p.frame, p.vpage, pageHash(this.#frame32(p.frame)));
    if (m) this.#adopt(p, m, t0);
  }

  #adopt(p: CodePage, m: SharedPageModule, t0: number): void {
    const instance = this.#instantiate(m.module);
    if (!instance) return;
    this.#install(p, instance, new Map(m.entries), m.bytes);
    this.stats.adopted++;
    this.exchange!.adopted++;
    this.stats.compileMs += performance.now() - t0;
  }

  #instantiate(module: WebAssembly.Module): WebAssembly.Instance | undefined {
    try {
      return new WebAssembly.Instance(module, {
        e: { m: this.memory, base: this.base, ...this.imports },
      });
    } catch (error) {
      // The engine refused the module (a size limit, a CSP without 'wasm-unsafe-eval'): this
      // page stays with the interpreter, which is always correct; counted, so it shows.
      this.stats.failures++;
      this.lastFailure = String(error);
      return undefined;
    }
  }

  #install(
    p: CodePage,
    instance: WebAssembly.Instance,
    entries: Map<number, number>,
    bytes: number,
  ): void {
    if (p.run) {
      this.stats.blocks -= p.entries?.size ?? 0;
      this.stats.codeBytes -= p.bytes;
    } else this.stats.pages++;
    p.run = instance.exports.run as RunFn;
    p.entries = entries;
    p.bytes = bytes;
    p.compiles++;
    this.stats.blocks += entries.size;
    this.stats.codeBytes += bytes;
  }

  /** Drops every translation (tb_flush). */
  flush(): void {
    this.#pages.clear();
    this.stats.flushes++;
    this.stats.pages = 0;
    this.stats.blocks = 0;
    this.stats.codeBytes = 0;
  }

  /** The page's code changed under its translation: drop it (and stop translating a page that keeps changing). */
  invalidate(p: CodePage): void {
    this.stats.stale++;
    p.stale++;
    if (p.run) {
      this.stats.pages--;
      this.stats.blocks -= p.entries?.size ?? 0;
      this.stats.codeBytes -= p.bytes;
    }
    p.drop();
    p.compiles = 0; // new code: translated afresh once hot again
    p.counts.fill(0);
  }

  /** Whether the block at `off` can be translated (its first instruction is the translator's). */
  translatable(p: CodePage, off: number): boolean {
    return (
      p.stale < MAX_STALE && scanBlock(this.#frame16(p.frame), this.ctab, 0, off).insns.length > 0
    );
  }

  /**
   * Translates page `p`: the hot blocks, the block at `off`, and the blocks
   * they reach directly inside the page, from one copy of the page's bytes.
   */
  compile(p: CodePage, off: number): void {
    const t0 = performance.now();
    const code = this.ram8.slice(p.frame * 4096, p.frame * 4096 + 4096);
    const code16 = new Uint16Array(code.buffer);
    const blocks: ScannedBlock[] = [];
    const seen = new Set<number>();
    // Seeds: this block, the blocks already translated, the warm ones; then what they reach
    // directly, SUCCESSOR_DEPTH steps deep, so a loop chains inside the module.
    const queue: [number, number][] = [[off, 0]];
    const old = p.entries;
    if (old) for (const o of old.keys()) queue.push([o, 0]);
    const warm = this.hotThreshold >> 3;
    for (let o = 0; o < 4096; o += 2) if (p.counts[o >> 1] >= warm) queue.push([o, 0]);
    while (queue.length > 0 && blocks.length < MAX_BLOCKS_PER_PAGE) {
      const [o, depth] = queue.shift()!;
      if (seen.has(o)) continue;
      seen.add(o);
      const b = scanBlock(code16, this.ctab, 0, o);
      if (b.insns.length === 0) continue;
      blocks.push(b);
      if (depth < SUCCESSOR_DEPTH)
        for (const s of successors(b, p.vpage)) if (!seen.has(s)) queue.push([s, depth + 1]);
    }
    if (blocks.length === 0) return;
    const hash = this.exchange ? pageHash(new Int32Array(code.buffer)) : 0;
    const shared = this.exchange?.find(p.frame, p.vpage, hash);
    if (shared && shared.entries.some(([o]) => o === off)) {
      // Another pCPU already compiled this block (blocks only warm here come in a later recompilation).
      this.#adopt(p, shared, t0);
      return;
    }
    const { bytes, entries } = translatePage(blocks, code, p.frame, p.vpage);
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (error) {
      this.stats.failures++;
      this.lastFailure = String(error);
      p.stale = MAX_STALE;
      return;
    }
    const instance = this.#instantiate(module);
    if (!instance) {
      p.stale = MAX_STALE;
      return;
    }
    this.#install(p, instance, entries, bytes.length);
    this.stats.compiles++;
    for (const b of blocks)
      for (const i of b.insns) if (((i.insn >>> 2) & 31) === MAJOR.AMO) this.stats.atomics++;
    this.stats.compileMs += performance.now() - t0;
    this.exchange?.offer({
      frame: p.frame,
      vpage: p.vpage,
      hash,
      module,
      entries: [...entries],
      bytes: bytes.length,
    });
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
      break;
    default:
      break;
  }
  return out;
}
