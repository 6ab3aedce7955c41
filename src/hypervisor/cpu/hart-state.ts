/**
 * The architectural state of one hart, in a SharedArrayBuffer so any pCPU
 * worker can run any vCPU. Layout (documented in ARCHITECTURE.md):
 *
 *   Int32 words 0..31   x0..x31 (x0 always 0)
 *   Int32 word  32      pc
 *   Int32 word  33      privilege (0 U, 1 S, 3 M)
 *   Int32 words 34..63  CSRs, indices in `S` below
 *   Float64 at byte 256 instret, cycle (64-bit counters as doubles, < 2^53)
 *   Float64 at byte 272 SBI timer deadline in mtime ticks (Infinity = none)
 *   Float64 at byte 280 SBI STA: host steal (ms) already reported to the guest
 *
 * Ownership: only the worker currently running the hart writes it, except
 * `MIP`, which devices and other harts set with Atomics.or/and (an
 * interrupt is "pending" the moment its bit is set), and `WAKE`, the word a
 * halted hart sleeps on in Atomics.wait.
 */
export const S = {
  PC: 32,
  PRIV: 33,
  MSTATUS: 34,
  MEDELEG: 35,
  MIDELEG: 36,
  MIE: 37,
  MTVEC: 38,
  MCOUNTEREN: 39,
  MSCRATCH: 40,
  MEPC: 41,
  MCAUSE: 42,
  MTVAL: 43,
  MIP: 44,
  STVEC: 45,
  SCOUNTEREN: 46,
  SSCRATCH: 47,
  SEPC: 48,
  SCAUSE: 49,
  STVAL: 50,
  SATP: 51,
  MENVCFG: 52,
  SENVCFG: 53,
  MCOUNTINHIBIT: 54,
  HARTID: 55,
  /** Atomics.wait target for a hart halted in WFI or stopped by HSM. */
  WAKE: 56,
  /** HSM state (SBI v2.0 §9): 0 started, 1 stopped, 2 start pending, 3 stop pending. */
  HSM: 57,
  /** SBI STA (sbi/sta.ts): guest-physical address of the hart's steal-time structure. */
  STA_SHMEM: 58,
  /** SBI STA: 1 while steal-time reporting is on (set_shmem), 0 after a reset or disable. */
  STA_ON: 59,
  WORDS: 64,
} as const;

export const HART_STATE_BYTES = 512;
const F64_BASE = 256 / 8;
export const F = {
  INSTRET: F64_BASE + 0,
  CYCLE: F64_BASE + 1,
  SBI_TIMECMP: F64_BASE + 2,
  /** SBI STA: the vCPU's host steal (ms, scheduler VF.STEAL_MS) already added to the structure. */
  STA_REPORTED: F64_BASE + 3,
} as const;

export class HartState {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  constructor(
    readonly sab: SharedArrayBuffer = new SharedArrayBuffer(HART_STATE_BYTES),
    readonly byteOffset = 0,
  ) {
    this.i32 = new Int32Array(sab, byteOffset, HART_STATE_BYTES / 4);
    this.f64 = new Float64Array(sab, byteOffset, HART_STATE_BYTES / 8);
  }
}

/** The architectural reset state of a hart (priv. spec §3.4) entering at `pc` in `priv`. */
export function resetHartState(st: HartState, hartId: number, pc: number, priv: number): void {
  st.i32.fill(0, 0, S.WORDS);
  st.i32[S.HARTID] = hartId;
  st.i32[S.PC] = pc;
  st.i32[S.PRIV] = priv;
  st.f64[F.INSTRET] = 0;
  st.f64[F.CYCLE] = 0;
  st.f64[F.SBI_TIMECMP] = Infinity;
  st.f64[F.STA_REPORTED] = 0;
}
