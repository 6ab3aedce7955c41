/**
 * Finds a translation block: the instructions from one offset of a guest
 * page up to and including the first control transfer, stopping before an
 * instruction the translator does not handle (SYSTEM, FENCE.I,
 * anything illegal: the interpreter runs those and takes their traps), before
 * an instruction that crosses the page end, and at the page end. Decoding
 * is the interpreter's: 32-bit instructions as they are, compressed ones
 * through the same expansion table (compressed.ts).
 */

/** Most instructions in one block (bounds the work between budget checks). */
export const MAX_BLOCK_INSNS = 64;

export interface GuestInsn {
  /** Byte offset in the page. */
  off: number;
  /** The 32-bit (expanded) encoding. */
  insn: number;
  len: 2 | 4;
}

export interface ScannedBlock {
  /** Offset in the page of the first instruction. */
  start: number;
  insns: GuestInsn[];
  /** Offset just after the last instruction. */
  end: number;
}

/** Major opcodes (insn[6:2]), unprivileged spec ch. 34 table 34.1. */
export const MAJOR = {
  LOAD: 0,
  MISC_MEM: 3,
  OP_IMM: 4,
  AUIPC: 5,
  STORE: 8,
  AMO: 11,
  OP: 12,
  LUI: 13,
  BRANCH: 24,
  JALR: 25,
  JAL: 27,
  SYSTEM: 28,
} as const;

/** funct5 of the RV32A instructions (unprivileged spec ch. 13, table 34.x "RV32A"). */
export const AMO = {
  ADD: 0x00,
  SWAP: 0x01,
  LR: 0x02,
  SC: 0x03,
  XOR: 0x04,
  OR: 0x08,
  AND: 0x0c,
  MIN: 0x10,
  MAX: 0x14,
  MINU: 0x18,
  MAXU: 0x1c,
} as const;
const AMO_FUNCT5 = new Set<number>(Object.values(AMO));

/** True for the encodings the translator handles, exactly those the interpreter executes without a trap of its own. */
export function translatable(insn: number): boolean {
  const f3 = (insn >> 12) & 7;
  const f7 = insn >>> 25;
  switch ((insn >>> 2) & 31) {
    case MAJOR.LUI:
    case MAJOR.AUIPC:
    case MAJOR.JAL:
      return true;
    case MAJOR.JALR:
      return f3 === 0;
    case MAJOR.BRANCH:
      return f3 !== 2 && f3 !== 3;
    case MAJOR.LOAD:
      return f3 !== 3 && f3 < 6;
    case MAJOR.STORE:
      return f3 <= 2;
    case MAJOR.OP_IMM:
      return f3 === 1 ? f7 === 0 : f3 === 5 ? f7 === 0 || f7 === 0x20 : true;
    case MAJOR.OP:
      return f7 === 0 || f7 === 1 || (f7 === 0x20 && (f3 === 0 || f3 === 5));
    case MAJOR.AMO:
      // RV32A (unprivileged spec ch. 13): .W only; LR.W needs rs2 = 0; other funct5 values are illegal.
      return (
        f3 === 2 && AMO_FUNCT5.has(f7 >>> 2) && (f7 >>> 2 !== AMO.LR || ((insn >> 20) & 31) === 0)
      );
    case MAJOR.MISC_MEM:
      return f3 === 0; // FENCE: a no-op here (every access is sequentially consistent enough); FENCE.I is the interpreter's
    default:
      return false;
  }
}

export function isControlTransfer(insn: number): boolean {
  const major = (insn >>> 2) & 31;
  return major === MAJOR.BRANCH || major === MAJOR.JAL || major === MAJOR.JALR;
}

/** Scans the block at `start` of the frame at host byte offset `frameBase`. */
export function scanBlock(
  ram16: Uint16Array,
  ctab: Int32Array | Uint32Array | number[],
  frameBase: number,
  start: number,
): ScannedBlock {
  const insns: GuestInsn[] = [];
  let off = start;
  while (insns.length < MAX_BLOCK_INSNS && off < 4096) {
    const raw = ram16[(frameBase + off) >> 1];
    let insn: number;
    let len: 2 | 4;
    if ((raw & 3) === 3) {
      if (off === 4094) break;
      insn = raw | (ram16[((frameBase + off) >> 1) + 1] << 16);
      len = 4;
    } else {
      insn = ctab[raw];
      len = 2;
      if (insn === 0) break;
    }
    if (!translatable(insn)) break;
    insns.push({ off, insn, len });
    off += len;
    if (isControlTransfer(insn)) break;
  }
  return { start, insns, end: off };
}
