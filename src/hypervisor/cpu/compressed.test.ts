/**
 * RVC (unprivileged spec ch. 16): expansion of every 16-bit form to its
 * 32-bit equivalent, cross-checked against hand-assembled encodings, and
 * execution of compressed code on the hart.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { asm } from './asm';
import { EXC } from './csr';
import { compressedTable, expandCompressed } from './compressed';
import { EXIT } from './hart';
import { F } from './hart-state';
import { CODE, DATA, M_HANDLER, type TestHart, mtrap, trapHart } from './priv.test-helper';

/** [mnemonic, 16-bit encoding, 32-bit equivalent], all assembled by hand from tables 16.5–16.7. */
const PAIRS: [string, number, number][] = [
  ['c.nop', 0x0001, 0x00000013],
  ['c.addi a0, 1', 0x0505, 0x00150513],
  ['c.addi a0, -1', 0x157d, 0xfff50513],
  ['c.addi sp, -16', 0x1141, 0xff010113],
  ['c.li a0, 5', 0x4515, 0x00500513],
  ['c.li a0, -1', 0x557d, 0xfff00513],
  ['c.lui a0, 1', 0x6505, 0x00001537],
  ['c.lui a0, 0xfffff', 0x757d, 0xfffff537],
  ['c.addi16sp 16', 0x6141, 0x01010113],
  ['c.addi16sp -16', 0x717d, 0xff010113],
  ['c.addi16sp -64', 0x7139, 0xfc010113],
  ['c.addi4spn a0, sp, 16', 0x0808, 0x01010513],
  ['c.addi4spn s0, sp, 1020', 0x1fe0, 0x3fc10413],
  ['c.lw a0, 0(a1)', 0x4188, 0x0005a503],
  ['c.lw a0, 4(a1)', 0x41c8, 0x0045a503],
  ['c.lw s1, 124(a5)', 0x5fe4, 0x07c7a483],
  ['c.sw a0, 64(a1)', 0xc1a8, 0x04a5a023],
  ['c.sw s1, 124(a5)', 0xdfe4, 0x0697ae23],
  ['c.lwsp a0, 4(sp)', 0x4512, 0x00412503],
  ['c.lwsp ra, 12(sp)', 0x40b2, 0x00c12083],
  ['c.lwsp t6, 252(sp)', 0x5ffe, 0x0fc12f83],
  ['c.swsp a0, 8(sp)', 0xc42a, 0x00a12423],
  ['c.swsp ra, 12(sp)', 0xc606, 0x00112623],
  ['c.swsp t6, 252(sp)', 0xdffe, 0x0ff12e23],
  ['c.srli a0, 3', 0x810d, 0x00355513],
  ['c.srai a0, 3', 0x850d, 0x40355513],
  ['c.srai a0, 31', 0x857d, 0x41f55513],
  ['c.andi a0, -1', 0x997d, 0xfff57513],
  ['c.andi a0, 15', 0x893d, 0x00f57513],
  ['c.sub a0, a1', 0x8d0d, 0x40b50533],
  ['c.xor a0, a1', 0x8d2d, 0x00b54533],
  ['c.or a0, a1', 0x8d4d, 0x00b56533],
  ['c.and a0, a1', 0x8d6d, 0x00b57533],
  ['c.slli a0, 3', 0x050e, 0x00351513],
  ['c.slli a0, 31', 0x057e, 0x01f51513],
  ['c.mv a0, a1', 0x852e, 0x00b00533],
  ['c.add a0, a1', 0x952e, 0x00b50533],
  ['c.jr ra', 0x8082, 0x00008067],
  ['c.jalr a0', 0x9502, 0x000500e7],
  ['c.ebreak', 0x9002, 0x00100073],
  ['c.j 0', 0xa001, 0x0000006f],
  ['c.j -2', 0xbffd, 0xfffff06f],
  ['c.j 2046', 0xaffd, 0x7fe0006f],
  ['c.j -2048', 0xb001, 0x801ff06f],
  ['c.jal 4', 0x2011, 0x004000ef],
  ['c.beqz a0, 8', 0xc501, 0x00050463],
  ['c.bnez a0, -2', 0xfd7d, 0xfe051fe3],
  ['c.beqz s0, 254', 0xcc7d, 0x0e040f63],
  ['c.bnez s0, -256', 0xf001, 0xf00410e3],
  // HINTs are legal and execute as no-ops (§16.7).
  ['c.addi x0, 1 (hint)', 0x0005, 0x00100013],
  ['c.li x0, 1 (hint)', 0x4005, 0x00100013],
  ['c.mv x0, a1 (hint)', 0x802e, 0x00b00033],
];

describe('expandCompressed', () => {
  for (const [name, c, w] of PAIRS) {
    it(`${name} (0x${c.toString(16).padStart(4, '0')}) → 0x${w.toString(16).padStart(8, '0')}`, () => {
      expect(expandCompressed(c) >>> 0).toBe(w >>> 0);
    });
  }

  it('the table agrees with expandCompressed and marks 32-bit code points 0', () => {
    const tab = compressedTable();
    for (let c = 0; c < 65536; c++) {
      if ((c & 3) === 3) expect(tab[c]).toBe(0);
      else if (tab[c] !== expandCompressed(c))
        expect(tab[c], `0x${c.toString(16)}`).toBe(expandCompressed(c));
    }
  });

  it('every expansion is a 32-bit instruction or 0 (illegal)', () => {
    for (let c = 0; c < 65536; c++) {
      if ((c & 3) === 3) continue;
      const w = expandCompressed(c);
      if (w !== 0 && (w & 3) !== 3)
        expect.fail(`0x${c.toString(16)} expands to 0x${w.toString(16)}`);
    }
  });

  it('registers rd′/rs1′/rs2′ name x8..x15', () => {
    // c.and rd', rs2' for all pairs: 100 0 11 rd' 11 rs2' 01
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        const c = 0x8c61 | (a << 7) | (b << 2);
        expect(expandCompressed(c)).toBe(asm.and(8 + a, 8 + a, 8 + b));
      }
    }
  });

  it('c.lw/c.sw cover all offsets 0..124 in steps of 4', () => {
    for (let off = 0; off < 128; off += 4) {
      const imm = (((off >> 3) & 7) << 10) | (((off >> 2) & 1) << 6) | (((off >> 6) & 1) << 5);
      expect(expandCompressed(0x4000 | imm | (1 << 7) | (2 << 2))).toBe(asm.lw(10, 9, off));
      expect(expandCompressed(0xc000 | imm | (1 << 7) | (2 << 2))).toBe(asm.sw(10, 9, off));
    }
  });

  it('c.lwsp/c.swsp cover all offsets 0..252 in steps of 4', () => {
    for (let off = 0; off < 256; off += 4) {
      const l =
        0x4002 |
        (((off >> 5) & 1) << 12) |
        (((off >> 2) & 7) << 4) |
        (((off >> 6) & 3) << 2) |
        (5 << 7);
      expect(expandCompressed(l)).toBe(asm.lw(5, 2, off));
      const s = 0xc002 | (((off >> 2) & 15) << 9) | (((off >> 6) & 3) << 7) | (5 << 2);
      expect(expandCompressed(s)).toBe(asm.sw(5, 2, off));
    }
  });
});

describe('executing compressed code', () => {
  let t: TestHart;
  beforeEach(() => {
    t = trapHart();
  });
  const run = (halves: number[], steps: number, regs: Record<number, number> = {}) => {
    t.poke16(CODE, ...halves);
    t.hart.pc = CODE;
    for (const [r, v] of Object.entries(regs)) t.hart.x[Number(r)] = v;
    expect(t.hart.run(steps)).toBe(EXIT.BUDGET);
  };

  it('arithmetic: c.li, c.addi, c.slli, c.srai, c.mv, c.add, c.sub', () => {
    // c.li a0, -1; c.slli a0, 3; c.srai a0, 1... (a0 = -8 → -4); c.mv a1, a0; c.add a1, a0; c.sub a0, a1
    run([0x557d, 0x050e, 0x8505, 0x85aa, 0x95aa, 0x8d0d], 6);
    expect(t.hart.x[10]).toBe(4); // -4 - (-8)
    expect(t.hart.x[11]).toBe(-8);
    expect(t.hart.pc).toBe(CODE + 12);
  });

  it('c.lui, c.addi16sp, c.addi4spn', () => {
    run([0x757d, 0x6141, 0x0808], 3, { 2: DATA });
    expect(t.hart.x[10]).toBe((DATA + 16 + 16) | 0);
    expect(t.hart.x[2]).toBe((DATA + 16) | 0);
    // c.lui a0, 0xfffff was overwritten by c.addi4spn a0
  });

  it('c.lw / c.sw / c.lwsp / c.swsp access memory', () => {
    t.poke32(DATA + 4, 0xdeadbeef | 0);
    // c.lw a0, 4(a1); c.sw a0, 64(a1); c.lwsp ra, 12(sp); c.swsp ra, 8(sp)... sp = DATA - 8 so 12(sp) = DATA + 4
    run([0x41c8, 0xc1a8, 0x40b2, 0xc42a], 4, { 11: DATA, 2: DATA - 8 });
    expect(t.hart.x[10]).toBe(0xdeadbeef | 0);
    expect(t.peek32(DATA + 64)).toBe(0xdeadbeef | 0);
    expect(t.hart.x[1]).toBe(0xdeadbeef | 0);
    expect(t.peek32(DATA)).toBe(0xdeadbeef | 0); // c.swsp a0, 8(sp)
  });

  it('c.jal links pc+2', () => {
    run([0x0001, 0x2011], 2); // c.nop; c.jal 4
    expect(t.hart.x[1]).toBe((CODE + 4) | 0);
    expect(t.hart.pc).toBe(CODE + 6);
  });

  it('c.jalr links pc+2 and jumps to rs1; c.jr returns', () => {
    // 0: c.jalr a0   2: c.nop   ... at a0: c.jr ra
    t.poke16(CODE + 0x40, 0x8082);
    run([0x9502, 0x0001], 2, { 10: CODE + 0x40 });
    expect(t.hart.x[1]).toBe((CODE + 2) | 0);
    expect(t.hart.pc).toBe(CODE + 2);
  });

  it('c.jalr ra uses the old ra as target', () => {
    // c.jalr ra = 100 1 00001 00000 10 = 0x9082
    run([0x9082], 1, { 1: CODE + 0x20 });
    expect(t.hart.pc).toBe(CODE + 0x20);
    expect(t.hart.x[1]).toBe((CODE + 2) | 0);
  });

  it('c.beqz / c.bnez', () => {
    run([0xc501], 1, { 10: 0 });
    expect(t.hart.pc).toBe(CODE + 8);
    run([0xc501], 1, { 10: 1 });
    expect(t.hart.pc).toBe(CODE + 2);
    run([0x0001, 0xfd7d], 2, { 10: 1 }); // c.nop; c.bnez a0, -2
    expect(t.hart.pc).toBe(CODE);
    run([0x0001, 0xfd7d], 2, { 10: 0 });
    expect(t.hart.pc).toBe(CODE + 4);
  });

  it('c.ebreak → breakpoint with mepc = mtval = pc', () => {
    run([0x0001, 0x9002], 2);
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(mtrap(t)).toEqual({ cause: EXC.BREAKPOINT, epc: CODE + 2, tval: CODE + 2 });
  });

  it('32-bit instructions at 2-byte alignment, mixed with 16-bit ones', () => {
    const addi = asm.addi(5, 0, 123);
    const jal = asm.jal(1, 8);
    // c.nop; addi x5 (at +2); jal ra, 8 (at +6) → +14
    run([0x0001, addi & 0xffff, addi >>> 16, jal & 0xffff, jal >>> 16], 3);
    expect(t.hart.x[5]).toBe(123);
    expect(t.hart.x[1]).toBe((CODE + 10) | 0);
    expect(t.hart.pc).toBe(CODE + 14);
  });

  it('a 32-bit instruction straddling a page boundary', () => {
    const at = CODE + 0xffe;
    const addi = asm.addi(5, 0, -77);
    t.poke16(at, addi & 0xffff, addi >>> 16, 0x0001);
    t.hart.pc = at;
    t.hart.run(2);
    expect(t.hart.x[5]).toBe(-77);
    expect(t.hart.pc).toBe(at + 6);
  });

  it('a compressed instruction in the last halfword of a page', () => {
    t.poke16(CODE + 0xffe, 0x4515); // c.li a0, 5
    t.poke16(CODE + 0x1000, 0x0505); // c.addi a0, 1
    t.hart.pc = CODE + 0xffe;
    t.hart.run(2);
    expect(t.hart.x[10]).toBe(6);
  });

  it('counts compressed instructions in instret', () => {
    run([0x0001, 0x0001, 0x0001], 3);
    expect(t.hart.f[F.INSTRET]).toBe(3);
  });
});
