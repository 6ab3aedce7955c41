import { KSM, type KsmKnobs, type KsmStats } from '../../hypervisor/ksm/ksm-state';
import type { MemoryStats } from '../../manage/control-api';
import { FrameLoop } from '../frame-loop';
import { POLL_MS, type HostSession } from '../host.svelte';

const RATE_WINDOW_MS = 1000;
/** The figures change after every ksmd batch; the page re-renders them at most this often. */
const READ_MS = 200;

/**
 * The memory view's live numbers. ksmd's knobs and statistics are read
 * from the KSM state's shared memory five times a second (the
 * /sys/kernel/mm/ksm files' counterparts); each running domain's
 * dommemstat comes from the control API every POLL_MS (its balloon
 * statistics live in the VM's shared words, which the API reads).
 */
export class LiveMemory {
  knobs = $state.raw<KsmKnobs | undefined>(undefined);
  stats = $state.raw<KsmStats | undefined>(undefined);
  /** ksmd is scanning a batch now (else sleeping or stopped). */
  scanning = $state(false);
  /** run=2: 0 unmerging, 1 done, -1 stopped for lack of host memory. */
  unmerged = $state(0);
  /** Pages ksmd checksummed per second, over the last second. */
  scanRate = $state(0);
  /** Share of the last second ksmd spent scanning, 0–1. */
  duty = $state(0);
  /** dommemstat of each running domain. */
  memStats = $state.raw<Record<string, MemoryStats>>({});

  readonly #loop = new FrameLoop(() => this.#read());
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #samples: { t: number; scanned: number; scanMs: number }[] = [];

  constructor(readonly host: HostSession) {}

  start(): void {
    this.#stopped = false;
    this.#loop.start();
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    this.#loop.stop();
    clearTimeout(this.#timer);
  }

  #lastRead = 0;

  #read(): void {
    const ksm = this.host.ksm;
    if (!ksm) return;
    const t = performance.now();
    if (t - this.#lastRead < READ_MS) return;
    this.#lastRead = t;
    const knobs = ksm.knobs();
    const old = this.knobs;
    // A new object only when a knob changed, so an input being edited is not overwritten.
    if (!old || (Object.keys(knobs) as (keyof KsmKnobs)[]).some((k) => knobs[k] !== old[k]))
      this.knobs = knobs;
    const stats = ksm.stats();
    this.stats = stats;
    this.scanning = Atomics.load(ksm.w, KSM.SCANNING) === 1 && knobs.run === 1;
    this.unmerged = Atomics.load(ksm.w, KSM.UNMERGED);
    const now = performance.now();
    this.#samples.push({ t: now, scanned: stats.pages_scanned, scanMs: stats.scan_ms });
    while (this.#samples.length > 2 && this.#samples[1].t <= now - RATE_WINDOW_MS)
      this.#samples.shift();
    const first = this.#samples[0];
    const dt = now - first.t;
    this.scanRate = dt > 100 ? ((stats.pages_scanned - first.scanned) * 1000) / dt : 0;
    this.duty = dt > 100 ? Math.min(1, (stats.scan_ms - first.scanMs) / dt) : 0;
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    const running = this.host.domains.filter((d) => d.state === 'running' || d.state === 'paused');
    const results = await Promise.all(
      running.map((d) =>
        this.host
          .call(this.host.api.memoryStats(d.name))
          .then((s) => [d.name, s] as const)
          .catch(() => undefined),
      ),
    );
    const next: Record<string, MemoryStats> = {};
    for (const r of results) if (r) next[r[0]] = r[1];
    this.memStats = next;
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }
}
