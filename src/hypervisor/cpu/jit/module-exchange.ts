/**
 * Compiled page modules shared between pCPU workers, and between the VMs
 * on each: a module compiled on one pCPU is kept for this thread's other
 * pages with the same code, and posted (through the control worker, which
 * relays it to the other pCPUs: `PcpuReport` 'jit-module' → `PcpuCommand`
 * 'jit-modules') and adopted by the others instead of compiled again.
 * WebAssembly.Module is structured-cloneable between workers of one agent
 * cluster (browsers' dedicated workers, Node's worker_threads): the
 * compiled code is shared, each worker only instantiates it (~0.05–0.3 ms
 * against ~1–3 ms to translate and compile).
 *
 * A module is portable because it depends only on the page's bytes and its
 * virtual page (embedded), never on the pCPU or the host frame: the pCPU's
 * register frame and TLB arrays are reached through the imported global
 * `e.base` (translate.ts JIT_OFFSET), and each function's frame through its
 * own imported global, bound at instantiation. Keyed by (virtual page, hash
 * of the page's bytes), so the same code at the same address — the same
 * kernel in another VM, or after a reboot, in whatever frames it landed —
 * is compiled once per host; and a block still compares its bytes on first
 * entry, so a module whose bytes differ (a hash collision, or the page
 * changed since) is never run (it returns STALE, as a local one would).
 */

/** What one pCPU hands the others for one region (function) of a page it compiled. */
export interface SharedPageModule {
  vpage: number;
  /** pageHash of the bytes it was translated from. */
  hash: number;
  /** The module holding this page's function, and possibly other pages' (a batch). */
  module: WebAssembly.Module;
  /** Unique name of that module, so a thread instantiates a batch once for all its pages. */
  batch: string;
  /** The export of this page's function. */
  fn: string;
  /** The import of its frame address global (translate.ts frameImport). */
  frameImport: string;
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

/** (virtual page number, hash) as one exact double: 20 + 32 bits. */
export function moduleKey(vpage: number, hash: number): number {
  return (vpage >>> 12) * 4294967296 + (hash >>> 0);
}

/** One thread's shared-module table: modules offered here or received from other pCPUs. */
export class ModuleExchange {
  /** Insertion order is recency: a module used or replaced moves to the end. */
  readonly #modules = new Map<number, SharedPageModule[]>();
  /** Keys per virtual page number: a page whose address has none needs no hash. */
  readonly #vpns = new Map<number, number>();
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

  /** Whether any module was made from a page at `vpage`. */
  hasPage(vpage: number): boolean {
    return this.#vpns.has(vpage >>> 12);
  }

  /** The regions made from a page at `vpage` whose bytes hash to `hash` (now the most recently used). */
  find(vpage: number, hash: number): SharedPageModule[] | undefined {
    const key = moduleKey(vpage, hash);
    const list = this.#modules.get(key);
    if (!list) return undefined;
    this.#modules.delete(key);
    this.#modules.set(key, list);
    return list;
  }

  /** Adds a region to its page's list (the same region again replaces it). */
  #put(m: SharedPageModule): void {
    const key = moduleKey(m.vpage, m.hash);
    let list = this.#modules.get(key);
    if (list) {
      this.#modules.delete(key);
      const same = list.find((r) => r.batch === m.batch && r.fn === m.fn);
      if (same) {
        this.bytes -= same.bytes;
        list = list.filter((r) => r !== same);
      }
    } else {
      list = [];
      const vpn = m.vpage >>> 12;
      this.#vpns.set(vpn, (this.#vpns.get(vpn) ?? 0) + 1);
    }
    list.push(m);
    this.#modules.set(key, list);
    this.bytes += m.bytes;
    for (const [k, v] of this.#modules) {
      if (this.#modules.size <= this.maxModules && this.bytes <= this.maxBytes) break;
      this.#modules.delete(k);
      const vpn = v[0].vpage >>> 12;
      const n = this.#vpns.get(vpn)! - 1;
      if (n > 0) this.#vpns.set(vpn, n);
      else this.#vpns.delete(vpn);
      for (const r of v) this.bytes -= r.bytes;
    }
  }
}

let thisThread: ModuleExchange | undefined;

/** This thread's exchange (one per pCPU worker). */
export function moduleExchange(): ModuleExchange {
  return (thisThread ??= new ModuleExchange());
}
