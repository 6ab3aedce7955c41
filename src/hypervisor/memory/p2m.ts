import type { FramePool } from './frame-pool';
import { PAGE_SHIFT } from './host-memory';

/** How a VM's RAM is backed on first touch (the EPT-violation path). */
export interface DemandBacking {
  pool: FramePool;
  /** The VM's memory counters (Int32, Atomics) and which word counts its resident frames. */
  counters: Int32Array;
  residentIndex: number;
  /** The host has no free frame left for this VM. */
  onOutOfMemory(gfn: number): void;
}

/**
 * The p2m table of one VM (our EPT): guest frame number (relative to the
 * start of guest RAM) → host frame number, or -1 when the guest frame has no
 * host frame yet. An Int32Array in a SharedArrayBuffer, shared by every
 * thread that runs the VM.
 *
 * With demand backing, the first access to a guest frame takes a zeroed
 * frame from the host pool and installs it with a compare-and-swap, so two
 * vCPUs touching the same new page agree on one frame (the loser returns
 * its frame to the pool). Entries only go from -1 to a frame here; frames
 * are taken away only when no vCPU runs (VM teardown) or, later, under the
 * TLB-shootdown protocol of ARCHITECTURE.md.
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
   * Host byte offset of guest-physical address `gpa`, or -1 if it is not
   * RAM (an MMIO address or a hole) or cannot be backed.
   */
  hostOffset(gpa: number): number {
    const rel = (gpa >>> 0) - this.base;
    if (rel < 0 || rel >= this.pages << PAGE_SHIFT) return -1;
    let frame = this.table[rel >>> PAGE_SHIFT];
    if (frame < 0) {
      frame = this.#back(rel >>> PAGE_SHIFT);
      if (frame < 0) return -1;
    }
    return (frame << PAGE_SHIFT) | (rel & 0xfff);
  }

  /** Whether `gpa` is inside guest RAM (backed or not). */
  isRam(gpa: number): boolean {
    const rel = (gpa >>> 0) - this.base;
    return rel >= 0 && rel < this.pages << PAGE_SHIFT;
  }

  #back(gfn: number): number {
    const b = this.backing;
    if (!b) return -1;
    const frame = b.pool.alloc();
    if (frame < 0) {
      b.onOutOfMemory(gfn);
      return -1;
    }
    const prev = Atomics.compareExchange(this.table, gfn, -1, frame);
    if (prev !== -1) {
      b.pool.free([frame]);
      return prev;
    }
    Atomics.add(b.counters, b.residentIndex, 1);
    return frame;
  }

  /** Host frames backing this VM now. */
  residentFrames(): number {
    let n = 0;
    for (let i = 0; i < this.pages; i++) if (this.table[i] >= 0) n++;
    return n;
  }
}
