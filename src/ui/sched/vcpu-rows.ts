import { formatCpulist } from '../../manage/cpulist';
import { H, V, VCPU_STATE, VF, type SchedState } from '../../hypervisor/host/sched-state';

/** A vCPU's row of the placement table (virt-manager's former "Processor" details). */
export interface VcpuRow {
  vcpu: number;
  state: 'running' | 'runnable' | 'halted' | 'paused' | 'throttled' | 'offline';
  /** pCPU it runs on now, or -1. */
  pcpu: number;
  /** pCPU it last ran on, or -1 (never). */
  lastPcpu: number;
  affinity: string;
  runMs: number;
  stealMs: number;
  blockedMs: number;
  migrations: number;
  /** Guest instructions it retired, counted at the end of each of its time slices. */
  instructions: number;
}

/**
 * Reads a domain's vCPUs from the scheduler's shared state without the
 * lock (a value may be a slice old): state, placement and the time
 * counters, each brought up to `now` for the state the vCPU is in (the
 * scheduler adds to a counter only when the state changes).
 */
export function readVcpuRows(st: SchedState, slots: readonly number[], now: number): VcpuRow[] {
  const pcpus = Math.max(1, Atomics.load(st.header, H.NPCPU));
  return slots.map((slot, vcpu) => {
    const r = st.vcpu(slot);
    const f = st.vcpuF(slot);
    const s = r[V.STATE];
    const paused = r[V.PAUSED] !== 0 && s !== VCPU_STATE.RUNNING && s !== VCPU_STATE.STOPPED;
    const open = Math.max(0, now - f[VF.SINCE]);
    let runMs = f[VF.RUNTIME_MS];
    let stealMs = f[VF.STEAL_MS];
    let blockedMs = f[VF.BLOCKED_MS];
    let state: VcpuRow['state'];
    if (paused) state = 'paused';
    else if (s === VCPU_STATE.RUNNING) {
      state = 'running';
      runMs += open;
    } else if (s === VCPU_STATE.RUNNABLE) {
      state = r[V.THROTTLED] ? 'throttled' : 'runnable';
      stealMs += open;
    } else if (s === VCPU_STATE.BLOCKED) {
      state = 'halted';
      blockedMs += open;
    } else state = 'offline';
    // Lock-free read: a vCPU being picked may show RUNNING before RUNNING_ON.
    const on = s === VCPU_STATE.RUNNING ? r[V.RUNNING_ON] : -1;
    return {
      vcpu,
      state,
      pcpu: on,
      lastPcpu: r[V.LAST_PCPU],
      affinity: formatCpulist(r[V.PIN_MASK], pcpus),
      runMs,
      stealMs,
      blockedMs,
      migrations: r[V.MIGRATIONS],
      instructions: f[VF.INSTRUCTIONS],
    };
  });
}

/** "850 ms", "12.3 s", "4 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
