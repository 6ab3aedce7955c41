/**
 * Per-instruction tests of the RV32IMA base (unprivileged spec ch. 2, 7, 8)
 * and the traps they raise (privileged spec 1.12 §3.1.15, §3.1.16).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { asm } from './asm';
import { EXC, PRIV } from './csr';
import { OP, encI, encR, encS } from './encode';
import { EXIT } from './hart';
import { F } from './hart-state';
import { RAM_BASE } from './hart.test-helper';
import {
  CODE,
  DATA,
  M_HANDLER,
  type TestHart,
  enter,
  mtrap,
  peek8,
  poke8,
  trapHart,
} from './priv.test-helper';

const INT_MIN = -0x80000000;
const EDGE = [
  0,
  1,
  -1,
  2,
  -2,
  7,
  -7,
  0x7fffffff,
  INT_MIN,
  0x80000001 | 0,
  0xffff,
  0x10000,
  0x12345678,
  0xdeadbeef | 0,
];

let t: TestHart;
beforeEach(() => {
  t = trapHart();
});

/** Runs `insns` (loaded at CODE) for `steps` instructions with the given registers preset. */
function exec(insns: number[], regs: Record<number, number> = {}, steps = insns.length): void {
  t.load([...insns, asm.jal(0, 0)], CODE);
  t.hart.pc = CODE;
  for (const [r, v] of Object.entries(regs)) t.hart.x[Number(r)] = v;
  expect(t.hart.run(steps)).toBe(EXIT.BUDGET);
}

/** Executes one instruction with x1 = a, x2 = b; returns x3. */
function rr(insn: number, a: number, b = 0): number {
  exec([insn], { 1: a, 2: b, 3: 0x5a5a5a5a });
  return t.hart.x[3];
}

function expectTrap(cause: number, epc: number, tval?: number): void {
  expect(t.hart.pc).toBe(M_HANDLER);
  const tr = mtrap(t);
  expect(tr.cause).toBe(cause);
  expect(tr.epc).toBe(epc >>> 0);
  if (tval !== undefined) expect(tr.tval).toBe(tval >>> 0);
}

const s32 = (v: number) => BigInt.asIntN(32, BigInt(v));
const u32 = (v: number) => BigInt.asUintN(32, BigInt(v));
const lo32 = (v: bigint) => Number(BigInt.asIntN(32, v));
const hi32 = (v: bigint) => Number(BigInt.asIntN(32, v >> 32n));

describe('RV32I: LUI, AUIPC', () => {
  it('lui places the immediate in the upper 20 bits and zeroes the rest', () => {
    exec([asm.lui(5, 0x12345000), asm.lui(6, 0xfffff000), asm.lui(7, 0x80000000)], { 5: -1 });
    expect(t.hart.x[5]).toBe(0x12345000);
    expect(t.hart.x[6]).toBe(-4096);
    expect(t.hart.x[7]).toBe(INT_MIN);
  });

  it('auipc adds the upper immediate to its own pc, wrapping', () => {
    exec([asm.nop(), asm.auipc(5, 0x1000), asm.auipc(6, 0xfffff000), asm.auipc(7, 0x80000000)]);
    expect(t.hart.x[5]).toBe((CODE + 4 + 0x1000) | 0);
    expect(t.hart.x[6]).toBe((CODE + 8 - 0x1000) | 0);
    expect(t.hart.x[7]).toBe((CODE + 12 + 0x80000000) | 0);
  });

  it('writes to x0 are discarded', () => {
    exec([asm.lui(0, 0x12345000), asm.auipc(0, 0x1000), asm.addi(0, 0, 1), asm.jal(0, 4)]);
    expect(t.hart.x[0]).toBe(0);
  });
});

describe('RV32I: JAL, JALR', () => {
  it('jal links pc+4 and jumps forward and backward', () => {
    exec([asm.jal(1, 12)], {}, 1);
    expect(t.hart.x[1]).toBe((CODE + 4) | 0);
    expect(t.hart.pc).toBe(CODE + 12);
    t.hart.pc = CODE + 0x100;
    t.poke32(CODE + 0x100, asm.jal(5, -0x100));
    t.hart.run(1);
    expect(t.hart.x[5]).toBe((CODE + 0x104) | 0);
    expect(t.hart.pc).toBe(CODE);
  });

  it('jal reaches the extreme offsets ±1 MiB', () => {
    t.hart.pc = CODE;
    t.poke32(CODE, asm.jal(0, 0xffffe));
    t.hart.run(1);
    expect(t.hart.pc).toBe((CODE + 0xffffe) >>> 0);
    t.hart.pc = CODE;
    t.poke32(CODE, asm.jal(0, -0x100000));
    t.hart.run(1);
    expect(t.hart.pc).toBe((CODE - 0x100000) >>> 0);
  });

  it('jalr jumps to rs1+imm with bit 0 cleared and links pc+4', () => {
    exec([asm.jalr(1, 5, 3)], { 5: CODE + 0x101 }, 1);
    expect(t.hart.pc).toBe(CODE + 0x104);
    expect(t.hart.x[1]).toBe((CODE + 4) | 0);
    exec([asm.jalr(1, 5, 1)], { 5: CODE + 0x100 }, 1);
    expect(t.hart.pc).toBe(CODE + 0x100);
    exec([asm.jalr(0, 5, -16)], { 5: CODE + 0x110 }, 1);
    expect(t.hart.pc).toBe(CODE + 0x100);
  });

  it('jalr with rd = rs1 uses the old rs1 for the target', () => {
    exec([asm.jalr(5, 5, 8)], { 5: CODE + 0x200 }, 1);
    expect(t.hart.pc).toBe(CODE + 0x208);
    expect(t.hart.x[5]).toBe((CODE + 4) | 0);
  });
});

describe('RV32I: branches', () => {
  const pairs: [number, number][] = [
    [0, 0],
    [1, 2],
    [2, 1],
    [-1, 0],
    [0, -1],
    [-1, -1],
    [INT_MIN, 0x7fffffff],
    [0x7fffffff, INT_MIN],
    [INT_MIN, INT_MIN],
    [INT_MIN, -1],
    [-2, -1],
  ];
  const ops = [
    ['beq', asm.beq, (a: number, b: number) => a === b],
    ['bne', asm.bne, (a: number, b: number) => a !== b],
    ['blt', asm.blt, (a: number, b: number) => s32(a) < s32(b)],
    ['bge', asm.bge, (a: number, b: number) => s32(a) >= s32(b)],
    ['bltu', asm.bltu, (a: number, b: number) => u32(a) < u32(b)],
    ['bgeu', asm.bgeu, (a: number, b: number) => u32(a) >= u32(b)],
  ] as const;
  for (const [name, enc, pred] of ops) {
    it(`${name} compares correctly on edge values, forward and backward`, () => {
      for (const [a, b] of pairs) {
        for (const off of [16, -16]) {
          t.hart.pc = CODE + 0x100;
          t.poke32(CODE + 0x100, enc(1, 2, off));
          t.hart.x[1] = a;
          t.hart.x[2] = b;
          t.hart.run(1);
          expect(t.hart.pc, `${name} ${a} ${b} ${off}`).toBe(
            pred(a, b) ? CODE + 0x100 + off : CODE + 0x104,
          );
        }
      }
    });
  }

  it('signed and unsigned comparisons differ on 0xffffffff vs 0', () => {
    exec([asm.blt(1, 0, 8)], { 1: -1 }, 1);
    expect(t.hart.pc).toBe(CODE + 8);
    exec([asm.bltu(1, 0, 8)], { 1: -1 }, 1);
    expect(t.hart.pc).toBe(CODE + 4);
    exec([asm.bgeu(1, 2, 8)], { 1: -1, 2: 0x7fffffff }, 1);
    expect(t.hart.pc).toBe(CODE + 8);
  });

  it('reaches the extreme branch offsets ±4 KiB', () => {
    exec([asm.beq(0, 0, 4094)], {}, 1);
    expect(t.hart.pc).toBe(CODE + 4094);
    t.hart.pc = CODE + 0x1000;
    t.poke32(CODE + 0x1000, asm.bne(1, 0, -4096));
    t.hart.x[1] = 1;
    t.hart.run(1);
    expect(t.hart.pc).toBe(CODE);
  });
});

describe('RV32I: loads and stores', () => {
  beforeEach(() => {
    t.poke32(DATA, 0x80817f80 | 0, 0x01fffe7f);
  });

  it('lb/lbu sign- and zero-extend bytes', () => {
    exec(
      [
        asm.lb(5, 1, 0),
        asm.lbu(6, 1, 0),
        asm.lb(7, 1, 1),
        asm.lbu(8, 1, 1),
        asm.lb(9, 1, 6),
        asm.lbu(10, 1, 6),
      ],
      {
        1: DATA,
      },
    );
    expect(t.hart.x.slice(5, 11)).toEqual(Int32Array.from([-128, 128, 127, 127, -1, 255]));
  });

  it('lh/lhu sign- and zero-extend halfwords', () => {
    exec(
      [
        asm.lh(5, 1, 0),
        asm.lhu(6, 1, 0),
        asm.lh(7, 1, 2),
        asm.lhu(8, 1, 2),
        asm.lh(9, 1, 4),
        asm.lhu(10, 1, 6),
      ],
      {
        1: DATA,
      },
    );
    expect(t.hart.x.slice(5, 11)).toEqual(
      Int32Array.from([0x7f80, 0x7f80, 0x8081 - 0x10000, 0x8081, -0x181, 0x01ff]),
    );
  });

  it('lw loads a word; negative offsets work', () => {
    exec([asm.lw(5, 1, 0), asm.lw(6, 1, -4)], { 1: DATA + 8 });
    expect(t.hart.x[5]).toBe(0);
    expect(t.hart.x[6]).toBe(0x01fffe7f);
    exec([asm.lw(5, 1, -2048)], { 1: DATA + 2048 });
    expect(t.hart.x[5]).toBe(0x80817f80 | 0);
  });

  it('a load into x0 is discarded', () => {
    exec([asm.lw(0, 1, 0)], { 1: DATA });
    expect(t.hart.x[0]).toBe(0);
  });

  it('sb/sh/sw store exactly 1, 2 and 4 bytes', () => {
    t.poke32(DATA + 16, -1, -1, -1);
    exec([asm.sb(2, 1, 17), asm.sh(2, 1, 22), asm.sw(2, 1, 24)], { 1: DATA, 2: 0x12345678 });
    expect(t.peek32(DATA + 16) >>> 0).toBe(0xffff78ff);
    expect(t.peek32(DATA + 20) >>> 0).toBe(0x5678ffff);
    expect(t.peek32(DATA + 24) >>> 0).toBe(0x12345678);
  });

  it('stores with negative offsets', () => {
    exec([asm.sw(2, 1, -4), asm.sb(2, 1, -2048)], { 1: DATA + 2048 + 4, 2: 0xcafe | 0 });
    expect(t.peek32(DATA + 2048)).toBe(0xcafe);
    expect(peek8(t, DATA + 4)).toBe(0xfe);
  });
});

describe('RV32I: misaligned loads and stores (done in hardware)', () => {
  beforeEach(() => {
    for (let i = 0; i < 16; i++) poke8(t, DATA + i, 0x80 + i * 0x11);
  });
  const le = (addr: number, n: number) => {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = (v << 8) | peek8(t, addr + i);
    return v;
  };

  it('lw at offsets 1, 2, 3 returns the little-endian bytes', () => {
    for (const k of [1, 2, 3]) {
      exec([asm.lw(5, 1, k)], { 1: DATA });
      expect(t.hart.x[5], `offset ${k}`).toBe(le(DATA + k, 4) | 0);
    }
  });

  it('lh/lhu at odd offsets sign- and zero-extend', () => {
    for (const k of [1, 3, 5]) {
      exec([asm.lh(5, 1, k), asm.lhu(6, 1, k)], { 1: DATA });
      const v = le(DATA + k, 2);
      expect(t.hart.x[5]).toBe((v << 16) >> 16);
      expect(t.hart.x[6]).toBe(v);
    }
  });

  it('sw/sh at odd offsets write the right bytes only', () => {
    exec([asm.sw(2, 1, 1), asm.sh(2, 1, 7)], { 1: DATA, 2: 0x11223344 });
    expect(t.peek32(DATA) >>> 0).toBe(0x22334480);
    expect(peek8(t, DATA + 4)).toBe(0x11);
    expect(peek8(t, DATA + 5)).toBe(0xd5);
    expect(peek8(t, DATA + 7)).toBe(0x44);
    expect(peek8(t, DATA + 8)).toBe(0x33);
    expect(peek8(t, DATA + 9)).toBe(0x19);
  });

  it('misaligned accesses across a page boundary', () => {
    const edge = DATA + 0x1000;
    t.poke32(edge - 4, 0x44332211, 0x88776655);
    exec([asm.lw(5, 1, -2), asm.lh(6, 1, -1), asm.lhu(7, 1, -1), asm.sw(2, 1, -1)], {
      1: edge,
      2: 0xa1b2c3d4 | 0,
    });
    expect(t.hart.x[5] >>> 0).toBe(0x66554433);
    expect(t.hart.x[6]).toBe(0x5544);
    expect(t.hart.x[7]).toBe(0x5544);
    expect(t.peek32(edge - 4) >>> 0).toBe(0xd4332211);
    expect(t.peek32(edge) >>> 0).toBe(0x88a1b2c3);
  });
});

describe('RV32I: OP-IMM', () => {
  it('addi wraps and covers the immediate range', () => {
    expect(rr(asm.addi(3, 1, 1), 0x7fffffff)).toBe(INT_MIN);
    expect(rr(asm.addi(3, 1, -1), INT_MIN)).toBe(0x7fffffff);
    expect(rr(asm.addi(3, 1, 2047), 0)).toBe(2047);
    expect(rr(asm.addi(3, 1, -2048), 0)).toBe(-2048);
  });

  it('slti/sltiu compare with the sign-extended immediate', () => {
    expect(rr(asm.slti(3, 1, 0), -1)).toBe(1);
    expect(rr(asm.slti(3, 1, -1), 0)).toBe(0);
    expect(rr(asm.slti(3, 1, -2048), INT_MIN)).toBe(1);
    expect(rr(asm.slti(3, 1, 2047), 0x7fffffff)).toBe(0);
    expect(rr(asm.sltiu(3, 1, 1), 0)).toBe(1); // seqz
    expect(rr(asm.sltiu(3, 1, 1), 5)).toBe(0);
    expect(rr(asm.sltiu(3, 1, -1), 0xfffffffe | 0)).toBe(1); // imm = 0xffffffff unsigned
    expect(rr(asm.sltiu(3, 1, -1), -1)).toBe(0);
    expect(rr(asm.sltiu(3, 1, 0), -1)).toBe(0);
  });

  it('xori/ori/andi use the sign-extended immediate', () => {
    expect(rr(asm.xori(3, 1, -1), 0x12345678)).toBe(~0x12345678);
    expect(rr(asm.xori(3, 1, 0x7ff), 0x0f0)).toBe(0x70f);
    expect(rr(asm.ori(3, 1, -2048), 0x0000000f)).toBe(0xfffff80f | 0);
    expect(rr(asm.andi(3, 1, -2048), 0x12345fff)).toBe(0x12345800);
    expect(rr(asm.andi(3, 1, 0x0ff), -1)).toBe(0xff);
  });

  it('slli/srli/srai shift by 0..31', () => {
    for (const sh of [0, 1, 4, 16, 31]) {
      for (const v of [INT_MIN, -1, 0x7fffffff, 0x12345678]) {
        expect(rr(asm.slli(3, 1, sh), v)).toBe(v << sh);
        expect(rr(asm.srli(3, 1, sh), v)).toBe((v >>> sh) | 0);
        expect(rr(asm.srai(3, 1, sh), v)).toBe(v >> sh);
      }
    }
    expect(rr(asm.srai(3, 1, 31), INT_MIN)).toBe(-1);
    expect(rr(asm.srli(3, 1, 31), INT_MIN)).toBe(1);
  });
});

describe('RV32I: OP', () => {
  it('add/sub wrap modulo 2^32', () => {
    expect(rr(asm.add(3, 1, 2), 0x7fffffff, 1)).toBe(INT_MIN);
    expect(rr(asm.add(3, 1, 2), -1, -1)).toBe(-2);
    expect(rr(asm.sub(3, 1, 2), INT_MIN, 1)).toBe(0x7fffffff);
    expect(rr(asm.sub(3, 1, 2), 0, INT_MIN)).toBe(INT_MIN);
    expect(rr(asm.sub(3, 1, 2), 3, 5)).toBe(-2);
  });

  it('sll/srl/sra use only the low 5 bits of rs2', () => {
    expect(rr(asm.sll(3, 1, 2), 1, 33)).toBe(2);
    expect(rr(asm.sll(3, 1, 2), 1, -1)).toBe(INT_MIN);
    expect(rr(asm.srl(3, 1, 2), INT_MIN, 32)).toBe(INT_MIN);
    expect(rr(asm.srl(3, 1, 2), INT_MIN, 0xffff)).toBe(1);
    expect(rr(asm.sra(3, 1, 2), INT_MIN, 0xffff)).toBe(-1);
    expect(rr(asm.sra(3, 1, 2), 0x40000000, 30)).toBe(1);
    expect(rr(asm.sra(3, 1, 2), -8, 1)).toBe(-4);
  });

  it('slt/sltu on 0x80000000 and 0xffffffff', () => {
    expect(rr(asm.slt(3, 1, 2), INT_MIN, 0x7fffffff)).toBe(1);
    expect(rr(asm.sltu(3, 1, 2), INT_MIN, 0x7fffffff)).toBe(0);
    expect(rr(asm.slt(3, 1, 2), -1, 0)).toBe(1);
    expect(rr(asm.sltu(3, 1, 2), -1, 0)).toBe(0);
    expect(rr(asm.sltu(3, 1, 2), 0, -1)).toBe(1);
    expect(rr(asm.slt(3, 1, 2), -1, -1)).toBe(0);
    expect(rr(asm.sltu(3, 1, 2), INT_MIN, -1)).toBe(1);
    expect(rr(asm.slt(3, 1, 2), INT_MIN, -1)).toBe(1);
    expect(rr(asm.sltu(3, 0, 2), 0, 5)).toBe(1); // snez
  });

  it('xor/or/and', () => {
    expect(rr(asm.xor(3, 1, 2), 0xff00ff00 | 0, 0x0ff00ff0)).toBe(0xf0f0f0f0 | 0);
    expect(rr(asm.or(3, 1, 2), 0xff00ff00 | 0, 0x0ff00ff0)).toBe(0xfff0fff0 | 0);
    expect(rr(asm.and(3, 1, 2), 0xff00ff00 | 0, 0x0ff00ff0)).toBe(0x0f000f00);
  });

  it('rd = rs1 = rs2 reads before writing', () => {
    exec([asm.add(5, 5, 5)], { 5: 21 });
    expect(t.hart.x[5]).toBe(42);
  });
});

describe('RV32M', () => {
  it('mul/mulh/mulhsu/mulhu match 64-bit BigInt products', () => {
    for (const a of EDGE) {
      for (const b of EDGE) {
        const ss = s32(a) * s32(b);
        const su = s32(a) * u32(b);
        const uu = u32(a) * u32(b);
        expect(rr(asm.mul(3, 1, 2), a, b), `mul ${a} ${b}`).toBe(lo32(ss));
        expect(rr(asm.mulh(3, 1, 2), a, b), `mulh ${a} ${b}`).toBe(hi32(ss));
        expect(rr(asm.mulhsu(3, 1, 2), a, b), `mulhsu ${a} ${b}`).toBe(hi32(su));
        expect(rr(asm.mulhu(3, 1, 2), a, b), `mulhu ${a} ${b}`).toBe(hi32(uu));
      }
    }
  });

  it('div/divu/rem/remu truncate toward zero (BigInt oracle)', () => {
    for (const a of EDGE) {
      for (const b of EDGE) {
        if (b === 0 || (a === INT_MIN && b === -1)) continue;
        expect(rr(asm.div(3, 1, 2), a, b), `div ${a} ${b}`).toBe(lo32(s32(a) / s32(b)));
        expect(rr(asm.rem(3, 1, 2), a, b), `rem ${a} ${b}`).toBe(lo32(s32(a) % s32(b)));
        expect(rr(asm.divu(3, 1, 2), a, b), `divu ${a} ${b}`).toBe(lo32(u32(a) / u32(b)));
        expect(rr(asm.remu(3, 1, 2), a, b), `remu ${a} ${b}`).toBe(lo32(u32(a) % u32(b)));
      }
    }
    expect(rr(asm.div(3, 1, 2), -7, 2)).toBe(-3);
    expect(rr(asm.rem(3, 1, 2), -7, 2)).toBe(-1);
    expect(rr(asm.div(3, 1, 2), 7, -2)).toBe(-3);
    expect(rr(asm.rem(3, 1, 2), 7, -2)).toBe(1);
  });

  it('division by zero follows table 7.1', () => {
    for (const a of EDGE) {
      expect(rr(asm.div(3, 1, 2), a, 0)).toBe(-1);
      expect(rr(asm.divu(3, 1, 2), a, 0)).toBe(-1); // 2^32 - 1
      expect(rr(asm.rem(3, 1, 2), a, 0)).toBe(a);
      expect(rr(asm.remu(3, 1, 2), a, 0)).toBe(a);
    }
  });

  it('signed overflow INT_MIN / -1 follows table 7.1', () => {
    expect(rr(asm.div(3, 1, 2), INT_MIN, -1)).toBe(INT_MIN);
    expect(rr(asm.rem(3, 1, 2), INT_MIN, -1)).toBe(0);
    expect(rr(asm.divu(3, 1, 2), INT_MIN, -1)).toBe(0);
    expect(rr(asm.remu(3, 1, 2), INT_MIN, -1)).toBe(INT_MIN);
  });
});

describe('RV32A', () => {
  const LR = 2;
  const SC = 3;

  it('lr.w then sc.w to the same word succeeds (rd = 0) and stores', () => {
    t.poke32(DATA, 41);
    exec([asm.amo(LR, 5, 1, 0), asm.addi(5, 5, 1), asm.amo(SC, 6, 1, 5)], { 1: DATA, 6: 77 });
    expect(t.hart.x[5]).toBe(42);
    expect(t.hart.x[6]).toBe(0);
    expect(t.peek32(DATA)).toBe(42);
  });

  it('sc.w without a preceding lr.w fails (rd != 0) and does not store', () => {
    t.poke32(DATA, 41);
    exec([asm.amo(SC, 6, 1, 2)], { 1: DATA, 2: 99 });
    expect(t.hart.x[6]).not.toBe(0);
    expect(t.peek32(DATA)).toBe(41);
  });

  it('sc.w to a different address than the lr.w fails', () => {
    t.poke32(DATA, 1, 2);
    exec([asm.amo(LR, 5, 1, 0), asm.amo(SC, 6, 3, 2)], { 1: DATA, 2: 99, 3: DATA + 4 });
    expect(t.hart.x[6]).not.toBe(0);
    expect(t.peek32(DATA + 4)).toBe(2);
  });

  it('a second sc.w after a successful one fails (the reservation is consumed)', () => {
    t.poke32(DATA, 1);
    exec([asm.amo(LR, 5, 1, 0), asm.amo(SC, 6, 1, 2), asm.amo(SC, 7, 1, 3)], {
      1: DATA,
      2: 10,
      3: 20,
    });
    expect(t.hart.x[6]).toBe(0);
    expect(t.hart.x[7]).not.toBe(0);
    expect(t.peek32(DATA)).toBe(10);
  });

  it('sc.w fails when a store from another agent changed the word after lr.w', () => {
    t.poke32(DATA, 1);
    exec([asm.amo(LR, 5, 1, 0)], { 1: DATA });
    t.poke32(DATA, 2); // another hart's store
    exec([asm.amo(SC, 6, 1, 2)], { 1: DATA, 2: 10 });
    expect(t.hart.x[6]).not.toBe(0);
    expect(t.peek32(DATA)).toBe(2);
  });

  const amos: [string, number, (m: number, v: number) => number][] = [
    ['amoswap.w', 0x01, (_m, v) => v],
    ['amoadd.w', 0x00, (m, v) => (m + v) | 0],
    ['amoxor.w', 0x04, (m, v) => m ^ v],
    ['amoand.w', 0x0c, (m, v) => m & v],
    ['amoor.w', 0x08, (m, v) => m | v],
    ['amomin.w', 0x10, (m, v) => (m < v ? m : v)],
    ['amomax.w', 0x14, (m, v) => (m > v ? m : v)],
    ['amominu.w', 0x18, (m, v) => (m >>> 0 < v >>> 0 ? m : v)],
    ['amomaxu.w', 0x1c, (m, v) => (m >>> 0 > v >>> 0 ? m : v)],
  ];
  const amoPairs: [number, number][] = [
    [5, -3],
    [-3, 5],
    [INT_MIN, 1],
    [-1, 1],
    [0x7fffffff, INT_MIN],
    [INT_MIN, 0x7fffffff],
    [0, -1],
    [0x12345678, 0x0f0f0f0f],
  ];
  for (const [name, f5, fn] of amos) {
    it(`${name} returns the old value and stores the new one`, () => {
      for (const [m, v] of amoPairs) {
        t.poke32(DATA + 8, m);
        exec([asm.amo(f5, 5, 1, 2, 3)], { 1: DATA + 8, 2: v });
        expect(t.hart.x[5], `${name} rd ${m} ${v}`).toBe(m);
        expect(t.peek32(DATA + 8), `${name} mem ${m} ${v}`).toBe(fn(m, v));
      }
    });
  }

  it('amoswap.w with rd = rs2 returns the old value and stores the original rs2', () => {
    t.poke32(DATA, 111);
    exec([asm.amo(0x01, 5, 1, 5)], { 1: DATA, 5: 222 });
    expect(t.hart.x[5]).toBe(111);
    expect(t.peek32(DATA)).toBe(222);
  });

  it('amo*.w with rd = x0 still updates memory', () => {
    t.poke32(DATA, 1);
    exec([asm.amo(0x00, 0, 1, 2)], { 1: DATA, 2: 2 });
    expect(t.peek32(DATA)).toBe(3);
    expect(t.hart.x[0]).toBe(0);
  });

  it('a misaligned AMO raises store/AMO address-misaligned (cause 6) with mtval = address', () => {
    for (const [name, f5] of amos) {
      for (const k of [1, 2, 3]) {
        t = trapHart();
        t.poke32(DATA, 0x11111111, 0x22222222);
        exec([asm.amo(f5, 5, 1, 2)], { 1: DATA + k, 2: 7, 5: 0x5a }, 1);
        expectTrap(EXC.STORE_MISALIGNED, CODE, DATA + k);
        expect(t.hart.x[5], name).toBe(0x5a);
        expect(t.peek32(DATA), name).toBe(0x11111111);
        expect(t.peek32(DATA + 4), name).toBe(0x22222222);
      }
    }
  });

  it('a misaligned sc.w raises store/AMO misaligned or access fault; lr.w a load one', () => {
    exec([asm.amo(SC, 5, 1, 2)], { 1: DATA + 2 }, 1);
    expect([EXC.STORE_MISALIGNED, EXC.STORE_ACCESS]).toContain(mtrap(t).cause);
    expect(mtrap(t).tval).toBe(DATA + 2);
    t = trapHart();
    exec([asm.amo(LR, 5, 1, 0)], { 1: DATA + 2 }, 1);
    expect([EXC.LOAD_MISALIGNED, EXC.LOAD_ACCESS]).toContain(mtrap(t).cause);
    expect(mtrap(t).tval).toBe(DATA + 2);
  });
});

describe('FENCE, FENCE.I', () => {
  it('fence and fence.i are no-ops', () => {
    exec([
      asm.addi(5, 0, 1),
      asm.fence(),
      asm.fenceI(),
      0x8330000f /* fence.tso */,
      asm.addi(6, 0, 2),
    ]);
    expect(t.hart.x[5]).toBe(1);
    expect(t.hart.x[6]).toBe(2);
    expect(t.hart.pc).toBe(CODE + 20);
    expect(mtrap(t).cause).toBe(0);
  });

  it('fence.i makes a just-stored instruction visible to fetch', () => {
    // Overwrite the instruction at CODE+12 with "addi x7, x0, 9".
    exec([asm.sw(2, 1, 12), asm.fenceI(), asm.nop(), asm.addi(7, 0, 1)], {
      1: CODE,
      2: asm.addi(7, 0, 9),
    });
    expect(t.hart.x[7]).toBe(9);
  });
});

describe('illegal instructions', () => {
  const cases: [string, number][] = [
    ['all-zero word', 0x00000000],
    ['all-ones word', 0xffffffff | 0],
    ['OP funct7 = 2', encR(0x02, 2, 1, 0, 3, OP.OP)],
    ['OP funct7 = 0x20 with funct3 = 1 (no "subsll")', encR(0x20, 2, 1, 1, 3, OP.OP)],
    ['OP funct7 = 0x20 with funct3 = 7', encR(0x20, 2, 1, 7, 3, OP.OP)],
    ['slli with funct7 = 0x20', encI(0x400 | 3, 1, 1, 3, OP.OP_IMM)],
    ['slli with shamt[5] = 1 (RV32)', encI(0x020, 1, 1, 3, OP.OP_IMM)],
    ['srli with funct7 = 0x10', encI(0x200 | 3, 1, 5, 3, OP.OP_IMM)],
    ['srai with shamt[5] = 1 (RV32)', encI(0x420, 1, 5, 3, OP.OP_IMM)],
    ['branch funct3 = 2', encS(8, 2, 1, 2, OP.BRANCH)],
    ['branch funct3 = 3', encS(8, 2, 1, 3, OP.BRANCH)],
    ['load funct3 = 3 (ld is RV64)', encI(0, 1, 3, 3, OP.LOAD)],
    ['load funct3 = 6 (lwu is RV64)', encI(0, 1, 6, 3, OP.LOAD)],
    ['load funct3 = 7', encI(0, 1, 7, 3, OP.LOAD)],
    ['store funct3 = 3 (sd is RV64)', encS(0, 2, 1, 3, OP.STORE)],
    ['store funct3 = 4', encS(0, 2, 1, 4, OP.STORE)],
    ['jalr funct3 = 1', encI(0, 1, 1, 3, OP.JALR)],
    ['AMO funct3 = 3 (RV64 .d)', encR(0, 2, 1, 3, 3, OP.AMO)],
    ['AMO funct5 = 5', encR(0x05 << 2, 2, 1, 2, 3, OP.AMO)],
    ['lr.w with rs2 != 0', encR(0x02 << 2, 2, 1, 2, 3, OP.AMO)],
    ['MISC-MEM funct3 = 2', encI(0, 0, 2, 0, OP.MISC_MEM)],
    ['SYSTEM funct3 = 4', encI(0, 0, 4, 0, OP.SYSTEM)],
    ['custom-0 opcode', 0x0000000b],
    ['LOAD-FP (flw, no F)', 0x0000a007],
    ['OP-FP (fadd.s, no F)', 0x00000053],
    ['OP-32 (RV64 addw)', 0x0000003b],
    ['SYSTEM priv funct12 = 0x003', 0x00300073],
    ['csrrw to a non-existent CSR (0x7ff)', asm.csrrw(3, 0x7ff, 1)],
  ];
  for (const [name, insn] of cases) {
    it(`${name} → illegal instruction, mtval = the instruction bits`, () => {
      t.poke32(DATA, 0x1234);
      exec([insn], { 1: DATA, 2: 5, 3: 0x5a }, 1);
      const lowBits = (insn & 3) === 3 ? insn >>> 0 : insn & 0xffff;
      expectTrap(EXC.ILLEGAL_INSN, CODE, lowBits);
      expect(t.hart.x[3]).toBe(0x5a);
      expect(t.peek32(DATA)).toBe(0x1234);
      expect(t.hart.priv).toBe(PRIV.M);
    });
  }

  const reservedC: [string, number][] = [
    ['c.addi4spn with nzuimm = 0, rd != 0', 0x0004],
    ['quadrant 0 funct3 = 4 (reserved)', 0x8000],
    ['c.flw (no F)', 0x6000],
    ['c.fld (no D)', 0x2000],
    ['c.addi16sp with imm = 0', 0x6101],
    ['c.lui with imm = 0', 0x6081],
    ['c.srli with shamt[5] = 1 (RV32)', 0x9005],
    ['c.srai with shamt[5] = 1 (RV32)', 0x9405],
    ['c.subw (RV64)', 0x9c05],
    ['c.addw (RV64)', 0x9c25],
    ['c.slli with shamt[5] = 1 (RV32)', 0x1502],
    ['c.lwsp with rd = 0', 0x4002],
    ['c.jr with rs1 = 0', 0x8002],
    ['c.fldsp (no D)', 0x2002],
    ['c.flwsp (no F)', 0x6002],
    ['c.fswsp (no F)', 0xe002],
  ];
  for (const [name, half] of reservedC) {
    it(`reserved compressed ${name} (0x${half.toString(16)}) → illegal, mtval = the 16 bits`, () => {
      t.poke16(CODE, half, asm.nop() & 0xffff, asm.nop() >>> 16);
      t.hart.pc = CODE;
      t.hart.x[8] = DATA;
      t.hart.x[2] = DATA;
      t.hart.run(1);
      expectTrap(EXC.ILLEGAL_INSN, CODE, half);
    });
  }
});

describe('ECALL, EBREAK', () => {
  it('ecall from M → cause 11, mepc = pc, mtval = 0', () => {
    exec([asm.nop(), asm.ecall()], {}, 2);
    expectTrap(EXC.ECALL_M, CODE + 4, 0);
    expect(t.hart.priv).toBe(PRIV.M);
  });

  it('ecall from S → cause 9 (taken in M without delegation)', () => {
    t.load([asm.ecall()], CODE);
    enter(t, PRIV.S, CODE);
    t.hart.run(1);
    expectTrap(EXC.ECALL_S, CODE, 0);
    expect(t.hart.priv).toBe(PRIV.M);
  });

  it('ecall from U → cause 8', () => {
    t.load([asm.ecall()], CODE);
    enter(t, PRIV.U, CODE);
    t.hart.run(1);
    expectTrap(EXC.ECALL_U, CODE, 0);
    expect(t.hart.priv).toBe(PRIV.M);
  });

  it('ebreak → cause 3, mtval = pc', () => {
    exec([asm.nop(), asm.nop(), asm.ebreak()], {}, 3);
    expectTrap(EXC.BREAKPOINT, CODE + 8, CODE + 8);
  });
});

describe('counters', () => {
  it('instret and cycle increase by the number of executed instructions', () => {
    exec([asm.addi(5, 0, 1), asm.addi(5, 5, 1), asm.addi(5, 5, 1), asm.nop(), asm.nop()]);
    expect(t.hart.f[F.INSTRET]).toBe(5);
    expect(t.hart.f[F.CYCLE]).toBe(5);
    t.hart.run(7); // the spin loop
    expect(t.hart.f[F.INSTRET]).toBe(12);
  });

  it('csrr instret/minstret/cycle read the count of instructions before them', () => {
    exec([
      asm.nop(),
      asm.nop(),
      asm.nop(),
      asm.csrrs(10, 0xc02, 0), // instret
      asm.csrrs(11, 0xb02, 0), // minstret
      asm.csrrs(12, 0xc00, 0), // cycle
      asm.csrrs(13, 0xc82, 0), // instreth
    ]);
    expect(t.hart.x[10]).toBe(3);
    expect(t.hart.x[11]).toBe(4);
    expect(t.hart.x[12]).toBe(5);
    expect(t.hart.x[13]).toBe(0);
  });

  it('an instruction that traps does not retire', () => {
    exec([asm.nop(), asm.ecall()], {}, 2);
    expect(t.hart.f[F.INSTRET]).toBe(1);
    t = trapHart();
    exec([asm.nop(), 0, asm.nop()], {}, 2);
    expect(t.hart.f[F.INSTRET]).toBe(1);
  });

  it('instreth counts carries past 2^32', () => {
    t.hart.f[F.INSTRET] = 2 ** 32 - 1;
    exec([asm.nop(), asm.csrrs(10, 0xc02, 0), asm.csrrs(11, 0xc82, 0)]);
    expect(t.hart.x[10]).toBe(0);
    expect(t.hart.x[11]).toBe(1);
  });

  it('the program counter is RAM_BASE after reset', () => {
    const u = trapHart();
    expect(u.hart.pc).toBe(RAM_BASE);
    expect(u.hart.priv).toBe(PRIV.M);
  });
});
