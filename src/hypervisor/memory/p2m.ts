import type { DirtyLog } from './dirty-log';
import type { FramePool } from './frame-pool';
import { PAGE_SHIFT, PAGE_SIZE } from './host-memory';

/**
 * p2m entry encoding (Int32):
 *   -1            UNBACKED: no host frame; the first access backs it with a zeroed frame
 *   -2            BALLOONED: no host frame, the guest gave the page to the balloon (backed like
 *                 UNBACKED if touched; the balloon's deflate turns it back into UNBACKED)
 *   frame         a host frame the VM may read and write (the VM holds one reference)
 *   frame | WP    a read-only mapping (a KSM page or the zero frame); a write takes a
 *                 copy-on-write fault (copyOnWrite below)
 *   frame | WP | SNAP
 *                 a read-only mapping of a frame a snapshot (or a clone, or quick boot's
 *                 template) shares with this VM (host/vm-snapshot.ts): the same copy on
 *                 write, counted as a snapshot's, not KSM's (cow_ksm)
 *   frame | WP | PENDING
 *                 a private page ksmd write-protected to compare it: writes made through
 *                 translations from before the protection may still be landing until
 *                 ksmd's shootdown completes, so a COW shoots down before it copies
 */
export const P2M = {
  UNBACKED: -1,
  BALLOONED: -2,
  WP: 1 << 30,
  PENDING: 1 << 29,
  SNAP: 1 << 28,
  FRAME: (1 << 28) - 1,
} as const;

/** How a VM's RAM is backed (the EPT-violation and COW paths). */
export interface DemandBacking {
  pool: FramePool;
  /** The VM's memory counters (Int32, Atomics) and which word counts its resident frames. */
  counters: Int32Array;
  residentIndex: number;
  /** Which word counts copy-on-write breaks of shared non-zero frames (cow_ksm), if any. */
  cowIndex?: number;
  /** Which word counts copy-on-write breaks of frames shared with a snapshot (P2M.SNAP), if any. */
  snapIndex?: number;
  /** The host has no free frame left for this VM. */
  onOutOfMemory(gfn: number): void;
  /**
   * An entry of this VM was changed to a new frame (a COW break): every TLB
   * and device access of the VM that may still reach the old frame must be
   * gone when this returns (memory/shootdown.ts). The caller's own TLB too.
   */
  shootdown(): void;
}

/**
 * The p2m table of one VM (our EPT): guest frame number (relative to the
 * start of guest RAM) → P2M entry. An Int32Array in a SharedArrayBuffer,
 * shared by every thread that runs the VM, the VMM and ksmd.
 *
 * Entries change only by compare-and-swap or exchange, so threads racing
 * on one entry agree on the result: two vCPUs touching the same new page
 * install one frame (the loser releases its own); a COW break and a KSM
 * merge of the same page cannot both win. Who may drop a frame's last
 * reference, and when, is the shootdown protocol of ARCHITECTURE.md.
 */
export class P2m {
  readonly table: Int32Array;
  /** Guest-physical base of RAM (0x80000000 on virt). */
  readonly base: number;
  readonly pages: number;

  constructor(
    base: number,
    pages: number,
    table = new Int32Array(new SharedArrayBuffer(pages * 4)).fill(-1),
    readonly backing?: DemandBacking,
    /** The VM's dirty-page log (memory/dirty-log.ts): every write path below marks it. */
    readonly dirty?: DirtyLog,
  ) {
    this.base = base >>> 0;
    this.pages = pages;
    this.table = table;
  }

  get bytes(): number {
    return this.pages << PAGE_SHIFT;
  }

  /** Maps guest frames [0, pages) onto host frames [firstHostFrame, ...). */
  mapLinear(firstHostFrame: number): void {
    for (let i = 0; i < this.pages; i++) this.table[i] = firstHostFrame + i;
  }

  /**
   * Host byte offset to read guest-physical address `gpa`, or -1 if it is
   * not RAM (an MMIO address or a hole) or cannot be backed now.
   */
  hostOffset(gpa: number): number {
    const rel = (gpa >>> 0) - this.base;
    if (rel < 0 || rel >= this.pages << PAGE_SHIFT) return -1;
    const gfn = rel >>> PAGE_SHIFT;
    let e = Atomics.load(this.table, gfn);
    while (e < 0) {
      if (!this.#back(gfn, e)) return -1;
      e = Atomics.load(this.table, gfn);
    }
    return ((e & P2M.FRAME) << PAGE_SHIFT) | (rel & 0xfff);
  }

  /**
   * Host byte offset to write `gpa`: like hostOffset, breaking a read-only
   * mapping first. The page is marked in the dirty log before the offset is
   * handed out, so no write TLB entry exists for an unmarked page (once
   * the VM was shot down after the log's last collect).
   */
  hostOffsetWrite(gpa: number): number {
    const rel = (gpa >>> 0) - this.base;
    if (rel < 0 || rel >= this.pages << PAGE_SHIFT) return -1;
    const gfn = rel >>> PAGE_SHIFT;
    for (;;) {
      const e = Atomics.load(this.table, gfn);
      if (e < 0) {
        if (!this.#back(gfn, e)) return -1;
      } else if ((e & P2M.WP) === 0) {
        this.dirty?.mark(gfn);
        return (e << PAGE_SHIFT) | (rel & 0xfff);
      } else if (!this.copyOnWrite(gfn, e)) {
        return -1;
      }
    }
  }

  /** Whether `gpa` is inside guest RAM (backed or not). */
  isRam(gpa: number): boolean {
    const rel = (gpa >>> 0) - this.base;
    return rel >= 0 && rel < this.pages << PAGE_SHIFT;
  }

  /** First touch: a zeroed frame, installed if the entry is still `e` (unbacked). False when the host has none. */
  #back(gfn: number, e: number): boolean {
    const b = this.backing;
    if (!b) return false;
    const frame = b.pool.alloc();
    if (frame < 0) {
      b.onOutOfMemory(gfn);
      return false;
    }
    if (Atomics.compareExchange(this.table, gfn, e, frame) !== e) {
      b.pool.release(frame);
    } else {
      Atomics.add(b.counters, b.residentIndex, 1);
    }
    return true;
  }

  /**
   * The write fault on a read-only entry `e` (mm/memory.c do_wp_page): the
   * VM gets a private copy. A KSM page's content is immutable; a PENDING
   * page's is once the VM is shot down. The copy is installed by CAS (false
   * return = out of memory; a lost race just returns true and the caller
   * looks again), then the VM's stale translations are shot down, and only
   * then is the VM's reference on the old frame dropped. The zero frame is
   * never copied: its private copy is a fresh zeroed frame.
   */
  copyOnWrite(gfn: number, e: number): boolean {
    const b = this.backing;
    if (!b) return false;
    const pool = b.pool;
    const old = e & P2M.FRAME;
    const fromZero = old === pool.zeroFrame;
    const frame = pool.alloc(fromZero);
    if (frame < 0) {
      b.onOutOfMemory(gfn);
      return false;
    }
    // A page ksmd just protected may still receive writes through older translations: drain them.
    if (e & P2M.PENDING) b.shootdown();
    if (!fromZero)
      pool.mem.ram8.copyWithin(frame * PAGE_SIZE, old * PAGE_SIZE, (old + 1) * PAGE_SIZE);
    if (Atomics.compareExchange(this.table, gfn, e, frame) !== e) {
      pool.release(frame);
      return true;
    }
    if (fromZero) Atomics.add(b.counters, b.residentIndex, 1);
    else if (e & P2M.SNAP) {
      if (b.snapIndex !== undefined) Atomics.add(b.counters, b.snapIndex, 1);
    } else if (b.cowIndex !== undefined) Atomics.add(b.counters, b.cowIndex, 1);
    b.shootdown();
    pool.release(old);
    return true;
  }

  /**
   * Takes guest frame `gfn` away (balloon inflate, free page reporting) and
   * returns the old entry. The caller must shoot down the VM's translations
   * before releasing the frame (releaseEntry). The page's content changed
   * (it reads as zeroes now): it is marked dirty.
   */
  unmap(gfn: number, mark: number = P2M.UNBACKED): number {
    const e = Atomics.exchange(this.table, gfn, mark);
    this.dirty?.mark(gfn);
    const b = this.backing;
    if (e >= 0 && b && (e & P2M.FRAME) !== b.pool.zeroFrame)
      Atomics.sub(b.counters, b.residentIndex, 1);
    return e;
  }

  /** Drops the VM's reference held by entry `e` (one unmap returned). */
  releaseEntry(e: number): void {
    if (e >= 0) this.backing?.pool.release(e & P2M.FRAME);
  }

  /** Unmaps and releases every frame (the VM is gone: no vCPU and no VMM can touch it). */
  releaseAll(): void {
    for (let gfn = 0; gfn < this.pages; gfn++) this.releaseEntry(this.unmap(gfn));
  }

  /** Host frames backing this VM now (the zero frame not counted). */
  residentFrames(): number {
    const zero = this.backing?.pool.zeroFrame ?? -1;
    let n = 0;
    for (let i = 0; i < this.pages; i++) {
      const e = this.table[i];
      if (e >= 0 && (e & P2M.FRAME) !== zero) n++;
    }
    return n;
  }
}
