import { PAGE_SHIFT } from './host-memory';

/**
 * The p2m table of one VM (our EPT): guest frame number (relative to the
 * start of guest RAM) → host frame number, or -1 when the guest frame has no
 * host frame. An Int32Array so it can live in a SharedArrayBuffer.
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
   * RAM (an MMIO address or a hole).
   */
  hostOffset(gpa: number): number {
    const rel = (gpa >>> 0) - this.base;
    if (rel < 0 || rel >= this.pages << PAGE_SHIFT) return -1;
    const frame = this.table[rel >>> PAGE_SHIFT];
    return frame < 0 ? -1 : (frame << PAGE_SHIFT) | (rel & 0xfff);
  }
}
