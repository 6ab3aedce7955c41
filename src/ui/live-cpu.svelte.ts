import { VF } from '../hypervisor/host/sched-state';
import { FrameLoop } from './frame-loop';
import type { HostSession } from './host.svelte';

/** A domain's CPU use: percent of its vCPUs' time over the last second, and a history. */
export interface DomainCpu {
  pct: number;
  /** One sample every HISTORY_MS, oldest first. */
  history: number[];
  /** Guest instructions retired per second of wall time over the last second, in millions (all its vCPUs). */
  mips: number;
  /** MIPS, one sample every HISTORY_MS, oldest first. */
  mipsHistory: number[];
}

const WINDOW_MS = 1000;
const HISTORY_MS = 500;
const HISTORY_LEN = 60;
/** How often the figures reach the page: sampled every frame, shown 4 times a second (a number that changes 60 times a second cannot be read, and re-renders every row). */
const PUBLISH_MS = 250;

interface Track {
  slots: string;
  vcpus: number;
  samples: { t: number; runtime: number; instructions: number }[];
  history: number[];
  mipsHistory: number[];
  lastHistory: number;
}

/**
 * Every animation frame, sums each active domain's vCPU run time from the
 * scheduler's shared state (VF.RUNTIME_MS, no messages) and turns it into a
 * CPU percentage over the last second: 100 % means all its vCPUs ran all the
 * time (virt-manager's guest CPU usage). Beside it, the guest instructions
 * its vCPUs retired over the same second (VF.INSTRUCTIONS, summed by the
 * pCPUs at every slice's end): how fast the guest runs, which is where the
 * engines differ (kvm's JIT against qemu's interpreter).
 */
export class LiveCpu {
  usage = $state.raw<Record<string, DomainCpu>>({});
  #tracks = new Map<string, Track>();
  #published = -Infinity;
  readonly #loop = new FrameLoop(() => this.#read());
  /** Views showing the figures: the loop runs while there is one. */
  #users = 0;

  constructor(readonly host: HostSession) {}

  /** A view begins to show the figures (every start is matched by a stop). */
  start(): void {
    if (this.#users++ === 0) this.#loop.start();
  }

  stop(): void {
    if (this.#users > 0 && --this.#users === 0) this.#loop.stop();
  }

  #read(): void {
    const st = this.host.sched;
    if (!st) return;
    const now = performance.now();
    const next: Record<string, DomainCpu> = {};
    for (const d of this.host.domains) {
      const slots = d.vcpuSlots;
      if (!slots?.length || (d.state !== 'running' && d.state !== 'paused')) {
        this.#tracks.delete(d.name);
        continue;
      }
      const key = slots.join(',');
      let track = this.#tracks.get(d.name);
      if (!track || track.slots !== key) {
        // A new VM (a restart) has new vCPUs: start over.
        track = {
          slots: key,
          vcpus: slots.length,
          samples: [],
          history: [],
          mipsHistory: [],
          lastHistory: now,
        };
        this.#tracks.set(d.name, track);
      }
      let runtime = 0;
      let instructions = 0;
      for (const slot of slots) {
        const f = st.vcpuF(slot);
        runtime += f[VF.RUNTIME_MS];
        instructions += f[VF.INSTRUCTIONS];
      }
      track.samples.push({ t: now, runtime, instructions });
      while (track.samples.length > 2 && track.samples[1].t <= now - WINDOW_MS)
        track.samples.shift();
      const first = track.samples[0];
      const dt = now - first.t;
      const pct =
        dt > 50
          ? Math.min(100, Math.max(0, ((runtime - first.runtime) / (dt * track.vcpus)) * 100))
          : 0;
      // Instructions per ms of wall time / 1000 = millions per second.
      const mips = dt > 50 ? Math.max(0, (instructions - first.instructions) / dt / 1000) : 0;
      if (now - track.lastHistory >= HISTORY_MS) {
        track.lastHistory = now;
        track.history.push(pct);
        track.mipsHistory.push(mips);
        if (track.history.length > HISTORY_LEN) track.history.shift();
        if (track.mipsHistory.length > HISTORY_LEN) track.mipsHistory.shift();
        track.history = track.history.slice();
        track.mipsHistory = track.mipsHistory.slice();
      }
      next[d.name] = { pct, history: track.history, mips, mipsHistory: track.mipsHistory };
    }
    for (const name of this.#tracks.keys()) if (!(name in next)) this.#tracks.delete(name);
    if (
      now - this.#published >= PUBLISH_MS ||
      Object.keys(next).length !== Object.keys(this.usage).length
    ) {
      this.#published = now;
      this.usage = next;
    }
  }
}

const shared = new WeakMap<HostSession, LiveCpu>();

/** The host's one LiveCpu: the views that show its figures (domain list, engines) read it together. */
export function liveCpu(host: HostSession): LiveCpu {
  let cpu = shared.get(host);
  if (!cpu) shared.set(host, (cpu = new LiveCpu(host)));
  return cpu;
}
