import { lock, unlock } from '../sync/spinlock';
import type { HostMemory } from './host-memory';
import { PAGE_SIZE } from './host-memory';

/**
 * The host's frames, shared by every thread that maps guest memory: vCPUs
 * on pCPU workers allocate on first touch (an EPT violation) and on a
 * copy-on-write fault, ksmd merges identical frames, the VMM gives
 * ballooned frames back, the control worker releases a VM's frames when it
 * is gone.
 *
 * Every frame has a reference count (Linux's page refcount): one per p2m
 * entry that maps it, one for a KSM stable node that holds it, one for
 * each transient holder (ksmd while it compares). A frame returns to the
 * free stack when its count drops to 0, and the last holder drops its
 * reference only after its VM's TLBs can no longer reach the frame
 * (memory/shootdown.ts; the argument is in ARCHITECTURE.md). The zero
 * frame is never counted and never freed.
 *
 * Layout (Int32):
 *   [0] LOCK  (sync/spinlock.ts)      [1] FREE  frames on the stack (read without the lock)
 *   [2] TOTAL frames the pool manages [3] ZERO  the shared zero frame (outside the pool)
 *   [4, 4 + F)      the stack of free frame numbers (FREE of them), push/pop under LOCK
 *   [4 + F, 4 + 2F) REFS: per host frame, its reference count (Atomics)
 * where F is the number of host frames. A frame is zeroed when handed out,
 * outside the lock: no byte of one VM is ever visible to another.
 */
const LOCK = 0;
const FREE = 1;
const TOTAL = 2;
const ZERO = 3;
const STACK = 4;

export class FramePool {
  readonly words: Int32Array;
  /** Reference count per host frame (a view into `words`). */
  readonly refs: Int32Array;
  /** The frame that is all zeroes forever (Linux's ZERO_PAGE), mapped read-only. */
  readonly zeroFrame: number;

  constructor(
    readonly mem: HostMemory,
    readonly sab: SharedArrayBuffer = FramePool.create(mem),
  ) {
    this.words = new Int32Array(sab);
    this.refs = new Int32Array(sab, (STACK + mem.frames) * 4, mem.frames);
    this.zeroFrame = this.words[ZERO];
  }

  /**
   * A pool of every frame of `mem` but the last `reserved` ones, which the
   * host keeps for itself (the pCPUs' JIT frames, cpu/jit/), and the zero
   * frame just below them.
   */
  static create(mem: HostMemory, reserved = 0): SharedArrayBuffer {
    if (mem.frames - reserved < 2) throw new RangeError('host RAM must have at least 2 frames');
    const sab = new SharedArrayBuffer((STACK + 2 * mem.frames) * 4);
    const w = new Int32Array(sab);
    // The last frame is the zero frame; low frames on top, so a fresh host hands them out in order.
    const total = mem.frames - reserved - 1;
    for (let i = 0; i < total; i++) w[STACK + i] = total - 1 - i;
    w[FREE] = total;
    w[TOTAL] = total;
    w[ZERO] = total;
    mem.ram8.fill(0, total * PAGE_SIZE, (total + 1) * PAGE_SIZE);
    return sab;
  }

  get freeFrames(): number {
    return Atomics.load(this.words, FREE);
  }

  get totalFrames(): number {
    return this.words[TOTAL];
  }

  /** One frame with a reference count of 1, zeroed unless `zero` is false; -1 when none is left. */
  alloc(zero = true): number {
    const w = this.words;
    lock(w, LOCK);
    const free = w[FREE];
    let frame = -1;
    if (free > 0) {
      frame = w[STACK + free - 1];
      Atomics.store(w, FREE, free - 1);
    }
    unlock(w, LOCK);
    if (frame < 0) return -1;
    Atomics.store(this.refs, frame, 1);
    if (zero) this.mem.ram8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    return frame;
  }

  /** Takes one more reference on a frame someone already holds. */
  hold(frame: number): void {
    if (frame !== this.zeroFrame) Atomics.add(this.refs, frame, 1);
  }

  /**
   * Takes a reference unless the count is 0 (the frame is free), like
   * Linux's get_page_unless_zero: for holders that found the frame through
   * a p2m entry that may change under them. True if it was taken.
   */
  tryHold(frame: number): boolean {
    if (frame === this.zeroFrame) return true;
    for (let n = Atomics.load(this.refs, frame); n > 0;) {
      const seen = Atomics.compareExchange(this.refs, frame, n, n + 1);
      if (seen === n) return true;
      n = seen;
    }
    return false;
  }

  /** Drops one reference; the frame goes back to the pool when none is left. */
  release(frame: number): void {
    if (frame < 0 || frame === this.zeroFrame) return;
    const left = Atomics.sub(this.refs, frame, 1) - 1;
    if (left > 0) return;
    if (left < 0) throw new Error(`frame ${frame} released more often than held`);
    const w = this.words;
    lock(w, LOCK);
    const free = w[FREE];
    w[STACK + free] = frame;
    Atomics.store(w, FREE, free + 1);
    unlock(w, LOCK);
  }

  /** References on `frame` now. */
  refCount(frame: number): number {
    return Atomics.load(this.refs, frame);
  }
}
