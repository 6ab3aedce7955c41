import { lock, unlock } from '../sync/spinlock';
import {
  H,
  MAX_VCPUS,
  P,
  PCPU_STATE,
  PF,
  SLICE_END,
  SchedState,
  V,
  VCPU_STATE,
  VF,
} from './sched-state';

/** Default time slice (CFS's sched_min_granularity is 0.75–3 ms; a 4 ms slice keeps switch costs low here). */
export const SLICE_MS = 4;
export const DEFAULT_SHARES = 1024;
export const DEFAULT_PERIOD_US = 100_000;
/** A waking vCPU is placed at most this far behind the least vruntime (CFS sched_latency / 2). */
const WAKE_CREDIT_MS = 3;

export interface Pick {
  /** vCPU slot to run, or -1 when nothing is runnable here. */
  vcpu: number;
  /** How long it may run (ms): the slice, or less when its quota runs out. */
  sliceMs: number;
  /** With vcpu = -1: when something may become runnable (host ms, Infinity = only on a kick). */
  wakeAt: number;
  /** The vCPU last ran on another pCPU (its per-thread TLB there is stale). */
  migrated: boolean;
}

/**
 * The vCPU scheduler: weighted fair share like CFS (pick the runnable vCPU
 * with the least vruntime; vruntime grows by runtime × 1024 / shares), with
 * cgroup bandwidth caps (quota per period) and pinning masks. All functions
 * take the scheduler lock themselves; they are called by pCPU workers,
 * VMM workers (kicks) and the control worker.
 */
export class VcpuScheduler {
  constructor(readonly st: SchedState) {}

  /** Picks the next vCPU for pCPU `pcpu` and marks it running there. */
  pick(pcpu: number, now: number): Pick {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      let best = -1;
      let bestVr = Infinity;
      let wakeAt = Infinity;
      for (let v = 0; v < MAX_VCPUS; v++) {
        const r = st.vcpu(v);
        const state = r[V.STATE];
        if (
          state === VCPU_STATE.FREE ||
          state === VCPU_STATE.STOPPED ||
          state === VCPU_STATE.RUNNING
        )
          continue;
        const f = st.vcpuF(v);
        if (state === VCPU_STATE.BLOCKED) {
          if (Atomics.exchange(r, V.KICKED, 0) !== 0 || f[VF.WAKE_AT] <= now) this.#wake(v, now);
          else {
            if (!r[V.PAUSED]) wakeAt = Math.min(wakeAt, f[VF.WAKE_AT]);
            continue;
          }
        }
        if (r[V.PAUSED]) continue;
        if (r[V.THROTTLED]) {
          const periodEnd = f[VF.PERIOD_START] + r[V.PERIOD_US] / 1000;
          if (now < periodEnd) {
            wakeAt = Math.min(wakeAt, periodEnd);
            continue;
          }
          r[V.THROTTLED] = 0;
          f[VF.PERIOD_START] = now;
          f[VF.USED_IN_PERIOD_MS] = 0;
        }
        if (r[V.PIN_MASK] !== -1 && ((r[V.PIN_MASK] >>> pcpu) & 1) === 0) continue;
        if (f[VF.VRUNTIME] < bestVr) {
          bestVr = f[VF.VRUNTIME];
          best = v;
        }
      }
      const p = st.pcpu(pcpu);
      const pf = st.pcpuF(pcpu);
      if (best < 0) {
        p[P.CURRENT] = -1;
        return { vcpu: -1, sliceMs: 0, wakeAt, migrated: false };
      }
      const r = st.vcpu(best);
      const f = st.vcpuF(best);
      f[VF.STEAL_MS] += now - f[VF.SINCE];
      f[VF.SINCE] = now;
      f[VF.SLICES]++;
      r[V.RUNNING_ON] = pcpu;
      r[V.STATE] = VCPU_STATE.RUNNING;
      Atomics.store(r, V.KICKED, 0); // it will see its pending interrupts when it runs
      const migrated = r[V.LAST_PCPU] !== pcpu;
      if (migrated && r[V.LAST_PCPU] >= 0) r[V.MIGRATIONS]++;
      r[V.LAST_PCPU] = pcpu;
      p[P.CURRENT] = best;
      p[P.STATE] = PCPU_STATE.RUNNING;
      pf[PF.SINCE] = now;
      let sliceMs = SLICE_MS;
      if (r[V.QUOTA_US] >= 0) {
        if (now >= f[VF.PERIOD_START] + r[V.PERIOD_US] / 1000) {
          f[VF.PERIOD_START] = now;
          f[VF.USED_IN_PERIOD_MS] = 0;
        }
        sliceMs = Math.max(0.05, Math.min(sliceMs, r[V.QUOTA_US] / 1000 - f[VF.USED_IN_PERIOD_MS]));
      }
      return { vcpu: best, sliceMs, wakeAt: Infinity, migrated };
    } finally {
      unlock(st.header, H.LOCK);
    }
  }

  /**
   * Ends vCPU `v`'s slice on `pcpu` after `ranMs`. `halted`: it stopped in
   * WFI; `wakeAt` is its timer deadline; `stillHalted()` is re-checked under
   * the lock so an interrupt raised just before cannot be lost (a kick after
   * this takes the same lock and sees BLOCKED).
   */
  put(
    v: number,
    pcpu: number,
    now: number,
    ranMs: number,
    end: { halted: boolean; stopped: boolean; wakeAt: number; stillHalted: () => boolean },
  ): number {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      const r = st.vcpu(v);
      const f = st.vcpuF(v);
      f[VF.RUNTIME_MS] += ranMs;
      f[VF.VRUNTIME] += (ranMs * DEFAULT_SHARES) / Math.max(1, r[V.SHARES]);
      f[VF.SINCE] = now;
      r[V.RUNNING_ON] = -1;
      const pf = st.pcpuF(pcpu);
      pf[PF.BUSY_MS] += now - pf[PF.SINCE];
      pf[PF.SINCE] = now;
      st.pcpu(pcpu)[P.CURRENT] = -1;
      st.pcpu(pcpu)[P.STATE] = PCPU_STATE.PICKING;
      let why: number = SLICE_END.PREEMPTED;
      if (r[V.QUOTA_US] >= 0) {
        f[VF.USED_IN_PERIOD_MS] += ranMs;
        if (f[VF.USED_IN_PERIOD_MS] >= r[V.QUOTA_US] / 1000) {
          r[V.THROTTLED] = 1;
          why = SLICE_END.THROTTLED;
        }
      }
      if (r[V.STATE] !== VCPU_STATE.RUNNING) {
        // Released or stopped by the control worker while it ran: keep that state.
      } else if (end.stopped) {
        r[V.STATE] = VCPU_STATE.STOPPED;
        why = SLICE_END.STOPPED;
      } else if (end.halted && end.stillHalted()) {
        r[V.STATE] = VCPU_STATE.BLOCKED;
        f[VF.WAKE_AT] = end.wakeAt;
        why = SLICE_END.WFI;
      } else {
        r[V.STATE] = VCPU_STATE.RUNNABLE;
      }
      r[V.LAST_EXIT] = why;
      return why;
    } finally {
      unlock(st.header, H.LOCK);
    }
    // A runnable vCPU may be waiting for a pCPU: the caller picks again at once.
  }

  /**
   * An interrupt is pending for vCPU `v`: if it is halted, the next pick
   * wakes it. Lock-free (Atomics only), so the irqchip may call it while
   * holding its own lock. The pending bit must be set in mip before the
   * kick: a vCPU deciding to halt re-checks mip under the scheduler lock
   * (put), and a kick that comes after that finds it BLOCKED.
   */
  kick(v: number): void {
    Atomics.store(this.st.vcpu(v), V.KICKED, 1);
    this.notifyWork();
  }

  notifyWork(): void {
    Atomics.add(this.st.header, H.WORK_SEQ, 1);
    Atomics.notify(this.st.header, H.WORK_SEQ);
  }

  /** Under the lock: BLOCKED → RUNNABLE, with CFS-style placement of its vruntime. */
  #wake(v: number, now: number): void {
    const st = this.st;
    const f = st.vcpuF(v);
    f[VF.BLOCKED_MS] += now - f[VF.SINCE];
    f[VF.SINCE] = now;
    f[VF.WAKE_AT] = Infinity;
    st.vcpu(v)[V.STATE] = VCPU_STATE.RUNNABLE;
    const floor = this.#minVruntime() - WAKE_CREDIT_MS;
    if (f[VF.VRUNTIME] < floor) f[VF.VRUNTIME] = floor;
  }

  #minVruntime(): number {
    let min = Infinity;
    for (let v = 0; v < MAX_VCPUS; v++) {
      const s = this.st.vcpu(v)[V.STATE];
      if (s === VCPU_STATE.RUNNABLE || s === VCPU_STATE.RUNNING)
        min = Math.min(min, this.st.vcpuF(v)[VF.VRUNTIME]);
    }
    return min === Infinity ? 0 : min;
  }

  /** Claims a free vCPU slot for (vm, index); returns it, or -1 when the host has none left. */
  assign(vm: number, index: number, now: number): number {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      for (let v = 0; v < MAX_VCPUS; v++) {
        const r = st.vcpu(v);
        if (r[V.STATE] !== VCPU_STATE.FREE) continue;
        const gen = r[V.GEN] + 1;
        r.fill(0);
        st.vcpuF(v).fill(0);
        r[V.GEN] = gen;
        r[V.STATE] = VCPU_STATE.STOPPED;
        r[V.VM] = vm;
        r[V.INDEX] = index;
        r[V.SHARES] = DEFAULT_SHARES;
        r[V.PIN_MASK] = -1;
        r[V.RUNNING_ON] = -1;
        r[V.LAST_PCPU] = -1;
        r[V.QUOTA_US] = -1;
        r[V.PERIOD_US] = DEFAULT_PERIOD_US;
        const f = st.vcpuF(v);
        f[VF.SINCE] = now;
        f[VF.PERIOD_START] = now;
        f[VF.WAKE_AT] = Infinity;
        f[VF.VRUNTIME] = this.#minVruntime();
        return v;
      }
      return -1;
    } finally {
      unlock(st.header, H.LOCK);
    }
  }

  /** Sets a stopped vCPU runnable (VM start, HSM hart_start). */
  start(v: number, now: number): void {
    this.#update(v, (r, f) => {
      if (r[V.STATE] !== VCPU_STATE.STOPPED) return;
      f[VF.BLOCKED_MS] += now - f[VF.SINCE];
      f[VF.SINCE] = now;
      f[VF.VRUNTIME] = Math.max(f[VF.VRUNTIME], this.#minVruntime());
      r[V.STATE] = VCPU_STATE.RUNNABLE;
    });
    this.notifyWork();
  }

  /** Marks a vCPU stopped (if it is running, it stops at the end of its slice). */
  stop(v: number, now: number): void {
    this.#update(v, (r, f) => {
      if (r[V.STATE] === VCPU_STATE.RUNNING || r[V.STATE] === VCPU_STATE.FREE) return;
      f[VF.SINCE] = now;
      r[V.STATE] = VCPU_STATE.STOPPED;
    });
  }

  /** Frees a slot; the vCPU must not be running. Returns false if it still is. */
  release(v: number): boolean {
    let ok = false;
    this.#update(v, (r) => {
      if (r[V.STATE] === VCPU_STATE.RUNNING) return;
      r[V.STATE] = VCPU_STATE.FREE;
      ok = true;
    });
    return ok;
  }

  setPaused(v: number, paused: boolean): void {
    this.#update(v, (r) => {
      r[V.PAUSED] = paused ? 1 : 0;
    });
    if (!paused) this.notifyWork();
  }

  /** libvirt's schedinfo knobs for one vCPU. */
  setParams(
    v: number,
    params: { shares?: number; quotaUs?: number; periodUs?: number; pinMask?: number },
  ): void {
    this.#update(v, (r) => {
      if (params.shares !== undefined) r[V.SHARES] = params.shares;
      if (params.quotaUs !== undefined) {
        r[V.QUOTA_US] = params.quotaUs;
        if (params.quotaUs < 0) r[V.THROTTLED] = 0;
      }
      if (params.periodUs !== undefined) r[V.PERIOD_US] = params.periodUs;
      if (params.pinMask !== undefined) r[V.PIN_MASK] = params.pinMask;
    });
    this.notifyWork();
  }

  isRunning(v: number): boolean {
    return Atomics.load(this.st.vcpu(v), V.STATE) === VCPU_STATE.RUNNING;
  }

  #update(v: number, fn: (r: Int32Array, f: Float64Array) => void): void {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      fn(st.vcpu(v), st.vcpuF(v));
    } finally {
      unlock(st.header, H.LOCK);
    }
  }

  /** An idle pCPU's bookkeeping before it sleeps / after it wakes. */
  pcpuIdle(pcpu: number, now: number, idle: boolean): void {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      const p = st.pcpu(pcpu);
      const pf = st.pcpuF(pcpu);
      if (idle && p[P.STATE] !== PCPU_STATE.IDLE) {
        pf[PF.SINCE] = now;
        p[P.STATE] = PCPU_STATE.IDLE;
      } else if (!idle && p[P.STATE] === PCPU_STATE.IDLE) {
        pf[PF.IDLE_MS] += now - pf[PF.SINCE];
        pf[PF.SINCE] = now;
        p[P.STATE] = PCPU_STATE.PICKING;
      }
    } finally {
      unlock(st.header, H.LOCK);
    }
  }
}
