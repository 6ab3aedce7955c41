import type { FramePool } from '../memory/frame-pool';
import { P2M } from '../memory/p2m';
import { pageChecksum, pageIsZero, pagesEqual } from './page-compare';
import { KSM, KSMF, type KsmState } from './ksm-state';

/** One VM whose RAM may be merged (QEMU's mem-merge=on; not libvirt's nosharepages). */
export interface KsmVm {
  vm: number;
  /** The VM's p2m (memory/p2m.ts entries). */
  table: Int32Array;
  /** Its MEM_STAT counters: RESIDENT (index 0) and the KSM words ksmd writes. */
  counters: Int32Array;
  /** True once the VM is stopping: leave it alone. */
  gone(): boolean;
  /** Shoots down the VM's translations (host/shootdown.ts); returns when none can reach an old frame. */
  shootdown(): void;
}

/** MEM_STAT indices ksmd maintains (host/vm-shared.ts). */
export const KSM_COUNTERS = { RESIDENT: 0, RMAP_ITEMS: 1, MERGING: 2, ZERO: 3 } as const;

interface Tracked {
  vm: KsmVm;
  /** rmap items: the checksum of each guest page at its last scan. */
  old: Int32Array;
  /** 1 where the page has an rmap item. */
  has: Uint8Array;
  /** smart_scan: scans of the page without a merge (saturating), and scans left to skip. */
  age: Uint8Array;
  skips: Uint8Array;
}

/**
 * Kernel samepage merging for guest RAM (mm/ksm.c, cmp_and_merge_page).
 * For each mapped guest page in turn:
 *  1. if an identical page is in the stable tree, map that (read-only);
 *  2. else if its checksum changed since the last scan, it is volatile: remember the checksum;
 *  3. else with use_zero_pages, an empty page maps the zero frame;
 *  4. else if an identical page is in the unstable tree, merge the two into a new stable page;
 *  5. else insert it in the unstable tree (emptied at the start of every full scan).
 *
 * The trees are keyed by a content checksum and every match is confirmed
 * byte for byte. Merging never trusts a page while it can change: it write-
 * protects the entry (CAS), takes a reference, shoots down the VM's TLBs,
 * and only then compares; it replaces the entry by CAS and drops the old
 * frame after another shootdown (try_to_merge_one_page; the frame rules are
 * in ARCHITECTURE.md). A stable node holds one reference on its frame, so
 * a KSM page outlives its last mapping until ksmd prunes it.
 */
export class Ksmd {
  readonly #vms: Tracked[] = [];
  /** Stable tree: checksum → KSM frames with that content (several when max_page_sharing is hit). */
  readonly #stable = new Map<number, number[]>();
  readonly #stableFrames = new Set<number>();
  /** Unstable tree: checksum → a page that had it at two scans in a row. */
  #unstable = new Map<number, { t: Tracked; gfn: number }>();
  #vmCursor = 0;
  #gfnCursor = 0;
  readonly #ram32: Int32Array;
  readonly #zeroChecksum: number;

  constructor(
    readonly pool: FramePool,
    readonly state: KsmState,
  ) {
    this.#ram32 = pool.mem.ram32;
    this.#zeroChecksum = pageChecksum(this.#ram32, pool.zeroFrame);
  }

  addVm(vm: KsmVm): void {
    this.removeVm(vm.vm);
    const pages = vm.table.length;
    this.#vms.push({
      vm,
      old: new Int32Array(pages),
      has: new Uint8Array(pages),
      age: new Uint8Array(pages),
      skips: new Uint8Array(pages),
    });
  }

  removeVm(id: number): void {
    const i = this.#vms.findIndex((t) => t.vm.vm === id);
    if (i < 0) return;
    const [t] = this.#vms.splice(i, 1);
    for (const [cs, u] of this.#unstable) if (u.t === t) this.#unstable.delete(cs);
    if (this.#vmCursor > i) this.#vmCursor--;
    else if (this.#vmCursor === i) this.#gfnCursor = 0;
    if (this.#vmCursor >= this.#vms.length) this.#vmCursor = 0;
    // KSM pages only that VM mapped have no mapping left once it is gone.
    this.#prune();
    this.publish();
  }

  get vmCount(): number {
    return this.#vms.length;
  }

  /** Scans up to `pages` mapped pages (ksm_do_scan); returns how many it scanned. */
  scan(pages: number): number {
    let scanned = 0;
    let visited = 0;
    const total = this.#vms.reduce((n, t) => n + t.old.length, 0);
    while (scanned < pages && this.#vms.length > 0 && visited <= total) {
      if (this.#vmCursor >= this.#vms.length) this.#fullScanDone();
      const t = this.#vms[this.#vmCursor];
      if (this.#gfnCursor >= t.old.length) {
        this.#vmCursor++;
        this.#gfnCursor = 0;
        continue;
      }
      const gfn = this.#gfnCursor++;
      visited++;
      if (t.vm.gone()) continue;
      if (this.#scanPage(t, gfn)) scanned++;
    }
    this.state.f[KSMF.PAGES_SCANNED] += scanned;
    this.publish();
    return scanned;
  }

  #fullScanDone(): void {
    this.#vmCursor = 0;
    this.#gfnCursor = 0;
    this.#unstable = new Map();
    this.#prune();
    Atomics.add(this.state.w, KSM.FULL_SCANS, 1);
  }

  /** One page (cmp_and_merge_page); false if it was not mapped (not counted as scanned). */
  #scanPage(t: Tracked, gfn: number): boolean {
    const e = Atomics.load(t.vm.table, gfn);
    if (e < 0) {
      t.has[gfn] = 0;
      t.age[gfn] = 0;
      t.skips[gfn] = 0;
      return false;
    }
    const frame = e & P2M.FRAME;
    if (e & P2M.WP) return false; // already a KSM page or the zero frame
    if (this.#skip(t, gfn)) return false;
    const cs = pageChecksum(this.#ram32, frame);
    if (this.#mergeWithStable(t, gfn, frame, cs)) return true;
    if (!t.has[gfn] || t.old[gfn] !== cs) {
      t.has[gfn] = 1;
      t.old[gfn] = cs;
      return true; // volatile
    }
    const w = this.state.w;
    if (Atomics.load(w, KSM.USE_ZERO_PAGES) && cs === this.#zeroChecksum) {
      if (pageIsZero(this.#ram32, frame) && this.#mergeWithZero(t, gfn, frame)) return true;
    }
    const other = this.#unstable.get(cs);
    if (other && !(other.t === t && other.gfn === gfn)) {
      this.#unstable.delete(cs);
      if (this.#mergePair(other, { t, gfn }, cs)) return true;
    }
    if (!other) this.#unstable.set(cs, { t, gfn });
    return true;
  }

  /**
   * smart_scan (mm/ksm.c should_skip_rmap_item): a page is never skipped in
   * its first 3 scans; after that, each time it is looked at without
   * merging it earns 1, 2, 4 or 8 skipped scans (ages ≤ 3, ≤ 5, ≤ 8, more).
   */
  #skip(t: Tracked, gfn: number): boolean {
    const w = this.state.w;
    if (!Atomics.load(w, KSM.SMART_SCAN)) return false;
    const age = t.age[gfn];
    if (age < 255) t.age[gfn] = age + 1;
    if (age < 3) return false;
    if (t.skips[gfn] === 0) {
      t.skips[gfn] = age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
      return false;
    }
    t.skips[gfn]--;
    Atomics.add(w, KSM.PAGES_SKIPPED, 1);
    return true;
  }

  #mergeWithStable(t: Tracked, gfn: number, frame: number, cs: number): boolean {
    const nodes = this.#stable.get(cs);
    if (!nodes) return false;
    const max = Atomics.load(this.state.w, KSM.MAX_PAGE_SHARING);
    for (const kframe of nodes) {
      if (this.pool.refCount(kframe) - 1 >= max) continue;
      if (!pagesEqual(this.#ram32, frame, kframe)) continue; // a cheap look before protecting
      const f = this.#protect(t, gfn);
      if (f < 0) return false;
      t.vm.shootdown();
      if (!pagesEqual(this.#ram32, f, kframe)) {
        this.#unprotect(t, gfn, f);
        return false;
      }
      return this.#replace(t, gfn, f, kframe);
    }
    return false;
  }

  #mergeWithZero(t: Tracked, gfn: number, frame: number): boolean {
    const f = this.#protect(t, gfn);
    if (f !== frame) {
      if (f >= 0) this.#unprotect(t, gfn, f);
      return false;
    }
    t.vm.shootdown();
    if (!pageIsZero(this.#ram32, f)) {
      this.#unprotect(t, gfn, f);
      return false;
    }
    if (!this.#replace(t, gfn, f, this.pool.zeroFrame)) return false;
    Atomics.sub(t.vm.counters, KSM_COUNTERS.RESIDENT, 1);
    return true;
  }

  /** Two unstable pages with one content become one KSM page (the first one's frame). */
  #mergePair(a: { t: Tracked; gfn: number }, b: { t: Tracked; gfn: number }, cs: number): boolean {
    if (a.t.vm.gone()) return false;
    const fa = this.#protect(a.t, a.gfn);
    if (fa < 0) return false;
    const fb = this.#protect(b.t, b.gfn);
    if (fb < 0) {
      this.#unprotect(a.t, a.gfn, fa);
      return false;
    }
    a.t.vm.shootdown();
    if (b.t !== a.t) b.t.vm.shootdown();
    if (!pagesEqual(this.#ram32, fa, fb) || pageChecksum(this.#ram32, fa) !== cs) {
      this.#unprotect(a.t, a.gfn, fa);
      this.#unprotect(b.t, b.gfn, fb);
      return false;
    }
    // ksmd's reference on fa (from #protect) becomes the stable node's.
    if (!this.#replace(b.t, b.gfn, fb, fa)) {
      this.#unprotect(a.t, a.gfn, fa);
      return false;
    }
    // a's entry is a plain KSM mapping now (its content has been stable since the shootdown).
    Atomics.compareExchange(a.t.vm.table, a.gfn, fa | P2M.WP | P2M.PENDING, fa | P2M.WP);
    let nodes = this.#stable.get(cs);
    if (!nodes) this.#stable.set(cs, (nodes = []));
    nodes.push(fa);
    this.#stableFrames.add(fa);
    return true;
  }

  /**
   * Write-protects a private entry (WP | PENDING) and takes ksmd's reference on its frame.
   * Returns the frame, or -1 if the entry is not a private frame any more.
   * The caller shoots the VM down before it trusts the content.
   */
  #protect(t: Tracked, gfn: number): number {
    const table = t.vm.table;
    const e = Atomics.load(table, gfn);
    if (e < 0 || e & P2M.WP) return -1;
    const pending = e | P2M.WP | P2M.PENDING;
    if (Atomics.compareExchange(table, gfn, e, pending) !== e) return -1;
    if (!this.pool.tryHold(e)) return -1; // cannot happen while the entry holds it; be safe
    if (Atomics.load(table, gfn) !== pending) {
      this.pool.release(e);
      return -1;
    }
    return e;
  }

  /** Undoes #protect: the entry becomes writable again (if it is still ours), ksmd's reference goes. */
  #unprotect(t: Tracked, gfn: number, frame: number): void {
    Atomics.compareExchange(t.vm.table, gfn, frame | P2M.WP | P2M.PENDING, frame);
    this.pool.release(frame);
  }

  /**
   * Maps `kframe` read-only where `frame` (protected by #protect) was, shoots
   * the VM down, then drops both the VM's and ksmd's references on `frame`.
   */
  #replace(t: Tracked, gfn: number, frame: number, kframe: number): boolean {
    const pool = this.pool;
    pool.hold(kframe);
    const pending = frame | P2M.WP | P2M.PENDING;
    if (Atomics.compareExchange(t.vm.table, gfn, pending, kframe | P2M.WP) !== pending) {
      pool.release(kframe);
      pool.release(frame);
      return false;
    }
    t.vm.shootdown();
    pool.release(frame); // the VM's mapping
    pool.release(frame); // ksmd's
    this.state.f[KSMF.MERGES]++;
    t.has[gfn] = 0;
    t.age[gfn] = 0;
    t.skips[gfn] = 0;
    return true;
  }

  /** Stable nodes no page maps any more give their frame back (the node holds the last reference). */
  #prune(): void {
    for (const [cs, nodes] of this.#stable) {
      const live = nodes.filter((f) => {
        if (this.pool.refCount(f) > 1) return true;
        this.#stableFrames.delete(f);
        this.pool.release(f);
        return false;
      });
      if (live.length) this.#stable.set(cs, live);
      else this.#stable.delete(cs);
    }
  }

  /**
   * run=2: every KSM and zero mapping gets a private copy again (like
   * unmerge_ksm_pages). False if the host ran out of frames on the way.
   */
  unmergeAll(): boolean {
    const pool = this.pool;
    for (const t of this.#vms) {
      const table = t.vm.table;
      if (t.vm.gone()) continue;
      for (let gfn = 0; gfn < table.length; gfn++) {
        const e = Atomics.load(table, gfn);
        if (e < 0 || (e & P2M.WP) === 0) continue;
        const old = e & P2M.FRAME;
        const fromZero = old === pool.zeroFrame;
        const frame = pool.alloc(fromZero);
        if (frame < 0) return false;
        if (!fromZero) pool.mem.ram8.copyWithin(frame * 4096, old * 4096, old * 4096 + 4096);
        if (Atomics.compareExchange(table, gfn, e, frame) !== e) {
          pool.release(frame);
          continue;
        }
        t.vm.shootdown();
        pool.release(old);
        if (fromZero) Atomics.add(t.vm.counters, KSM_COUNTERS.RESIDENT, 1);
      }
    }
    this.#unstable = new Map();
    this.#prune();
    this.publish();
    return true;
  }

  /** Writes the statistics (and each VM's ksm_stat) to shared memory. */
  publish(): void {
    const w = this.state.w;
    const pool = this.pool;
    let shared = 0;
    let sharing = 0;
    let chains = 0;
    let dups = 0;
    for (const nodes of this.#stable.values()) {
      let used = 0;
      for (const f of nodes) {
        const maps = pool.refCount(f) - 1;
        if (maps >= 1) {
          shared++;
          sharing += maps - 1;
          used++;
        }
      }
      if (used > 1) {
        chains++;
        dups += used - 1;
      }
    }
    let items = 0;
    let zero = 0;
    for (const t of this.#vms) {
      let vmItems = 0;
      let merging = 0;
      let vmZero = 0;
      const table = t.vm.table;
      for (let gfn = 0; gfn < table.length; gfn++) {
        const e = table[gfn];
        if (e >= 0 && e & P2M.WP) {
          const f = e & P2M.FRAME;
          if (f === pool.zeroFrame) vmZero++;
          else if (this.#stableFrames.has(f)) merging++;
        } else if (t.has[gfn]) {
          vmItems++;
        }
      }
      vmItems += merging;
      Atomics.store(t.vm.counters, KSM_COUNTERS.RMAP_ITEMS, vmItems);
      Atomics.store(t.vm.counters, KSM_COUNTERS.MERGING, merging);
      Atomics.store(t.vm.counters, KSM_COUNTERS.ZERO, vmZero);
      items += vmItems;
      zero += vmZero;
    }
    Atomics.store(w, KSM.PAGES_SHARED, shared);
    Atomics.store(w, KSM.PAGES_SHARING, sharing);
    Atomics.store(w, KSM.PAGES_UNSHARED, this.#unstable.size);
    Atomics.store(
      w,
      KSM.PAGES_VOLATILE,
      Math.max(0, items - shared - sharing - this.#unstable.size),
    );
    Atomics.store(w, KSM.KSM_ZERO_PAGES, zero);
    Atomics.store(w, KSM.RMAP_ITEMS, items);
    Atomics.store(w, KSM.STABLE_NODE_CHAINS, chains);
    Atomics.store(w, KSM.STABLE_NODE_DUPS, dups);
  }
}
