/**
 * CSR addresses and field masks, RV32 (privileged spec 1.12, §2.2 table 2.2–2.5,
 * §3.1, §4.1). Only what this hart implements is listed.
 */
export const CSR = {
  // Unprivileged counters (§2.2, Zicntr)
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  cycleh: 0xc80,
  timeh: 0xc81,
  instreth: 0xc82,
  // Supervisor (§4.1)
  sstatus: 0x100,
  sie: 0x104,
  stvec: 0x105,
  scounteren: 0x106,
  senvcfg: 0x10a,
  sscratch: 0x140,
  sepc: 0x141,
  scause: 0x142,
  stval: 0x143,
  sip: 0x144,
  satp: 0x180,
  // Machine (§3.1)
  mvendorid: 0xf11,
  marchid: 0xf12,
  mimpid: 0xf13,
  mhartid: 0xf14,
  mconfigptr: 0xf15,
  mstatus: 0x300,
  misa: 0x301,
  medeleg: 0x302,
  mideleg: 0x303,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  menvcfg: 0x30a,
  mstatush: 0x310,
  menvcfgh: 0x31a,
  mcountinhibit: 0x320,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  mcycle: 0xb00,
  minstret: 0xb02,
  mcycleh: 0xb80,
  minstreth: 0xb82,
} as const;

/** mstatus fields (§3.1.6, RV32). */
export const MSTATUS = {
  SIE: 1 << 1,
  MIE: 1 << 3,
  SPIE: 1 << 5,
  UBE: 1 << 6,
  MPIE: 1 << 7,
  SPP: 1 << 8,
  MPP: 3 << 11,
  MPP_SHIFT: 11,
  FS: 3 << 13,
  MPRV: 1 << 17,
  SUM: 1 << 18,
  MXR: 1 << 19,
  TVM: 1 << 20,
  TW: 1 << 21,
  TSR: 1 << 22,
  SD: 1 << 31,
} as const;

/** Bits of mstatus a write may change: no F/V/X state, little-endian only. */
export const MSTATUS_WRITABLE =
  MSTATUS.SIE |
  MSTATUS.MIE |
  MSTATUS.SPIE |
  MSTATUS.MPIE |
  MSTATUS.SPP |
  MSTATUS.MPP |
  MSTATUS.MPRV |
  MSTATUS.SUM |
  MSTATUS.MXR |
  MSTATUS.TVM |
  MSTATUS.TW |
  MSTATUS.TSR;

/** sstatus is a restricted view of mstatus (§4.1.1). */
export const SSTATUS_MASK = 0x800de762 | 0;
export const SSTATUS_WRITABLE =
  MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP | MSTATUS.SUM | MSTATUS.MXR;

/** misa (§3.1.1): MXL=1 (32-bit), extensions A, C, I, M, S, U. */
export const MISA = (1 << 30) | (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

/** Interrupt bits in mip/mie (§3.1.9). */
export const IRQ = {
  SSI: 1,
  MSI: 3,
  STI: 5,
  MTI: 7,
  SEI: 9,
  MEI: 11,
} as const;
export const MIE_WRITABLE = 0xaaa;
/** Interrupts that may be delegated to S-mode (§3.1.8). */
export const MIDELEG_WRITABLE = 0x222;
/** Interrupts S-mode sees in sip/sie. */
export const S_INTERRUPTS = 0x222;
/** mip bits that M-mode software may write (SSIP, STIP; SEIP is left to the PLIC). */
export const MIP_WRITABLE = (1 << IRQ.SSI) | (1 << IRQ.STI);
/** Exceptions that may be delegated: all but ecall from M (11) and the reserved 10, 14. */
export const MEDELEG_WRITABLE = 0xb3ff;
/**
 * Interrupt priority for taking a trap (§3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
 */
export const IRQ_PRIORITY = [IRQ.MEI, IRQ.MSI, IRQ.MTI, IRQ.SEI, IRQ.SSI, IRQ.STI] as const;

/** Exception codes (mcause with interrupt bit clear, §3.1.15 table 3.6). */
export const EXC = {
  INSN_MISALIGNED: 0,
  INSN_ACCESS: 1,
  ILLEGAL_INSN: 2,
  BREAKPOINT: 3,
  LOAD_MISALIGNED: 4,
  LOAD_ACCESS: 5,
  STORE_MISALIGNED: 6,
  STORE_ACCESS: 7,
  ECALL_U: 8,
  ECALL_S: 9,
  ECALL_M: 11,
  INSN_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
} as const;

export const PRIV = { U: 0, S: 1, M: 3 } as const;
export type Priv = 0 | 1 | 3;

/** satp (§4.1.11, RV32): MODE bit 31 (1 = Sv32), ASID 30:22, PPN 21:0. */
export const SATP = {
  MODE_SV32: 1 << 31,
  PPN_MASK: 0x3fffff,
  /** ASIDLEN = 0: ASID bits are read-only zero, so Linux runs without ASIDs. */
  WRITABLE: (1 << 31) | 0x3fffff,
} as const;
