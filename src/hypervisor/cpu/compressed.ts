import { OP, encB, encI, encJ, encR, encS, encU } from './encode';

/**
 * RVC (unprivileged spec ch. 16, "C" standard extension, tables 16.5–16.7):
 * every 16-bit instruction is expanded once into its 32-bit equivalent, so
 * the interpreter has a single decoder. 0 marks an illegal or reserved
 * encoding (including every F/D form: this hart has no FPU).
 */
const bit = (v: number, b: number): number => (v >>> b) & 1;
const bits = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);
/** rd'/rs1'/rs2' name x8..x15. */
const creg = (v: number, lo: number): number => 8 + bits(v, lo + 2, lo);

/** C.J / C.JAL offset: imm[11|4|9:8|10|6|7|3:1|5] in bits 12..2. */
function cjOffset(c: number): number {
  const imm =
    (bit(c, 12) << 11) |
    (bit(c, 11) << 4) |
    (bits(c, 10, 9) << 8) |
    (bit(c, 8) << 10) |
    (bit(c, 7) << 6) |
    (bit(c, 6) << 7) |
    (bits(c, 5, 3) << 1) |
    (bit(c, 2) << 5);
  return sext(imm, 12);
}

/** C.BEQZ / C.BNEZ offset: imm[8|4:3] in 12:10, imm[7:6|2:1|5] in 6:2. */
function cbOffset(c: number): number {
  const imm =
    (bit(c, 12) << 8) |
    (bits(c, 11, 10) << 3) |
    (bits(c, 6, 5) << 6) |
    (bits(c, 4, 3) << 1) |
    (bit(c, 2) << 5);
  return sext(imm, 9);
}

/** imm[5] in bit 12, imm[4:0] in 6:2, sign-extended (C.ADDI, C.LI, C.ANDI). */
const ci6 = (c: number): number => sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);

export function expandCompressed(c: number): number {
  const f3 = bits(c, 15, 13);
  switch (c & 3) {
    case 0: {
      const rdp = creg(c, 2);
      const rs1p = creg(c, 7);
      const lwImm = (bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6);
      switch (f3) {
        case 0: {
          const nzuimm =
            (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
          return nzuimm === 0 ? 0 : encI(nzuimm, 2, 0, rdp, OP.OP_IMM); // C.ADDI4SPN
        }
        case 2:
          return encI(lwImm, rs1p, 2, rdp, OP.LOAD); // C.LW
        case 6:
          return encS(lwImm, rdp, rs1p, 2, OP.STORE); // C.SW
        default:
          return 0; // C.FLD, C.FLW, C.FSD, C.FSW, reserved
      }
    }
    case 1: {
      const rd = bits(c, 11, 7);
      switch (f3) {
        case 0:
          return encI(ci6(c), rd, 0, rd, OP.OP_IMM); // C.ADDI (C.NOP, hints)
        case 1:
          return encJ(cjOffset(c), 1); // C.JAL (RV32 only)
        case 2:
          return encI(ci6(c), 0, 0, rd, OP.OP_IMM); // C.LI
        case 3: {
          if (rd === 2) {
            const imm =
              (bit(c, 12) << 9) |
              (bit(c, 6) << 4) |
              (bit(c, 5) << 6) |
              (bits(c, 4, 3) << 7) |
              (bit(c, 2) << 5);
            return imm === 0 ? 0 : encI(sext(imm, 10), 2, 0, 2, OP.OP_IMM); // C.ADDI16SP
          }
          const imm = sext((bit(c, 12) << 17) | (bits(c, 6, 2) << 12), 18);
          return imm === 0 ? 0 : encU(imm, rd, OP.LUI); // C.LUI
        }
        case 4: {
          const rdp = creg(c, 7);
          const shamt = bits(c, 6, 2);
          switch (bits(c, 11, 10)) {
            case 0:
              return bit(c, 12) ? 0 : encI(shamt, rdp, 5, rdp, OP.OP_IMM); // C.SRLI
            case 1:
              return bit(c, 12) ? 0 : encI(0x400 | shamt, rdp, 5, rdp, OP.OP_IMM); // C.SRAI
            case 2:
              return encI(ci6(c), rdp, 7, rdp, OP.OP_IMM); // C.ANDI
            default: {
              if (bit(c, 12)) return 0; // C.SUBW/C.ADDW are RV64
              const rs2p = creg(c, 2);
              switch (bits(c, 6, 5)) {
                case 0:
                  return encR(0x20, rs2p, rdp, 0, rdp, OP.OP); // C.SUB
                case 1:
                  return encR(0, rs2p, rdp, 4, rdp, OP.OP); // C.XOR
                case 2:
                  return encR(0, rs2p, rdp, 6, rdp, OP.OP); // C.OR
                default:
                  return encR(0, rs2p, rdp, 7, rdp, OP.OP); // C.AND
              }
            }
          }
        }
        case 5:
          return encJ(cjOffset(c), 0); // C.J
        case 6:
          return encB(cbOffset(c), 0, creg(c, 7), 0); // C.BEQZ
        default:
          return encB(cbOffset(c), 0, creg(c, 7), 1); // C.BNEZ
      }
    }
    case 2: {
      const rd = bits(c, 11, 7);
      const rs2 = bits(c, 6, 2);
      switch (f3) {
        case 0:
          return bit(c, 12) ? 0 : encI(rs2, rd, 1, rd, OP.OP_IMM); // C.SLLI
        case 2: {
          if (rd === 0) return 0;
          const imm = (bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
          return encI(imm, 2, 2, rd, OP.LOAD); // C.LWSP
        }
        case 4:
          if (!bit(c, 12)) {
            if (rs2 === 0) return rd === 0 ? 0 : encI(0, rd, 0, 0, OP.JALR); // C.JR
            return encR(0, rs2, 0, 0, rd, OP.OP); // C.MV
          }
          if (rs2 === 0) return rd === 0 ? 0x00100073 : encI(0, rd, 0, 1, OP.JALR); // C.EBREAK, C.JALR
          return encR(0, rs2, rd, 0, rd, OP.OP); // C.ADD
        case 6: {
          const imm = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
          return encS(imm, rs2, 2, 2, OP.STORE); // C.SWSP
        }
        default:
          return 0; // C.FLDSP, C.FLWSP, C.FSDSP, C.FSWSP
      }
    }
    default:
      return 0; // not a 16-bit instruction
  }
}

let table: Int32Array | undefined;

/** The 64 Ki-entry expansion table, built once per thread (~2 ms). */
export function compressedTable(): Int32Array {
  if (!table) {
    table = new Int32Array(65536);
    for (let c = 0; c < 65536; c++) table[c] = (c & 3) === 3 ? 0 : expandCompressed(c);
  }
  return table;
}
