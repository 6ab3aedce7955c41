import type { HostSession } from '../host.svelte';
import { FrameIndex, framePoolRefs, type DomainP2m, type FrameCounts } from './frame-index';

/** How often the frame map rescans the p2m tables (a few times a second, ARCHITECTURE.md). */
export const SCAN_MS = 250;

/**
 * The host frame map's live source: the frame pool's reference counts
 * (telemetry) and every running domain's p2m (memoryMap), scanned into a
 * FrameIndex every SCAN_MS on the page's thread. Scanning is linear in
 * host frames plus guest pages (1–2 ms for 512 MiB and 8 guests on a quiet
 * machine), so it runs whole on one animation frame and the map paints on
 * the next; `scanMs` shows what it costs.
 */
export class HostFrames {
  /** Bumped after every scan: views redraw on it. */
  version = $state(0);
  counts = $state.raw<FrameCounts | undefined>(undefined);
  /** Last scan's duration, ms (an average over recent scans). */
  scanMs = $state(0);
  error = $state<string | undefined>(undefined);
  index: FrameIndex | undefined;
  /** The domains of the last scan, in owner-index order. */
  domains: readonly DomainP2m[] = [];
  #refs: Int32Array | undefined;
  #zeroFrame = -1;
  #maps = new Map<string, { id: number; table: Int32Array }>();
  #fetching = new Set<string>();
  #frame = 0;
  #lastScan = -Infinity;

  constructor(readonly host: HostSession) {}

  get zeroFrame(): number {
    return this.#zeroFrame;
  }

  async start(): Promise<void> {
    try {
      const { framePool } = await this.host.call(this.host.api.telemetry());
      const { refs, zeroFrame } = framePoolRefs(framePool);
      this.#refs = refs;
      this.#zeroFrame = zeroFrame;
      this.index = new FrameIndex(refs.length);
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    const loop = (now: number) => {
      // Scan on an animation frame of its own; views paint on the next one (FrameMap).
      if (now - this.#lastScan >= SCAN_MS) {
        this.#lastScan = now;
        this.#tick();
      }
      this.#frame = requestAnimationFrame(loop);
    };
    this.#frame = requestAnimationFrame(loop);
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
  }

  #tick(): void {
    this.#sync();
    const index = this.index;
    if (!index || !this.#refs) return;
    const t0 = performance.now();
    const domains: DomainP2m[] = [];
    for (const d of this.host.domains) {
      const m = this.#maps.get(d.name);
      if (m && m.id === d.id) domains.push({ name: d.name, table: m.table });
    }
    const wasFlashing = index.flashing;
    const names = this.domains.map((d) => d.name).join();
    index.scan(this.#refs, this.#zeroFrame, domains);
    const dt = performance.now() - t0;
    this.scanMs = this.scanMs === 0 ? dt : this.scanMs * 0.8 + dt * 0.2;
    this.domains = domains;
    // Nothing moved (no frame highlighted before or now, same domains): no repaint.
    if (
      this.version > 0 &&
      index.flashing === 0 &&
      wasFlashing === 0 &&
      names === domains.map((d) => d.name).join()
    )
      return;
    this.counts = index.counts;
    this.version++;
  }

  /** Fetches the p2m of domains that started, forgets those that stopped. */
  #sync(): void {
    const live = new Map<string, number>();
    for (const d of this.host.domains)
      if ((d.state === 'running' || d.state === 'paused') && d.id !== null) live.set(d.name, d.id);
    for (const [name, m] of this.#maps) if (live.get(name) !== m.id) this.#maps.delete(name);
    for (const [name, id] of live) {
      if (this.#maps.has(name) || this.#fetching.has(name)) continue;
      this.#fetching.add(name);
      this.host
        .call(this.host.api.memoryMap(name))
        .then(
          ({ p2m }) => this.#maps.set(name, { id, table: new Int32Array(p2m) }),
          () => {},
        )
        .finally(() => this.#fetching.delete(name));
    }
  }
}
