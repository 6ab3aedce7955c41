/**
 * JIT telemetry: per pCPU, Float64 words written by that pCPU's JIT after
 * every run (plain stores; readers accept a value one run old), read by the
 * control worker for hostInfo and the bench. Host-wide, in one
 * SharedArrayBuffer of JIT_STATS.WORDS × 8 bytes per pCPU.
 */
export const JIT_STATS = {
  /** Regions translated (wasm functions; a page gets another as more of it becomes hot). */
  COMPILES: 0,
  /** Time spent translating, compiling and instantiating, ms. */
  COMPILE_MS: 1,
  /** Bytes of wasm in the code cache now. */
  CODE_BYTES: 2,
  /** Blocks and pages in the code cache now. */
  BLOCKS: 3,
  PAGES: 4,
  /** Guest instructions run by translated code (the rest ran in the interpreter). */
  TRANSLATED: 5,
  /** Whole-cache flushes (it was full) and translations dropped because their code changed. */
  FLUSHES: 6,
  STALE: 7,
  /** Calls from the dispatcher into translated code, and interpreter runs (cold code, faults). */
  ENTRIES: 8,
  INTERPRETED_RUNS: 9,
  /** Modules the wasm engine refused (those pages stay with the interpreter). */
  FAILURES: 10,
  /** Regions taken from a module another pCPU compiled, instead of compiling (module-exchange.ts). */
  ADOPTED: 11,
  /** Modules this pCPU keeps for adoption (its own and the others'), and their wasm bytes. */
  SHARED_MODULES: 12,
  SHARED_BYTES: 13,
  WORDS: 16,
} as const;

export interface JitStats {
  compiles: number;
  compileMs: number;
  codeBytes: number;
  blocks: number;
  pages: number;
  translatedInstructions: number;
  flushes: number;
  stale: number;
  entries: number;
  interpretedRuns: number;
  failures: number;
  adopted: number;
  sharedModules: number;
  sharedBytes: number;
}

/** Sums the figures of `pcpus` pCPUs. */
export function readJitStats(sab: SharedArrayBuffer, pcpus: number): JitStats {
  const f = new Float64Array(sab);
  const sum = (w: number) => {
    let s = 0;
    for (let p = 0; p < pcpus; p++) s += f[p * JIT_STATS.WORDS + w];
    return s;
  };
  return {
    compiles: sum(JIT_STATS.COMPILES),
    compileMs: sum(JIT_STATS.COMPILE_MS),
    codeBytes: sum(JIT_STATS.CODE_BYTES),
    blocks: sum(JIT_STATS.BLOCKS),
    pages: sum(JIT_STATS.PAGES),
    translatedInstructions: sum(JIT_STATS.TRANSLATED),
    flushes: sum(JIT_STATS.FLUSHES),
    stale: sum(JIT_STATS.STALE),
    entries: sum(JIT_STATS.ENTRIES),
    interpretedRuns: sum(JIT_STATS.INTERPRETED_RUNS),
    failures: sum(JIT_STATS.FAILURES),
    adopted: sum(JIT_STATS.ADOPTED),
    sharedModules: sum(JIT_STATS.SHARED_MODULES),
    sharedBytes: sum(JIT_STATS.SHARED_BYTES),
  };
}
