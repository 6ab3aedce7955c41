/**
 * 32-bit base instruction encoders (unprivileged spec §2.3, figure 2.3).
 * Used to expand compressed instructions and by tests to assemble programs.
 */
export const encR = (
  f7: number,
  rs2: number,
  rs1: number,
  f3: number,
  rd: number,
  op: number,
): number => (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op | 0;

export const encI = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op | 0;

export const encS = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  (((imm >> 5) & 0x7f) << 25) |
  (rs2 << 20) |
  (rs1 << 15) |
  (f3 << 12) |
  ((imm & 0x1f) << 7) |
  op |
  0;

export const encB = (imm: number, rs2: number, rs1: number, f3: number, op = 0x63): number =>
  (((imm >> 12) & 1) << 31) |
  (((imm >> 5) & 0x3f) << 25) |
  (rs2 << 20) |
  (rs1 << 15) |
  (f3 << 12) |
  (((imm >> 1) & 0xf) << 8) |
  (((imm >> 11) & 1) << 7) |
  op |
  0;

export const encU = (imm: number, rd: number, op: number): number =>
  (imm & 0xfffff000) | (rd << 7) | op | 0;

export const encJ = (imm: number, rd: number, op = 0x6f): number =>
  (((imm >> 20) & 1) << 31) |
  (((imm >> 1) & 0x3ff) << 21) |
  (((imm >> 11) & 1) << 20) |
  (((imm >> 12) & 0xff) << 12) |
  (rd << 7) |
  op |
  0;

export const OP = {
  LOAD: 0x03,
  MISC_MEM: 0x0f,
  OP_IMM: 0x13,
  AUIPC: 0x17,
  STORE: 0x23,
  AMO: 0x2f,
  OP: 0x33,
  LUI: 0x37,
  BRANCH: 0x63,
  JALR: 0x67,
  JAL: 0x6f,
  SYSTEM: 0x73,
} as const;
