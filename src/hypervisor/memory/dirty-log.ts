/**
 * Dirty-page logging of one VM (KVM_MEM_LOG_DIRTY_PAGES / KVM_GET_DIRTY_LOG,
 * Documentation/virt/kvm/api.rst §4.35): one bit per guest frame, set by
 * whoever makes a page writable or changes what it holds while logging is
 * on. The bitmap is an Int32Array in a SharedArrayBuffer (`VmShared.dirty`),
 * bit `gfn & 31` of word `gfn >> 5`, every access an Atomics operation; the
 * switch is one word of the VM's control words (`VMC.LOG_DIRTY`).
 *
 * Where the bits come from (ARCHITECTURE.md, "Dirty-page logging"): the
 * p2m's write path (`P2m.hostOffsetWrite`) marks the page before it hands
 * out a writable host offset, and every guest write — a vCPU store or AMO
 * (through a write TLB fill, interpreter and JIT alike), the page walker's
 * A/D update, SBI STA, HTIF, the VMM's DMA, a COW break — takes that path;
 * `P2m.unmap` marks a page the balloon takes away. A write TLB entry made
 * before a collect may still write without marking, so `collect` is always
 * followed by a shootdown of the VM (the next write re-fills and re-marks)
 * before the caller reads the pages: KVM's KVM_CLEAR_DIRTY_LOG re-protects
 * the same way before user space copies.
 */
export class DirtyLog {
  readonly bitmap: Int32Array;

  constructor(
    sab: SharedArrayBuffer,
    /** The VM's control words; `flag` is the index of the logging switch (1 = on). */
    readonly control: Int32Array,
    readonly flag: number,
  ) {
    this.bitmap = new Int32Array(sab);
  }

  /** Bytes of a bitmap for `pages` guest frames (whole Int32 words). */
  static bytes(pages: number): number {
    return Math.ceil(pages / 32) * 4;
  }

  get enabled(): boolean {
    return Atomics.load(this.control, this.flag) !== 0;
  }

  /** Marks `gfn` dirty if logging is on (a set bit is left alone: no store, no contention). */
  mark(gfn: number): void {
    if (Atomics.load(this.control, this.flag) === 0) return;
    const w = gfn >> 5;
    const bit = 1 << (gfn & 31);
    if ((Atomics.load(this.bitmap, w) & bit) === 0) Atomics.or(this.bitmap, w, bit);
  }

  /** Turns logging on or off; either way the bitmap starts empty. */
  setEnabled(on: boolean): void {
    this.clear();
    Atomics.store(this.control, this.flag, on ? 1 : 0);
  }

  clear(): void {
    for (let w = 0; w < this.bitmap.length; w++) Atomics.store(this.bitmap, w, 0);
  }

  /**
   * Takes the bits set since the last collect (each word by Atomics.exchange,
   * so a bit set meanwhile is either in this set or stays for the next) and
   * returns their guest frame numbers, ascending.
   */
  collect(): Int32Array {
    const words = this.bitmap;
    const out: number[] = [];
    for (let w = 0; w < words.length; w++) {
      if (Atomics.load(words, w) === 0) continue;
      let bits = Atomics.exchange(words, w, 0);
      while (bits !== 0) {
        const low = bits & -bits;
        out.push((w << 5) | (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
    return Int32Array.from(out);
  }

  /** Pages marked now, without clearing (telemetry: the dirty set so far). */
  count(): number {
    let n = 0;
    for (let w = 0; w < this.bitmap.length; w++) n += popcount(Atomics.load(this.bitmap, w));
    return n;
  }
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
