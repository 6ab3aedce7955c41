import { lock, unlock } from '../sync/spinlock';
import type { HostMemory } from './host-memory';
import { PAGE_SIZE } from './host-memory';

/**
 * The host's free frames, shared by every thread that backs guest memory:
 * vCPUs on pCPU workers allocate on first touch (an EPT violation), the
 * control worker frees a VM's frames when it is gone.
 *
 * Layout (Int32): [0] LOCK (sync/spinlock.ts), [1] FREE (frames on the
 * stack, read without the lock for telemetry), [2] TOTAL, [3] reserved;
 * from word 4, the stack of free frame numbers (FREE of them). Push and pop
 * happen under LOCK. A frame is zeroed when handed out, outside the lock:
 * no byte of one VM is ever visible to another.
 */
const LOCK = 0;
const FREE = 1;
const TOTAL = 2;
const STACK = 4;

export class FramePool {
  readonly words: Int32Array;

  constructor(
    readonly mem: HostMemory,
    readonly sab: SharedArrayBuffer = FramePool.create(mem),
  ) {
    this.words = new Int32Array(sab);
  }

  static create(mem: HostMemory): SharedArrayBuffer {
    const sab = new SharedArrayBuffer((STACK + mem.frames) * 4);
    const w = new Int32Array(sab);
    // Low frames on top, so a fresh host hands out frames in ascending order.
    for (let i = 0; i < mem.frames; i++) w[STACK + i] = mem.frames - 1 - i;
    w[FREE] = mem.frames;
    w[TOTAL] = mem.frames;
    return sab;
  }

  get freeFrames(): number {
    return Atomics.load(this.words, FREE);
  }

  get totalFrames(): number {
    return this.words[TOTAL];
  }

  /** One zeroed frame, or -1 when the host has none left. */
  alloc(): number {
    const w = this.words;
    lock(w, LOCK);
    const free = w[FREE];
    let frame = -1;
    if (free > 0) {
      frame = w[STACK + free - 1];
      Atomics.store(w, FREE, free - 1);
    }
    unlock(w, LOCK);
    if (frame >= 0) this.mem.ram8.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    return frame;
  }

  /** Returns frames to the pool (negative entries are skipped). */
  free(frames: ArrayLike<number>): void {
    const w = this.words;
    lock(w, LOCK);
    let free = w[FREE];
    for (let i = 0; i < frames.length; i++) if (frames[i] >= 0) w[STACK + free++] = frames[i];
    Atomics.store(w, FREE, free);
    unlock(w, LOCK);
  }
}
