import type { FramePool } from '../memory/frame-pool';
import { PAGE_SIZE } from '../memory/host-memory';
import { P2M, type P2m } from '../memory/p2m';
import { MEM_STAT } from './vm-shared';

/**
 * The RAM of a VM that is arriving (a live migration's destination,
 * QEMU's ram_load during -incoming): each page goes into a host frame of
 * its own as it arrives, a later copy overwriting it in place, so the
 * switch-over only maps the frames (`adopt`, in Host.restoreVm's populate)
 * instead of copying the RAM inside the downtime. The frames are held
 * (one reference each) until adopt hands them to the VM or release
 * returns them to the pool (an aborted migration leaves nothing behind).
 * Single-threaded: only the thread receiving the stream touches it.
 */
export class IncomingRam {
  /** Per guest frame: the host frame holding it, or P2M.UNBACKED (reads as zeroes). */
  readonly frames: Int32Array;
  #held = 0;

  constructor(
    readonly pool: FramePool,
    readonly pages: number,
  ) {
    this.frames = new Int32Array(pages).fill(P2M.UNBACKED);
  }

  /** Frames held now. */
  get held(): number {
    return this.#held;
  }

  /** Stores guest frame `gfn` (null: zeroes). False when the host has no frame left. */
  put(gfn: number, bytes: Uint8Array | null): boolean {
    if (!(gfn >= 0 && gfn < this.pages)) throw new RangeError(`no guest page ${gfn}`);
    let frame = this.frames[gfn];
    if (bytes === null) {
      if (frame >= 0) {
        this.pool.release(frame);
        this.frames[gfn] = P2M.UNBACKED;
        this.#held--;
      }
      return true;
    }
    if (bytes.length !== PAGE_SIZE) throw new RangeError(`a page is ${PAGE_SIZE} bytes`);
    if (frame < 0) {
      frame = this.pool.alloc(false);
      if (frame < 0) return false;
      this.frames[gfn] = frame;
      this.#held++;
    }
    this.pool.mem.ram8.set(bytes, frame * PAGE_SIZE);
    return true;
  }

  /** Maps every held frame into a new VM's empty p2m, private and writable; the VM takes over the references. */
  adopt(p2m: P2m): void {
    if (p2m.pages !== this.pages)
      throw new RangeError(`${this.pages} pages for a VM of ${p2m.pages}`);
    let resident = 0;
    for (let gfn = 0; gfn < this.pages; gfn++) {
      const f = this.frames[gfn];
      if (f < 0) continue;
      Atomics.store(p2m.table, gfn, f);
      resident++;
    }
    if (p2m.backing) Atomics.add(p2m.backing.counters, MEM_STAT.RESIDENT, resident);
    this.frames.fill(P2M.UNBACKED);
    this.#held = 0;
  }

  /** Returns every held frame to the pool. */
  release(): void {
    for (const f of this.frames) if (f >= 0) this.pool.release(f);
    this.frames.fill(P2M.UNBACKED);
    this.#held = 0;
  }
}
