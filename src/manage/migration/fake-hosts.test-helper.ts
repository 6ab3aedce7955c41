import type { MachineState } from '../../hypervisor/vm/machine-state';
import { PAGE_BYTES } from './page-batch';
import type { DestinationHostPort, SourceHostPort } from './ports';

/**
 * Test doubles of the migration's host ports, over plain arrays: a guest
 * whose "vCPU" is a timer writing `dirtyPagesPerMs` random pages a
 * millisecond while it runs (scaled down by the auto-converge throttle),
 * with a dirty log kept as a real one is (a set, taken by collect).
 */
export class FakeSourceHost implements SourceHostPort {
  readonly memory: Uint8Array;
  readonly dirty = new Set<number>();
  logging = false;
  paused = false;
  frozen = false;
  destroyed = false;
  throttlePercent = 0;
  readonly throttleSteps: number[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #counter = 0;

  constructor(
    readonly pages: number,
    /** Pages the guest writes per ms (fractions accumulate). */
    public dirtyPagesPerMs: number,
    readonly touched = pages,
  ) {
    this.memory = new Uint8Array(pages * PAGE_BYTES);
    for (let g = 0; g < touched; g++) this.#write(g);
    let owed = 0;
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      if (!this.paused && !this.destroyed) {
        owed += (now - last) * this.dirtyPagesPerMs * (1 - this.throttlePercent / 100);
        for (; owed >= 1; owed--) this.#write(Math.floor(Math.random() * this.touched));
      }
      last = now;
    }, 1);
  }

  /** The guest's one running process: a counter in page 0, bumped as it runs. */
  #write(gfn: number): void {
    const words = new Int32Array(this.memory.buffer, gfn * PAGE_BYTES, PAGE_BYTES / 4);
    words[0] = ++this.#counter;
    words[1 + (this.#counter % 1000)] = gfn ^ this.#counter;
    if (this.logging) this.dirty.add(gfn);
  }

  stopGuest(): void {
    clearInterval(this.#timer);
  }

  backedPages(): Int32Array {
    return Int32Array.from({ length: this.touched }, (_, g) => g);
  }
  readPage(gfn: number, into: Uint8Array): boolean {
    if (gfn >= this.touched) return false;
    into.set(this.memory.subarray(gfn * PAGE_BYTES, (gfn + 1) * PAGE_BYTES));
    return true;
  }
  startDirtyLog(): void {
    this.logging = true;
    this.dirty.clear();
  }
  collectDirtyLog(): Int32Array {
    if (!this.logging) throw new Error('dirty-page logging is off');
    const out = Int32Array.from(this.dirty).sort();
    this.dirty.clear();
    return out;
  }
  stopDirtyLog(): void {
    this.logging = false;
    this.dirty.clear();
  }
  async pause(): Promise<void> {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.frozen = false;
  }
  async capture(): Promise<MachineState> {
    if (!this.paused) throw new Error('not paused');
    this.frozen = true;
    return { version: 1, harts: 1, memoryMiB: 0, mtime: this.#counter } as unknown as MachineState;
  }
  throttle(percent: number): void {
    this.throttlePercent = percent;
    this.throttleSteps.push(percent);
  }
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.stopGuest();
  }
}

export class FakeDestinationHost implements DestinationHostPort {
  memory: Uint8Array | undefined;
  state: MachineState | undefined;
  xml: string | undefined;
  refuse: string | undefined;
  failRestore: string | undefined;

  constructor(readonly pages: number) {}

  prepare(_xml: string, memoryMiB: number): string | undefined {
    if (this.refuse) return this.refuse;
    if ((memoryMiB << 20) / PAGE_BYTES !== this.pages) return `wrong size ${memoryMiB}`;
    return undefined;
  }

  readonly #staged = new Map<number, Uint8Array | null>();
  discarded = 0;

  putPage(gfn: number, bytes: Uint8Array | null): void {
    this.#staged.set(gfn, bytes && bytes.slice());
  }

  discard(): void {
    this.discarded++;
    this.#staged.clear();
  }

  async restore(xml: string, state: MachineState): Promise<void> {
    if (this.failRestore) throw new Error(this.failRestore);
    const memory = new Uint8Array(this.pages * PAGE_BYTES);
    for (const [gfn, bytes] of this.#staged) if (bytes) memory.set(bytes, gfn * PAGE_BYTES);
    this.memory = memory;
    this.state = state;
    this.xml = xml;
  }
}
