import { H, P, PCPU_STATE, V, VCPU_STATE, VF } from '../hypervisor/host/sched-state';
import { FrameLoop } from './frame-loop';
import type { HostSession } from './host.svelte';

export interface LiveVcpu {
  vcpu: number;
  state: 'running' | 'runnable' | 'halted' | 'paused' | 'offline';
  pcpu: number;
  cpuTimeMs: number;
}

export interface LivePcpu {
  pcpu: number;
  /** "domain/vcpu" running there, or undefined when idle. */
  running: string | undefined;
}

const STATES = {
  [VCPU_STATE.RUNNING]: 'running',
  [VCPU_STATE.RUNNABLE]: 'runnable',
  [VCPU_STATE.BLOCKED]: 'halted',
} as const;

/**
 * Reads the scheduler's shared state and trace every animation frame (no
 * messages): where each vCPU runs, and guest MIPS over the last second from
 * the instructions of each time slice.
 */
export class LiveSched {
  vcpus = $state.raw<LiveVcpu[]>([]);
  pcpus = $state.raw<LivePcpu[]>([]);
  mips = $state(0);
  readonly #loop = new FrameLoop(() => this.#read());

  constructor(
    readonly host: HostSession,
    readonly domain: () => string,
  ) {}

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  #read(): void {
    const st = this.host.sched;
    const trace = this.host.trace;
    if (!st || !trace) return;
    const names = new Map<number, string>();
    for (const d of this.host.domains)
      d.vcpuSlots?.forEach((slot, i) => names.set(slot, `${d.name}/${i}`));
    const n = Atomics.load(st.header, H.NPCPU);
    this.pcpus = Array.from({ length: n }, (_, p) => {
      const cur = st.pcpu(p)[P.CURRENT];
      return {
        pcpu: p,
        running:
          st.pcpu(p)[P.STATE] === PCPU_STATE.RUNNING && cur >= 0 ? names.get(cur) : undefined,
      };
    });
    const slots = this.host.domain(this.domain())?.vcpuSlots ?? [];
    this.vcpus = slots.map((slot, vcpu) => {
      const r = st.vcpu(slot);
      return {
        vcpu,
        state:
          r[V.PAUSED] && r[V.STATE] !== VCPU_STATE.RUNNING && r[V.STATE] !== VCPU_STATE.STOPPED
            ? 'paused'
            : (STATES[r[V.STATE] as keyof typeof STATES] ?? 'offline'),
        // Lock-free read: a vCPU being picked may show RUNNING before RUNNING_ON.
        pcpu:
          r[V.STATE] === VCPU_STATE.RUNNING && r[V.RUNNING_ON] >= 0
            ? r[V.RUNNING_ON]
            : r[V.LAST_PCPU],
        cpuTimeMs: st.vcpuF(slot)[VF.RUNTIME_MS],
      };
    });
    const now = performance.timeOrigin + performance.now();
    const mine = new Set(slots);
    let instructions = 0;
    for (const rec of trace.read(trace.written - 2048)) {
      if (mine.has(rec.vcpu) && rec.end > now - 1000) instructions += rec.instructions;
    }
    this.mips = instructions / 1e6;
  }
}
