import type { HostMemory } from './host-memory';
import { PAGE_SIZE } from './host-memory';

/**
 * Host frame allocator: a stack of free frame numbers. Used only by the
 * control worker (VM creation and teardown), so it needs no lock. Frames
 * are zeroed when handed out: no byte of one VM is ever visible to another.
 */
export class FrameAllocator {
  readonly #free: Int32Array;
  #top: number;

  constructor(readonly mem: HostMemory) {
    this.#free = new Int32Array(mem.frames);
    for (let f = 0; f < mem.frames; f++) this.#free[f] = mem.frames - 1 - f;
    this.#top = mem.frames;
  }

  get freeFrames(): number {
    return this.#top;
  }

  /** `count` zeroed frames, or undefined (nothing taken) when the host has fewer free. */
  alloc(count: number): Int32Array | undefined {
    if (count > this.#top) return undefined;
    const out = this.#free.slice(this.#top - count, this.#top);
    this.#top -= count;
    for (const f of out) this.mem.ram8.fill(0, f * PAGE_SIZE, (f + 1) * PAGE_SIZE);
    return out;
  }

  free(frames: ArrayLike<number>): void {
    for (let i = 0; i < frames.length; i++) {
      if (frames[i] < 0) continue;
      this.#free[this.#top++] = frames[i];
    }
  }
}
