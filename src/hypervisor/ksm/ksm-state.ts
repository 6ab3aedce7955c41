/**
 * ksmd's knobs and statistics in shared memory, named as Linux's
 * /sys/kernel/mm/ksm/ (Documentation/admin-guide/mm/ksm.rst). The control
 * worker writes knobs and bumps GEN (ksmd sleeps on GEN, so a change wakes
 * it); ksmd writes the statistics after every batch; the UI reads them.
 *
 * Layout: Int32 words KSM.* (bytes 0–127), then Float64 words KSMF.*
 * (from byte 128).
 */
export const KSM = {
  // knobs
  /** 0 stop, 1 run, 2 stop and unmerge every merged page. */
  RUN: 0,
  PAGES_TO_SCAN: 1,
  SLEEP_MILLISECS: 2,
  /** Merge empty pages with the shared zero frame (counted in ksm_zero_pages). */
  USE_ZERO_PAGES: 3,
  /** Most mappings of one KSM page; more make a duplicate stable node. */
  MAX_PAGE_SHARING: 4,
  /** Skip pages that keep failing to merge, for longer each time (Linux 6.7+). */
  SMART_SCAN: 5,
  /** Bumped (and notified) by the host on any knob change or VM added/removed. */
  GEN: 7,
  // statistics
  PAGES_SHARED: 8,
  PAGES_SHARING: 9,
  PAGES_UNSHARED: 10,
  PAGES_VOLATILE: 11,
  FULL_SCANS: 12,
  KSM_ZERO_PAGES: 13,
  /** rmap items: pages ksmd tracks (one checksum each). */
  RMAP_ITEMS: 14,
  /** Contents with more than one stable node (max_page_sharing reached). */
  STABLE_NODE_CHAINS: 15,
  STABLE_NODE_DUPS: 16,
  /** Pages smart_scan skipped (cumulative). */
  PAGES_SKIPPED: 17,
  /** Set by the host to end the ksmd worker. */
  SHUTDOWN: 20,
  /** 1 while ksmd scans, 0 while it sleeps (for the UI). */
  SCANNING: 21,
  /** run=2 finished: every page unmerged (or out of memory: -1). */
  UNMERGED: 22,
  WORDS: 32,
} as const;

export const KSMF = {
  /** Pages checksummed (cumulative; Float64 so it never wraps). */
  PAGES_SCANNED: 0,
  /** Milliseconds ksmd spent scanning (cumulative), for the scan rate. */
  SCAN_MS: 1,
  /** Successful merges (cumulative). */
  MERGES: 2,
  WORDS: 8,
} as const;

export const KSM_STATE_BYTES = KSM.WORDS * 4 + KSMF.WORDS * 8;

/**
 * Bytes of our per-page bookkeeping (an Int32 checksum and a state byte,
 * rounded up): the `sizeof(rmap_item)` of general_profit. Linux's is 64 B.
 */
export const RMAP_ITEM_BYTES = 8;

/** Linux's defaults (mm/ksm.c). */
export const KSM_DEFAULTS = {
  run: 0,
  pages_to_scan: 100,
  sleep_millisecs: 20,
  use_zero_pages: 0,
  max_page_sharing: 256,
  smart_scan: 1,
} as const;

export type KsmKnobs = { -readonly [K in keyof typeof KSM_DEFAULTS]: number };

export interface KsmStats {
  pages_shared: number;
  pages_sharing: number;
  pages_unshared: number;
  pages_volatile: number;
  pages_scanned: number;
  full_scans: number;
  ksm_zero_pages: number;
  stable_node_chains: number;
  stable_node_dups: number;
  pages_skipped: number;
  general_profit: number;
  /** Ours: cumulative time ksmd spent scanning, ms, and merges done. */
  scan_ms: number;
  merges: number;
}

export function createKsmState(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(KSM_STATE_BYTES);
  const w = new Int32Array(sab, 0, KSM.WORDS);
  w[KSM.RUN] = KSM_DEFAULTS.run;
  w[KSM.PAGES_TO_SCAN] = KSM_DEFAULTS.pages_to_scan;
  w[KSM.SLEEP_MILLISECS] = KSM_DEFAULTS.sleep_millisecs;
  w[KSM.USE_ZERO_PAGES] = KSM_DEFAULTS.use_zero_pages;
  w[KSM.MAX_PAGE_SHARING] = KSM_DEFAULTS.max_page_sharing;
  w[KSM.SMART_SCAN] = KSM_DEFAULTS.smart_scan;
  return sab;
}

export class KsmState {
  readonly w: Int32Array;
  readonly f: Float64Array;
  constructor(readonly sab: SharedArrayBuffer) {
    this.w = new Int32Array(sab, 0, KSM.WORDS);
    this.f = new Float64Array(sab, KSM.WORDS * 4, KSMF.WORDS);
  }

  knobs(): KsmKnobs {
    const w = this.w;
    return {
      run: Atomics.load(w, KSM.RUN),
      pages_to_scan: Atomics.load(w, KSM.PAGES_TO_SCAN),
      sleep_millisecs: Atomics.load(w, KSM.SLEEP_MILLISECS),
      use_zero_pages: Atomics.load(w, KSM.USE_ZERO_PAGES),
      max_page_sharing: Atomics.load(w, KSM.MAX_PAGE_SHARING),
      smart_scan: Atomics.load(w, KSM.SMART_SCAN),
    };
  }

  /**
   * Sets knobs with Linux's rules (ksm.c *_store): run 0–2; pages_to_scan
   * ≥ 0; sleep_millisecs ≥ 0; use_zero_pages and smart_scan 0/1; max_page_sharing ≥ 2 and
   * unchangeable while pages are shared (EBUSY). Throws RangeError naming
   * the knob; nothing is changed then.
   */
  setKnobs(knobs: Partial<KsmKnobs>): void {
    const check = (name: keyof KsmKnobs, ok: (v: number) => boolean, rule: string) => {
      const v = knobs[name];
      if (v !== undefined && (!Number.isInteger(v) || !ok(v)))
        throw new RangeError(`invalid value for ${name}: ${v} (${rule})`);
    };
    check('run', (v) => v >= 0 && v <= 2, 'must be 0, 1 or 2');
    check('pages_to_scan', (v) => v >= 0 && v <= 2 ** 31 - 1, 'must be a non-negative integer');
    check('sleep_millisecs', (v) => v >= 0 && v <= 2 ** 31 - 1, 'must be a non-negative integer');
    check('use_zero_pages', (v) => v === 0 || v === 1, 'must be 0 or 1');
    check('max_page_sharing', (v) => v >= 2 && v <= 2 ** 31 - 1, 'must be at least 2');
    check('smart_scan', (v) => v === 0 || v === 1, 'must be 0 or 1');
    const w = this.w;
    if (
      knobs.max_page_sharing !== undefined &&
      knobs.max_page_sharing !== Atomics.load(w, KSM.MAX_PAGE_SHARING) &&
      Atomics.load(w, KSM.PAGES_SHARED) > 0
    ) {
      throw new RangeError('max_page_sharing cannot change while pages are shared (EBUSY)');
    }
    if (knobs.run !== undefined) {
      if (knobs.run === 2) Atomics.store(w, KSM.UNMERGED, 0);
      Atomics.store(w, KSM.RUN, knobs.run);
    }
    if (knobs.pages_to_scan !== undefined) Atomics.store(w, KSM.PAGES_TO_SCAN, knobs.pages_to_scan);
    if (knobs.sleep_millisecs !== undefined)
      Atomics.store(w, KSM.SLEEP_MILLISECS, knobs.sleep_millisecs);
    if (knobs.use_zero_pages !== undefined)
      Atomics.store(w, KSM.USE_ZERO_PAGES, knobs.use_zero_pages);
    if (knobs.max_page_sharing !== undefined)
      Atomics.store(w, KSM.MAX_PAGE_SHARING, knobs.max_page_sharing);
    if (knobs.smart_scan !== undefined) Atomics.store(w, KSM.SMART_SCAN, knobs.smart_scan);
    this.kick();
  }

  /** Wakes ksmd to look at knobs and messages. */
  kick(): void {
    Atomics.add(this.w, KSM.GEN, 1);
    Atomics.notify(this.w, KSM.GEN);
  }

  stats(): KsmStats {
    const w = this.w;
    const sharing = Atomics.load(w, KSM.PAGES_SHARING);
    const zero = Atomics.load(w, KSM.KSM_ZERO_PAGES);
    return {
      pages_shared: Atomics.load(w, KSM.PAGES_SHARED),
      pages_sharing: sharing,
      pages_unshared: Atomics.load(w, KSM.PAGES_UNSHARED),
      pages_volatile: Atomics.load(w, KSM.PAGES_VOLATILE),
      pages_scanned: this.f[KSMF.PAGES_SCANNED],
      full_scans: Atomics.load(w, KSM.FULL_SCANS),
      ksm_zero_pages: zero,
      stable_node_chains: Atomics.load(w, KSM.STABLE_NODE_CHAINS),
      stable_node_dups: Atomics.load(w, KSM.STABLE_NODE_DUPS),
      pages_skipped: Atomics.load(w, KSM.PAGES_SKIPPED),
      general_profit: (sharing + zero) * 4096 - Atomics.load(w, KSM.RMAP_ITEMS) * RMAP_ITEM_BYTES,
      scan_ms: this.f[KSMF.SCAN_MS],
      merges: this.f[KSMF.MERGES],
    };
  }
}
