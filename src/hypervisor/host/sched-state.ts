/**
 * The scheduler's shared state: run queues, per-vCPU and per-pCPU records,
 * in one SharedArrayBuffer that every pCPU worker, every VMM worker and the
 * control worker map. Layout (ARCHITECTURE.md, "Scheduler state"):
 *
 *   Int32 words [0, 16)            header (H.*)
 *   pCPU records from byte 64      MAX_PCPUS × 64 bytes: 8 Int32 (P.*) then 4 Float64 (PF.*)
 *   vCPU records after them        MAX_VCPUS × 256 bytes: 32 Int32 (V.*) then 16 Float64 (VF.*)
 *
 * Every field of a vCPU or pCPU record, and H.* except WORK_SEQ/CONFIG_GEN/
 * SHUTDOWN, is read and written only while holding H.LOCK (spinlock.ts), so
 * plain typed-array access is enough inside the lock. WORK_SEQ, CONFIG_GEN
 * and SHUTDOWN are Atomics words that idle pCPUs sleep on or poll.
 * V.FLUSH_REQ / V.FLUSH_ACK / V.KICKED are Atomics words used without the lock.
 * VF.STEAL_MS of a RUNNING vCPU is read without the lock by the thread that
 * runs it (SBI STA, vcpu.ts): only pick and setPaused write it, never then.
 */
export const MAX_PCPUS = 32;
export const MAX_VCPUS = 128;

export const H = {
  LOCK: 0,
  /** Bumped and notified whenever a vCPU may have become runnable. Idle pCPUs wait on it. */
  WORK_SEQ: 1,
  /** pCPUs online (configured). */
  NPCPU: 2,
  /** Bumped when pCPU workers have messages to read (a VM added or removed). */
  CONFIG_GEN: 3,
  /** 1 = pCPU workers exit. */
  SHUTDOWN: 4,
  WORDS: 16,
} as const;

export const P = {
  /** vCPU slot running here, or -1. */
  CURRENT: 0,
  /** 0 idle (sleeping), 1 running a vCPU, 2 picking. */
  STATE: 1,
  ONLINE: 2,
  /**
   * Wake-up preemption (Atomics, no lock): set by a kick that woke a vCPU
   * while every pCPU it may use was busy; the vCPU running here ends its
   * slice at its next check once it has run WAKEUP_GRAN_MS. Cleared at pick.
   */
  RESCHED: 3,
  WORDS: 8,
} as const;
export const PF = {
  BUSY_MS: 0,
  IDLE_MS: 1,
  SINCE: 2,
  /**
   * This pCPU's run-queue clock (CFS's cfs_rq->min_vruntime): the least
   * vruntime of the vCPUs that compete here, never moving backwards. Waking,
   * starting, resuming and newly pinned vCPUs are placed relative to it.
   */
  MIN_VRUNTIME: 3,
} as const;
export const PCPU_STATE = { IDLE: 0, RUNNING: 1, PICKING: 2 } as const;

export const V = {
  /** VCPU_STATE.* */
  STATE: 0,
  /** Index of the VM (its slot in the host's VM table). */
  VM: 1,
  /** The vCPU's hart id inside its VM. */
  INDEX: 2,
  /** CPU weight, libvirt `shares` (cgroup cpu.shares): default 1024. */
  SHARES: 3,
  /** Allowed pCPUs as a bitmask (bit p = pCPU p); -1 = any. */
  PIN_MASK: 4,
  RUNNING_ON: 5,
  LAST_PCPU: 6,
  MIGRATIONS: 7,
  /** Bandwidth cap: µs of CPU per period, -1 = unlimited (cgroup cpu.cfs_quota_us). */
  QUOTA_US: 8,
  /** Period of the cap, µs (cpu.cfs_period_us, default 100000). */
  PERIOD_US: 9,
  THROTTLED: 10,
  /** Remote TLB flush requests (Atomics): the requester increments, the vCPU's runner acks. */
  FLUSH_REQ: 11,
  FLUSH_ACK: 12,
  /** Generation of this slot: bumped when a vCPU is (re)assigned, so stale per-thread objects are not reused. */
  GEN: 13,
  /** Why its last slice ended (SLICE_END.*). */
  LAST_EXIT: 14,
  /** VM paused: not picked. */
  PAUSED: 15,
  /** Set (Atomics, no lock) by an interrupt for a halted vCPU; the next pick wakes it. */
  KICKED: 16,
  WORDS: 32,
} as const;

export const VF = {
  /** Weighted virtual runtime, ms (CFS vruntime): runtime × 1024 / shares. */
  VRUNTIME: 0,
  RUNTIME_MS: 1,
  /** Runnable but not running (waiting for a pCPU). */
  STEAL_MS: 2,
  /** Halted in WFI or stopped. */
  BLOCKED_MS: 3,
  /** hostNow() of the last state change. */
  SINCE: 4,
  PERIOD_START: 5,
  USED_IN_PERIOD_MS: 6,
  /** Host time at which a blocked vCPU's timer fires (Infinity = none). */
  WAKE_AT: 7,
  SLICES: 8,
  /**
   * Guest instructions retired on this vCPU, summed per time slice (its
   * minstret's growth over each slice, as the trace records it): what the
   * page's live MIPS read.
   */
  INSTRUCTIONS: 9,
  WORDS: 16,
} as const;

export const VCPU_STATE = {
  FREE: 0,
  /** Defined but not running (HSM stopped, or VM shut off). */
  STOPPED: 1,
  RUNNABLE: 2,
  RUNNING: 3,
  /** Halted in WFI until an interrupt or its timer. */
  BLOCKED: 4,
} as const;

/** Why a time slice ended (the trace's "why it stopped"). */
export const SLICE_END = {
  PREEMPTED: 0,
  WFI: 1,
  STOPPED: 2,
  THROTTLED: 3,
} as const;

const HEADER_BYTES = 64;
const PCPU_BYTES = 64;
const VCPU_BYTES = 256;
export const SCHED_BYTES = HEADER_BYTES + MAX_PCPUS * PCPU_BYTES + MAX_VCPUS * VCPU_BYTES;

/** Typed views of one scheduler state buffer. */
export class SchedState {
  readonly header: Int32Array;
  readonly #pcpuI: Int32Array[] = [];
  readonly #pcpuF: Float64Array[] = [];
  readonly #vcpuI: Int32Array[] = [];
  readonly #vcpuF: Float64Array[] = [];

  constructor(readonly sab: SharedArrayBuffer = new SharedArrayBuffer(SCHED_BYTES)) {
    this.header = new Int32Array(sab, 0, H.WORDS);
    for (let p = 0; p < MAX_PCPUS; p++) {
      const at = HEADER_BYTES + p * PCPU_BYTES;
      this.#pcpuI.push(new Int32Array(sab, at, P.WORDS));
      this.#pcpuF.push(new Float64Array(sab, at + P.WORDS * 4, 4));
    }
    for (let v = 0; v < MAX_VCPUS; v++) {
      const at = HEADER_BYTES + MAX_PCPUS * PCPU_BYTES + v * VCPU_BYTES;
      this.#vcpuI.push(new Int32Array(sab, at, V.WORDS));
      this.#vcpuF.push(new Float64Array(sab, at + V.WORDS * 4, VF.WORDS));
    }
  }

  pcpu(p: number): Int32Array {
    return this.#pcpuI[p];
  }
  pcpuF(p: number): Float64Array {
    return this.#pcpuF[p];
  }
  vcpu(v: number): Int32Array {
    return this.#vcpuI[v];
  }
  vcpuF(v: number): Float64Array {
    return this.#vcpuF[v];
  }
}
