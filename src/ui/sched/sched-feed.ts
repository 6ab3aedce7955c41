import { FrameLoop } from '../frame-loop';
import type { HostSession } from '../host.svelte';
import { SchedTrace, type SlotOwner } from './sched-trace';

/** Host time in ms, comparable across threads (ARCHITECTURE.md, "Scheduler state"). */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * One SchedTrace per host session, fed every animation frame from the
 * shared trace ring (no messages), then each mounted view draws. Shared so
 * that the scheduler page and a domain's CPU tab show the same history, and
 * kept running once started (reading the ring costs a few µs a frame), so a
 * view opened later still has the last minutes.
 */
export class SchedFeed {
  readonly trace = new SchedTrace();
  owners: ReadonlyMap<number, SlotOwner> = new Map();
  /** Host time of the last frame. */
  now = 0;
  /** Main-thread time reading the ring per frame, ms (moving average). */
  ingestMs = 0;
  readonly #views = new Set<(now: number) => void>();
  readonly #loop: FrameLoop;
  #domains: unknown;

  constructor(readonly host: HostSession) {
    this.#loop = new FrameLoop(() => this.#frame());
    this.#loop.start();
  }

  /** Calls `draw` every frame after the trace is read; returns the unsubscribe. */
  subscribe(draw: (now: number) => void): () => void {
    this.#views.add(draw);
    return () => this.#views.delete(draw);
  }

  stop(): void {
    this.#loop.stop();
  }

  #frame(): void {
    const { trace, sched } = this.host;
    if (!trace) return;
    const domains = this.host.domains;
    if (domains !== this.#domains) {
      this.#domains = domains;
      const owners = new Map<number, SlotOwner>();
      for (const d of domains)
        d.vcpuSlots?.forEach((slot, index) => owners.set(slot, { domain: d.name, index }));
      this.owners = owners;
    }
    const start = performance.now();
    this.now = hostNow();
    this.trace.update(trace, sched, this.owners, this.now);
    this.ingestMs = this.ingestMs * 0.95 + (performance.now() - start) * 0.05;
    for (const draw of this.#views) draw(this.now);
  }
}

const feeds = new WeakMap<HostSession, SchedFeed>();

/** The host's feed, started on first use. */
export function schedFeed(host: HostSession): SchedFeed {
  let feed = feeds.get(host);
  if (!feed) feeds.set(host, (feed = new SchedFeed(host)));
  return feed;
}
