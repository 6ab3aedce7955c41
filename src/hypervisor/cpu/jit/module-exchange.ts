/**
 * Compiled page modules shared between pCPU workers: a module compiled on
 * one pCPU is posted (through the control worker, which relays it to the
 * other pCPUs: `PcpuReport` 'jit-module' → `PcpuCommand` 'jit-modules') and
 * adopted by the others instead of compiled again. WebAssembly.Module is
 * structured-cloneable between workers of one agent cluster (browsers'
 * dedicated workers, Node's worker_threads): the compiled code is shared,
 * each worker only instantiates it (~0.05 ms against ~1–3 ms to translate
 * and compile).
 *
 * A module is portable because it depends only on the page's bytes, its
 * host frame and virtual page (embedded), never on the pCPU: the pCPU's
 * register frame and TLB arrays are reached through the imported global
 * `e.base` (translate.ts JIT_OFFSET). Keyed by (host frame, virtual page)
 * and checked by a hash of the page's bytes, so identical code in a frame
 * KSM merged is compiled once for every VM and pCPU; and a block still
 * compares its bytes on first entry, so a module whose page has changed
 * since is never run (it returns STALE, as a local one would).
 */

/** What one pCPU hands the others for one region (function) of a page it compiled. */
export interface SharedPageModule {
  frame: number;
  vpage: number;
  /** pageHash of the bytes it was translated from. */
  hash: number;
  /** The module holding this page's function, and possibly other pages' (a batch). */
  module: WebAssembly.Module;
  /** Unique name of that module, so a thread instantiates a batch once for all its pages. */
  batch: string;
  /** The export of this page's function. */
  fn: string;
  /** Page offset → block index, for the blocks it holds. */
  entries: [number, number][];
  /** Size of its share of the module's wasm, bytes. */
  bytes: number;
}

/** Most modules one thread keeps for adoption (oldest dropped first), and their wasm bytes. */
const MAX_MODULES = 2048;
const MAX_BYTES = 32 << 20;

/** FNV-1a over the page's 32-bit words (its bytes as Int32, little-endian). */
export function pageHash(words: Int32Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h;
}

export function moduleKey(frame: number, vpage: number): number {
  return frame * 1048576 + (vpage >>> 12);
}

/** One thread's shared-module table: modules offered here or received from other pCPUs. */
export class ModuleExchange {
  /** Insertion order is recency: a module used or replaced moves to the end. */
  readonly #modules = new Map<number, SharedPageModule[]>();
  bytes = 0;
  /** Modules received from other pCPUs, and adopted here instead of compiling. */
  received = 0;
  /** Bumped by each batch received: a cold page looks again only when it moved. */
  gen = 0;
  adopted = 0;
  /** Set by the pCPU worker: posts a module this thread compiled to the other pCPUs. */
  publish: ((m: SharedPageModule) => void) | null = null;

  constructor(
    readonly maxModules = MAX_MODULES,
    readonly maxBytes = MAX_BYTES,
  ) {}

  get size(): number {
    return this.#modules.size;
  }

  /** A module compiled on this thread: kept, and posted to the others. */
  offer(m: SharedPageModule): void {
    this.#put(m);
    this.publish?.(m);
  }

  /** Modules compiled on other pCPUs. */
  receive(list: SharedPageModule[]): void {
    this.gen++;
    for (const m of list) {
      this.received++;
      this.#put(m);
    }
  }

  has(frame: number, vpage: number): boolean {
    return this.#modules.has(moduleKey(frame, vpage));
  }

  /** The regions of this page made from bytes hashing to `hash` (most recent use first out of the table last). */
  find(frame: number, vpage: number, hash: number): SharedPageModule[] | undefined {
    const key = moduleKey(frame, vpage);
    const list = this.#modules.get(key);
    if (!list || list[0].hash !== hash) return undefined;
    this.#modules.delete(key);
    this.#modules.set(key, list);
    return list;
  }

  /** Adds a region to its page's list; regions made from other bytes (the page changed) go. */
  #put(m: SharedPageModule): void {
    const key = moduleKey(m.frame, m.vpage);
    let list = this.#modules.get(key);
    if (list) {
      this.#modules.delete(key);
      if (list[0].hash !== m.hash) {
        for (const old of list) this.bytes -= old.bytes;
        list = [];
      } else {
        const same = list.find((r) => r.batch === m.batch && r.fn === m.fn);
        if (same) {
          this.bytes -= same.bytes;
          list = list.filter((r) => r !== same);
        }
      }
    } else list = [];
    list.push(m);
    this.#modules.set(key, list);
    this.bytes += m.bytes;
    for (const [k, v] of this.#modules) {
      if (this.#modules.size <= this.maxModules && this.bytes <= this.maxBytes) break;
      this.#modules.delete(k);
      for (const r of v) this.bytes -= r.bytes;
    }
  }
}

let thisThread: ModuleExchange | undefined;

/** This thread's exchange (one per pCPU worker). */
export function moduleExchange(): ModuleExchange {
  return (thisThread ??= new ModuleExchange());
}
