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
/**
 * Sleeper credit: a waking vCPU is placed at most this far behind its run
 * queue's min_vruntime (CFS place_entity with GENTLE_FAIR_SLEEPERS:
 * sysctl_sched_latency / 2 = 3 ms).
 */
export const WAKE_CREDIT_MS = 3;
/**
 * A running vCPU preempted for a woken one has run at least this long in
 * its slice (CFS sysctl_sched_wakeup_granularity = 1 ms).
 */
export const WAKEUP_GRAN_MS = 1;

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
 *
 * Placement (ARCHITECTURE.md, "Scheduler guarantees"): every pCPU keeps a
 * monotonic run-queue clock (PF.MIN_VRUNTIME, CFS's min_vruntime), advanced
 * at each pick to the least vruntime of the vCPUs allowed there. A vCPU that
 * has not been competing (woken from WFI, started, resumed, re-pinned) is
 * placed against the clock of the pCPUs it may run on: at most
 * WAKE_CREDIT_MS behind it (place_entity), never its own stale vruntime, so
 * a vCPU that slept for a minute cannot then run for a minute.
 */
export class VcpuScheduler {
  constructor(readonly st: SchedState) {}

  /** Picks the next vCPU for pCPU `pcpu` and marks it running there. */
  pick(pcpu: number, now: number): Pick {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      Atomics.store(st.pcpu(pcpu), P.RESCHED, 0);
      let best = -1;
      let bestVr = Infinity;
      let wakeAt = Infinity;
      /** Least vruntime of the vCPUs competing on this pCPU (running ones included, as CFS's curr). */
      let minVr = Infinity;
      for (let v = 0; v < MAX_VCPUS; v++) {
        const r = st.vcpu(v);
        const state = r[V.STATE];
        if (state === VCPU_STATE.FREE || state === VCPU_STATE.STOPPED) continue;
        const f = st.vcpuF(v);
        if (state === VCPU_STATE.RUNNING) {
          if (r[V.PIN_MASK] === -1 || ((r[V.PIN_MASK] >>> pcpu) & 1) !== 0)
            minVr = Math.min(minVr, f[VF.VRUNTIME]);
          continue;
        }
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
      minVr = Math.min(minVr, bestVr);
      if (minVr !== Infinity && minVr > pf[PF.MIN_VRUNTIME]) pf[PF.MIN_VRUNTIME] = minVr;
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
    end: {
      halted: boolean;
      stopped: boolean;
      wakeAt: number;
      stillHalted: () => boolean;
      /**
       * Guest instructions the slice retired (VF.INSTRUCTIONS); none when
       * absent, and none counted when negative (a hart reset in the slice
       * zeroed its minstret).
       */
      instructions?: number;
    },
  ): number {
    const st = this.st;
    lock(st.header, H.LOCK);
    try {
      const r = st.vcpu(v);
      const f = st.vcpuF(v);
      f[VF.RUNTIME_MS] += ranMs;
      if (end.instructions !== undefined && end.instructions > 0)
        f[VF.INSTRUCTIONS] += end.instructions;
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
    const r = this.st.vcpu(v);
    Atomics.store(r, V.KICKED, 1);
    if (Atomics.load(r, V.STATE) === VCPU_STATE.BLOCKED && Atomics.load(r, V.PAUSED) === 0)
      this.#preemptFor(r);
    this.notifyWork();
  }

  /**
   * CFS's check_preempt_wakeup, lock-free: a halted vCPU was kicked. If a
   * pCPU it may run on is idle (or about to pick), that pCPU takes it at
   * once; otherwise ask the allowed pCPU whose vCPU has run the most
   * (highest vruntime) to end its slice early (P.RESCHED). The pick that
   * follows decides by vruntime under the lock, so a stale read here costs
   * at most one early slice end.
   */
  #preemptFor(r: Int32Array): void {
    const st = this.st;
    const mask = Atomics.load(r, V.PIN_MASK);
    const n = Math.max(1, Atomics.load(st.header, H.NPCPU));
    let target = -1;
    let most = -Infinity;
    for (let p = 0; p < n; p++) {
      if (mask !== -1 && ((mask >>> p) & 1) === 0) continue;
      const rec = st.pcpu(p);
      const cur = Atomics.load(rec, P.CURRENT);
      if (Atomics.load(rec, P.STATE) !== PCPU_STATE.RUNNING || cur < 0) return;
      const vr = st.vcpuF(cur)[VF.VRUNTIME];
      if (vr > most) {
        most = vr;
        target = p;
      }
    }
    if (target >= 0) Atomics.store(st.pcpu(target), P.RESCHED, 1);
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
    this.#place(v, WAKE_CREDIT_MS);
    st.vcpu(v)[V.STATE] = VCPU_STATE.RUNNABLE;
  }

  /**
   * Under the lock: the run-queue clock vCPU `v` competes against: the
   * highest PF.MIN_VRUNTIME among the online pCPUs its mask allows (on the
   * pCPU with the highest clock it meets vCPUs that have run the most, so
   * placing it there gives no one an unbounded lead). `mask` defaults to its own.
   */
  #clock(v: number, mask = this.st.vcpu(v)[V.PIN_MASK]): number {
    const st = this.st;
    const n = Math.max(1, st.header[H.NPCPU]);
    let clock = 0;
    for (let p = 0; p < n; p++) {
      if (mask !== -1 && ((mask >>> p) & 1) === 0) continue;
      clock = Math.max(clock, st.pcpuF(p)[PF.MIN_VRUNTIME]);
    }
    return clock;
  }

  /** Under the lock: CFS place_entity: at least the clock minus `credit` (never moved back). */
  #place(v: number, credit: number): void {
    const f = this.st.vcpuF(v);
    const floor = this.#clock(v) - credit;
    if (f[VF.VRUNTIME] < floor) f[VF.VRUNTIME] = floor;
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
        f[VF.VRUNTIME] = this.#clock(v);
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
      this.#place(v, 0);
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

  /**
   * Pauses or resumes a vCPU (its VM suspended or resumed). A paused vCPU
   * does not compete, so on resume it is placed like a waking one.
   */
  setPaused(v: number, paused: boolean, now: number): void {
    this.#update(v, (r, f) => {
      if (!paused && r[V.PAUSED]) {
        this.#place(v, WAKE_CREDIT_MS);
        if (r[V.STATE] === VCPU_STATE.RUNNABLE) {
          // Time spent paused is neither steal (it was not waiting for a pCPU) nor run time.
          f[VF.BLOCKED_MS] += Math.max(0, now - f[VF.SINCE]);
          f[VF.SINCE] = now;
        }
      } else if (paused && !r[V.PAUSED] && r[V.STATE] === VCPU_STATE.RUNNABLE) {
        f[VF.STEAL_MS] += Math.max(0, now - f[VF.SINCE]);
        f[VF.SINCE] = now;
      }
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
      if (params.pinMask !== undefined && params.pinMask !== r[V.PIN_MASK]) {
        // Moving to other pCPUs: keep its lag against the run-queue clock
        // (CFS renormalises vruntime on migration between run queues).
        const f = this.st.vcpuF(v);
        const lag = f[VF.VRUNTIME] - this.#clock(v);
        r[V.PIN_MASK] = params.pinMask;
        f[VF.VRUNTIME] = this.#clock(v) + Math.max(-WAKE_CREDIT_MS, lag);
      }
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
