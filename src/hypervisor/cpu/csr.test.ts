/**
 * CSR access rules, trap entry/return, delegation and interrupts
 * (privileged spec 1.12 ch. 2, §3.1, §3.3, §4.1; Zicsr ch. 9).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { asm } from './asm';
import { CSR, EXC, IRQ, MSTATUS, PRIV } from './csr';
import { EXIT } from './hart';
import { S } from './hart-state';
import {
  CODE,
  M_HANDLER,
  S_HANDLER,
  type TestHart,
  enter,
  mtrap,
  strap,
  trapHart,
} from './priv.test-helper';

let t: TestHart;
beforeEach(() => {
  t = trapHart();
});

const INTERRUPT = 0x80000000;

/** Loads `insns` at CODE, enters `priv` there via MRET and runs `steps` instructions. */
function runIn(priv: number, insns: number[], steps = insns.length, mstatusBits = 0): void {
  t.load([...insns, asm.jal(0, 0)], CODE);
  if (priv === PRIV.M) {
    t.hart.pc = CODE;
    if (mstatusBits) t.hart.csrWrite(CSR.mstatus, t.hart.csrRead(CSR.mstatus)! | mstatusBits);
  } else {
    enter(t, priv, CODE, mstatusBits);
  }
  t.hart.run(steps);
}

function expectIllegal(insn: number, epc = CODE): void {
  expect(t.hart.pc).toBe(M_HANDLER);
  expect(mtrap(t)).toEqual({ cause: EXC.ILLEGAL_INSN, epc, tval: insn >>> 0 });
}

function expectNoTrap(): void {
  expect(t.hart.pc).not.toBe(M_HANDLER);
  expect(t.hart.pc).not.toBe(S_HANDLER);
  expect(mtrap(t).cause).toBe(0);
}

describe('Zicsr semantics', () => {
  it('csrrw/csrrs/csrrc return the old value and write, set, clear', () => {
    t.load(
      [
        asm.csrrw(5, CSR.mscratch, 1),
        asm.csrrs(6, CSR.mscratch, 2),
        asm.csrrc(7, CSR.mscratch, 3),
        asm.csrrwi(8, CSR.mscratch, 31),
        asm.csrrsi(9, CSR.mscratch, 16),
        asm.csrrci(10, CSR.mscratch, 1),
        asm.csrrs(11, CSR.mscratch, 0),
      ],
      CODE,
    );
    t.hart.pc = CODE;
    t.hart.x[1] = 0xf0f0;
    t.hart.x[2] = 0x000f;
    t.hart.x[3] = 0x00f0;
    t.hart.run(7);
    expect(Array.from(t.hart.x.slice(5, 12))).toEqual([0, 0xf0f0, 0xf0ff, 0xf00f, 31, 31, 30]);
  });

  it('csrrw with rd = x0 does not read (no side effects), csrrs with rs1 = x0 does not write', () => {
    runIn(PRIV.M, [asm.csrrw(0, CSR.mscratch, 1), asm.csrrs(5, CSR.mscratch, 0)]);
    expectNoTrap();
  });

  it('an unimplemented CSR is illegal', () => {
    const insn = asm.csrrs(5, 0x5c0, 0);
    runIn(PRIV.M, [insn], 1);
    expectIllegal(insn);
  });
});

describe('CSR privilege and read-only rules', () => {
  for (const [name, priv] of [
    ['S', PRIV.S],
    ['U', PRIV.U],
  ] as const) {
    for (const csr of [CSR.mstatus, CSR.mscratch, CSR.mepc, CSR.mhartid, CSR.misa, CSR.mcycle]) {
      it(`reading M CSR 0x${csr.toString(16)} from ${name} is illegal`, () => {
        const insn = asm.csrrs(5, csr, 0);
        runIn(priv, [insn], 1);
        expectIllegal(insn);
      });
    }
  }

  it('reading an S CSR from U is illegal, from S is legal', () => {
    const insn = asm.csrrs(5, CSR.sstatus, 0);
    runIn(PRIV.U, [insn], 1);
    expectIllegal(insn);
    t = trapHart();
    runIn(PRIV.S, [asm.csrrs(5, CSR.sscratch, 0), asm.csrrw(0, CSR.sscratch, 0)]);
    expectNoTrap();
  });

  for (const csr of [
    CSR.mhartid,
    CSR.mvendorid,
    CSR.marchid,
    CSR.mimpid,
    CSR.cycle,
    CSR.instret,
    CSR.time,
  ]) {
    it(`writing read-only CSR 0x${csr.toString(16)} is illegal, even with csrrs/csrrc rs1 != x0 holding 0`, () => {
      for (const insn of [
        asm.csrrw(0, csr, 0),
        asm.csrrw(5, csr, 6),
        asm.csrrs(5, csr, 6),
        asm.csrrc(5, csr, 6),
        asm.csrrwi(5, csr, 0),
        asm.csrrsi(5, csr, 1),
        asm.csrrci(5, csr, 1),
      ]) {
        t = trapHart();
        t.hart.csrWrite(CSR.mcounteren, 7);
        t.hart.x[6] = 0;
        runIn(PRIV.M, [insn], 1);
        expectIllegal(insn);
      }
    });

    it(`reading read-only CSR 0x${csr.toString(16)} with csrrs/csrrc rs1 = x0 or uimm = 0 is legal`, () => {
      runIn(PRIV.M, [
        asm.csrrs(5, csr, 0),
        asm.csrrc(5, csr, 0),
        asm.csrrsi(5, csr, 0),
        asm.csrrci(5, csr, 0),
      ]);
      expectNoTrap();
      expect(t.hart.pc).toBe(CODE + 16);
    });
  }

  it('mhartid reads the hart id', () => {
    t.hart.s[S.HARTID] = 3;
    runIn(PRIV.M, [asm.csrrs(5, CSR.mhartid, 0)]);
    expect(t.hart.x[5]).toBe(3);
  });
});

describe('counter enables', () => {
  const CY = 1;
  const TM = 2;
  const IR = 4;
  it('S-mode reads of cycle/time/instret need mcounteren', () => {
    for (const [csr, bit] of [
      [CSR.cycle, CY],
      [CSR.time, TM],
      [CSR.instret, IR],
      [CSR.cycleh, CY],
      [CSR.instreth, IR],
    ]) {
      t = trapHart();
      const insn = asm.csrrs(5, csr, 0);
      runIn(PRIV.S, [insn], 1);
      expectIllegal(insn);
      t = trapHart();
      t.hart.csrWrite(CSR.mcounteren, bit);
      runIn(PRIV.S, [insn], 1);
      expectNoTrap();
    }
  });

  it('U-mode reads need both mcounteren and scounteren', () => {
    const insn = asm.csrrs(5, CSR.instret, 0);
    t.hart.csrWrite(CSR.mcounteren, 7);
    runIn(PRIV.U, [insn], 1);
    expectIllegal(insn);

    t = trapHart();
    t.hart.csrWrite(CSR.scounteren, 7);
    runIn(PRIV.U, [insn], 1);
    expectIllegal(insn);

    t = trapHart();
    t.hart.csrWrite(CSR.mcounteren, IR);
    t.hart.csrWrite(CSR.scounteren, IR);
    runIn(PRIV.U, [insn, asm.csrrs(6, CSR.cycle, 0)], 2);
    expectIllegal(asm.csrrs(6, CSR.cycle, 0), CODE + 4);
  });

  it('time reads the platform clock', () => {
    t.setTicks(123456);
    t.hart.csrWrite(CSR.mcounteren, TM);
    runIn(PRIV.S, [asm.csrrs(5, CSR.time, 0), asm.csrrs(6, CSR.timeh, 0)]);
    expect(t.hart.x[5]).toBe(123456);
    expect(t.hart.x[6]).toBe(0);
  });

  it('mcountinhibit.IR stops minstret and mcountinhibit.CY stops mcycle (§3.1.12)', () => {
    t.hart.csrWrite(CSR.mcountinhibit, 5);
    runIn(PRIV.M, [
      asm.nop(),
      asm.nop(),
      asm.nop(),
      asm.csrrs(5, CSR.minstret, 0),
      asm.csrrs(6, CSR.mcycle, 0),
    ]);
    expect(t.hart.x[5]).toBe(0);
    expect(t.hart.x[6]).toBe(0);
  });
});

describe('WARL fields', () => {
  it('misa reads MXL=1 and I, M, A, C, S, U, and ignores writes', () => {
    const misa = t.hart.csrRead(CSR.misa)!;
    expect(misa >>> 30).toBe(1);
    const ext = (c: string) => (misa >>> (c.charCodeAt(0) - 65)) & 1;
    for (const c of 'IMACSU') expect(ext(c), c).toBe(1);
    for (const c of 'EFDHQV') expect(ext(c), c).toBe(0);
    runIn(PRIV.M, [asm.csrrw(0, CSR.misa, 0)]);
    expectNoTrap();
    expect(t.hart.csrRead(CSR.misa)).toBe(misa);
  });

  it('mstatus.MPP never holds the reserved value 2', () => {
    t.hart.x[1] = 2 << 11;
    runIn(PRIV.M, [asm.csrrs(0, CSR.mstatus, 1), asm.csrrs(5, CSR.mstatus, 0)]);
    expect([0, 1, 3]).toContain((t.hart.x[5] >>> 11) & 3);
    for (const mpp of [0, 1, 3]) {
      t.hart.csrWrite(CSR.mstatus, mpp << 11);
      expect((t.hart.csrRead(CSR.mstatus)! >>> 11) & 3).toBe(mpp);
    }
  });

  it('medeleg: bit 11 (ecall from M) is read-only zero; delegable exceptions are writable', () => {
    t.hart.csrWrite(CSR.medeleg, -1);
    const v = t.hart.csrRead(CSR.medeleg)!;
    expect((v >>> 11) & 1).toBe(0);
    for (const c of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15])
      expect((v >>> c) & 1, `bit ${c}`).toBe(1);
    t.hart.csrWrite(CSR.medeleg, 0);
    expect(t.hart.csrRead(CSR.medeleg)).toBe(0);
  });

  it('mideleg: the S-level interrupts are writable', () => {
    t.hart.csrWrite(CSR.mideleg, -1);
    const v = t.hart.csrRead(CSR.mideleg)!;
    expect(v & 0x222).toBe(0x222);
    t.hart.csrWrite(CSR.mideleg, 0x20);
    expect(t.hart.csrRead(CSR.mideleg)).toBe(0x20);
  });

  it('mtvec/stvec keep BASE and MODE 0/1', () => {
    for (const csr of [CSR.mtvec, CSR.stvec]) {
      t.hart.csrWrite(csr, 0x80001001 | 0);
      expect(t.hart.csrRead(csr)! >>> 0).toBe(0x80001001);
      t.hart.csrWrite(csr, 0x80001000 | 0);
      expect(t.hart.csrRead(csr)! >>> 0).toBe(0x80001000);
    }
  });

  it('mepc/sepc bit 0 reads as zero (IALIGN = 16)', () => {
    t.hart.csrWrite(CSR.mepc, 0x80001003 | 0);
    expect(t.hart.csrRead(CSR.mepc)! >>> 0).toBe(0x80001002);
    t.hart.csrWrite(CSR.sepc, 0x80001003 | 0);
    expect(t.hart.csrRead(CSR.sepc)! >>> 0).toBe(0x80001002);
  });

  it('satp: ASID bits read as zero (ASIDLEN = 0), MODE and PPN are kept', () => {
    t.hart.x[1] = -1;
    runIn(PRIV.M, [asm.csrrw(0, CSR.satp, 1), asm.csrrs(5, CSR.satp, 0)]);
    expect(t.hart.x[5] >>> 0).toBe(0x803fffff);
  });
});

describe('sstatus, sie, sip views', () => {
  it('sstatus is a restricted view of mstatus', () => {
    const all =
      MSTATUS.SIE |
      MSTATUS.MIE |
      MSTATUS.SPIE |
      MSTATUS.MPIE |
      MSTATUS.SPP |
      MSTATUS.MPP |
      MSTATUS.SUM |
      MSTATUS.MXR;
    t.hart.csrWrite(CSR.mstatus, all | MSTATUS.TVM | MSTATUS.TSR | MSTATUS.TW | MSTATUS.MPRV);
    const ss = t.hart.csrRead(CSR.sstatus)!;
    expect(ss).toBe(MSTATUS.SIE | MSTATUS.SPIE | MSTATUS.SPP | MSTATUS.SUM | MSTATUS.MXR);
    // Writing sstatus changes only the S fields of mstatus.
    t.hart.x[1] = -1;
    runIn(PRIV.M, [asm.csrrw(0, CSR.sstatus, 0), asm.csrrs(5, CSR.mstatus, 0)]);
    expect(t.hart.x[5]).toBe(
      MSTATUS.MIE |
        MSTATUS.MPIE |
        MSTATUS.MPP |
        MSTATUS.TVM |
        MSTATUS.TSR |
        MSTATUS.TW |
        MSTATUS.MPRV,
    );
    t.hart.csrWrite(CSR.mstatus, 0);
    t.hart.csrWrite(CSR.sstatus, -1);
    expect(
      t.hart.csrRead(CSR.mstatus)! &
        (MSTATUS.MIE | MSTATUS.MPIE | MSTATUS.MPP | MSTATUS.MPRV | MSTATUS.TVM),
    ).toBe(0);
    expect(t.hart.csrRead(CSR.mstatus)! & MSTATUS.SUM).toBe(MSTATUS.SUM);
  });

  it('sie is mie masked by mideleg', () => {
    t.hart.csrWrite(CSR.mie, 0xaaa);
    expect(t.hart.csrRead(CSR.mie)).toBe(0xaaa);
    t.hart.csrWrite(CSR.mideleg, 0x222);
    expect(t.hart.csrRead(CSR.sie)).toBe(0x222);
    t.hart.csrWrite(CSR.mideleg, 0x020);
    expect(t.hart.csrRead(CSR.sie)).toBe(0x020);
    // Writing sie changes only delegated bits of mie.
    t.hart.csrWrite(CSR.mie, 0);
    t.hart.csrWrite(CSR.sie, -1);
    expect(t.hart.csrRead(CSR.mie)).toBe(0x020);
  });

  it('sip is mip masked by mideleg; S-mode may write SSIP only when delegated', () => {
    t.hart.setPending(IRQ.STI, true);
    t.hart.setPending(IRQ.MTI, true);
    t.hart.setPending(IRQ.SEI, true);
    t.hart.csrWrite(CSR.mideleg, 0x222);
    expect(t.hart.csrRead(CSR.sip)).toBe((1 << IRQ.STI) | (1 << IRQ.SEI));
    t.hart.csrWrite(CSR.mideleg, 0x002);
    expect(t.hart.csrRead(CSR.sip)).toBe(0);
    t.hart.csrWrite(CSR.sip, 2);
    expect(t.hart.csrRead(CSR.mip)! & 2).toBe(2);
    expect(t.hart.csrRead(CSR.sip)).toBe(2);
    t.hart.csrWrite(CSR.sip, 0);
    expect(t.hart.csrRead(CSR.mip)! & 2).toBe(0);
    t.hart.csrWrite(CSR.mideleg, 0);
    t.hart.csrWrite(CSR.sip, 2);
    expect(t.hart.csrRead(CSR.mip)! & 2).toBe(0);
  });

  it('mip: M-mode may write SSIP and STIP; MTIP is read-only', () => {
    t.hart.csrWrite(CSR.mip, (1 << IRQ.SSI) | (1 << IRQ.STI) | (1 << IRQ.MTI));
    expect(t.hart.csrRead(CSR.mip)).toBe((1 << IRQ.SSI) | (1 << IRQ.STI));
    t.hart.setPending(IRQ.MTI, true);
    t.hart.csrWrite(CSR.mip, 0);
    expect(t.hart.csrRead(CSR.mip)).toBe(1 << IRQ.MTI);
  });
});

describe('MRET, SRET', () => {
  it('mret to S: MIE ← MPIE, MPIE ← 1, MPP ← U, MPRV cleared, pc ← mepc', () => {
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MPIE | (PRIV.S << 11) | MSTATUS.MPRV);
    t.hart.csrWrite(CSR.mepc, CODE);
    t.load([asm.mret()], CODE - 4);
    t.hart.pc = CODE - 4;
    t.hart.run(1);
    expect(t.hart.priv).toBe(PRIV.S);
    expect(t.hart.pc).toBe(CODE);
    const m = t.hart.s[S.MSTATUS];
    expect(m & MSTATUS.MIE).toBe(MSTATUS.MIE);
    expect(m & MSTATUS.MPIE).toBe(MSTATUS.MPIE);
    expect(m & MSTATUS.MPP).toBe(0);
    expect(m & MSTATUS.MPRV).toBe(0);
  });

  it('mret to M keeps MPRV; MIE ← MPIE = 0', () => {
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE | (PRIV.M << 11) | MSTATUS.MPRV);
    t.hart.csrWrite(CSR.mepc, CODE);
    t.load([asm.mret()], CODE - 4);
    t.hart.pc = CODE - 4;
    t.hart.run(1);
    expect(t.hart.priv).toBe(PRIV.M);
    const m = t.hart.s[S.MSTATUS];
    expect(m & MSTATUS.MIE).toBe(0);
    expect(m & MSTATUS.MPIE).toBe(MSTATUS.MPIE);
    expect(m & MSTATUS.MPRV).toBe(MSTATUS.MPRV);
  });

  it('sret from S to U: SIE ← SPIE, SPIE ← 1, SPP ← U, pc ← sepc', () => {
    t.hart.csrWrite(CSR.sepc, CODE + 0x40);
    runIn(PRIV.S, [asm.sret()], 1, MSTATUS.SPIE);
    expect(t.hart.priv).toBe(PRIV.U);
    expect(t.hart.pc).toBe(CODE + 0x40);
    const m = t.hart.s[S.MSTATUS];
    expect(m & MSTATUS.SIE).toBe(MSTATUS.SIE);
    expect(m & MSTATUS.SPIE).toBe(MSTATUS.SPIE);
    expect(m & MSTATUS.SPP).toBe(0);
  });

  it('sret with SPP = S returns to S', () => {
    t.hart.csrWrite(CSR.sepc, CODE + 0x40);
    runIn(PRIV.S, [asm.sret()], 1, MSTATUS.SPP);
    expect(t.hart.priv).toBe(PRIV.S);
    expect(t.hart.s[S.MSTATUS] & (MSTATUS.SIE | MSTATUS.SPP)).toBe(0);
  });

  it('sret from M clears MPRV (§3.1.6.3)', () => {
    t.hart.csrWrite(CSR.sepc, CODE + 0x40);
    runIn(PRIV.M, [asm.sret()], 1, MSTATUS.MPRV | MSTATUS.SPP);
    expect(t.hart.priv).toBe(PRIV.S);
    expect(t.hart.s[S.MSTATUS] & MSTATUS.MPRV).toBe(0);
  });

  it('mret from S or U and sret from U are illegal', () => {
    runIn(PRIV.S, [asm.mret()], 1);
    expectIllegal(asm.mret());
    t = trapHart();
    runIn(PRIV.U, [asm.mret()], 1);
    expectIllegal(asm.mret());
    t = trapHart();
    runIn(PRIV.U, [asm.sret()], 1);
    expectIllegal(asm.sret());
  });
});

describe('TSR, TVM, TW', () => {
  it('TSR=1: sret in S is illegal; in M it is not', () => {
    runIn(PRIV.S, [asm.sret()], 1, MSTATUS.TSR);
    expectIllegal(asm.sret());
    t = trapHart();
    t.hart.csrWrite(CSR.sepc, CODE + 0x40);
    runIn(PRIV.M, [asm.sret()], 1, MSTATUS.TSR);
    expect(t.hart.pc).toBe(CODE + 0x40);
  });

  it('TVM=1: satp access and sfence.vma in S are illegal; in M they are not', () => {
    for (const insn of [asm.csrrs(5, CSR.satp, 0), asm.csrrw(0, CSR.satp, 0), asm.sfenceVma()]) {
      t = trapHart();
      runIn(PRIV.S, [insn], 1, MSTATUS.TVM);
      expectIllegal(insn);
      t = trapHart();
      runIn(PRIV.M, [insn], 1, MSTATUS.TVM);
      expectNoTrap();
    }
    t = trapHart();
    runIn(PRIV.S, [asm.csrrs(5, CSR.satp, 0), asm.sfenceVma()]);
    expectNoTrap();
  });

  it('sfence.vma from U is illegal', () => {
    runIn(PRIV.U, [asm.sfenceVma()], 1);
    expectIllegal(asm.sfenceVma());
  });

  it('TW=1: wfi in S is illegal (when it would wait)', () => {
    runIn(PRIV.S, [asm.wfi()], 1, MSTATUS.TW);
    expectIllegal(asm.wfi());
  });
});

describe('WFI', () => {
  it('returns EXIT.WFI when nothing is pending, with pc after the wfi', () => {
    t.load([asm.nop(), asm.wfi(), asm.addi(5, 0, 1)], CODE);
    t.hart.pc = CODE;
    expect(t.hart.run(100)).toBe(EXIT.WFI);
    expect(t.hart.pc).toBe(CODE + 8);
    expect(t.hart.x[5]).toBe(0);
  });

  it('does not stop when an enabled interrupt is pending, even with MIE = 0', () => {
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MTI);
    t.hart.setPending(IRQ.MTI, true);
    t.load([asm.wfi(), asm.addi(5, 0, 1), asm.jal(0, 0)], CODE);
    t.hart.pc = CODE;
    expect(t.hart.run(10)).toBe(EXIT.BUDGET);
    expect(t.hart.x[5]).toBe(1);
    expect(mtrap(t).cause).toBe(0);
  });

  it('a pending but disabled (mie = 0) interrupt does not wake it', () => {
    t.hart.setPending(IRQ.MTI, true);
    t.load([asm.wfi(), asm.addi(5, 0, 1)], CODE);
    t.hart.pc = CODE;
    expect(t.hart.run(10)).toBe(EXIT.WFI);
  });

  it('with MIE = 1 the wake-up interrupt is taken after the wfi', () => {
    t.load([asm.wfi(), asm.addi(5, 0, 1)], CODE);
    t.hart.pc = CODE;
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MTI);
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE);
    expect(t.hart.run(10)).toBe(EXIT.WFI);
    t.hart.setPending(IRQ.MTI, true);
    t.hart.run(1);
    expect(mtrap(t)).toEqual({ cause: (INTERRUPT | IRQ.MTI) >>> 0, epc: CODE + 4, tval: 0 });
    expect(t.hart.pc).toBe(M_HANDLER);
  });
});

describe('exception delegation', () => {
  it('an ecall from U delegated via medeleg goes to stvec with scause/sepc/stval and SPP = 0', () => {
    t.hart.csrWrite(CSR.medeleg, 1 << EXC.ECALL_U);
    runIn(PRIV.U, [asm.nop(), asm.ecall()], 2, MSTATUS.SIE);
    expect(t.hart.pc).toBe(S_HANDLER);
    expect(t.hart.priv).toBe(PRIV.S);
    expect(strap(t)).toEqual({ cause: EXC.ECALL_U, epc: CODE + 4, tval: 0 });
    const m = t.hart.s[S.MSTATUS];
    expect(m & MSTATUS.SPP).toBe(0);
    expect(m & MSTATUS.SPIE).toBe(MSTATUS.SPIE);
    expect(m & MSTATUS.SIE).toBe(0);
    expect(mtrap(t).cause).toBe(0);
  });

  it('an illegal instruction in S delegated: SPP = 1, stval = the instruction', () => {
    t.hart.csrWrite(CSR.medeleg, 1 << EXC.ILLEGAL_INSN);
    runIn(PRIV.S, [0xffffffff | 0], 1);
    expect(t.hart.pc).toBe(S_HANDLER);
    expect(strap(t)).toEqual({ cause: EXC.ILLEGAL_INSN, epc: CODE, tval: 0xffffffff });
    expect(t.hart.s[S.MSTATUS] & MSTATUS.SPP).toBe(MSTATUS.SPP);
  });

  it('a delegated exception raised in M is taken in M', () => {
    t.hart.csrWrite(CSR.medeleg, 1 << EXC.BREAKPOINT);
    runIn(PRIV.M, [asm.ebreak()], 1);
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(mtrap(t).cause).toBe(EXC.BREAKPOINT);
  });

  it('a non-delegated exception from U goes to M with MPP = U, MPIE = MIE', () => {
    runIn(PRIV.U, [asm.ecall()], 1);
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(t.hart.s[S.MSTATUS] & MSTATUS.MPP).toBe(0);
    expect(t.hart.priv).toBe(PRIV.M);
  });

  it('trap entry to M from S records MPP = S and MPIE = old MIE', () => {
    runIn(PRIV.S, [asm.ecall()], 1);
    expect((t.hart.s[S.MSTATUS] & MSTATUS.MPP) >>> 11).toBe(PRIV.S);
  });
});

describe('interrupts', () => {
  const ORDER = [IRQ.MEI, IRQ.MSI, IRQ.MTI, IRQ.SEI, IRQ.SSI, IRQ.STI];

  it('priority MEI > MSI > MTI > SEI > SSI > STI (all to M)', () => {
    for (let i = 0; i < ORDER.length; i++) {
      t = trapHart();
      t.load([asm.nop(), asm.jal(0, 0)], CODE);
      t.hart.pc = CODE;
      t.hart.csrWrite(CSR.mie, 0xaaa);
      t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE);
      for (const irq of ORDER.slice(i)) t.hart.setPending(irq, true);
      t.hart.run(1);
      expect(mtrap(t).cause, `step ${i}`).toBe((INTERRUPT | ORDER[i]) >>> 0);
      expect(mtrap(t).epc).toBe(CODE);
      expect(t.hart.pc).toBe(M_HANDLER);
    }
  });

  it('interrupt trap entry: MPIE ← MIE, MIE ← 0, MPP ← M, mtval = 0', () => {
    t.load([asm.nop()], CODE);
    t.hart.pc = CODE;
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MSI);
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE);
    t.hart.s[S.MTVAL] = 99;
    t.hart.setPending(IRQ.MSI, true);
    t.hart.run(1);
    const m = t.hart.s[S.MSTATUS];
    expect(m & (MSTATUS.MIE | MSTATUS.MPIE | MSTATUS.MPP)).toBe(MSTATUS.MPIE | MSTATUS.MPP);
    expect(mtrap(t).tval).toBe(0);
  });

  it('M interrupts are not taken in M with MIE = 0 but always in S/U', () => {
    t.load([asm.nop(), asm.nop()], CODE);
    t.hart.pc = CODE;
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MTI);
    t.hart.setPending(IRQ.MTI, true);
    t.hart.run(2);
    expectNoTrap();
    for (const priv of [PRIV.S, PRIV.U]) {
      t = trapHart();
      t.hart.csrWrite(CSR.mie, 1 << IRQ.MTI);
      t.load([asm.nop(), asm.nop()], CODE);
      enter(t, priv, CODE);
      t.hart.setPending(IRQ.MTI, true);
      t.hart.run(1);
      expect(t.hart.pc).toBe(M_HANDLER);
      expect(mtrap(t)).toEqual({ cause: (INTERRUPT | IRQ.MTI) >>> 0, epc: CODE, tval: 0 });
      expect((t.hart.s[S.MSTATUS] & MSTATUS.MPP) >>> 11).toBe(priv);
    }
  });

  it('delegated S interrupts are not taken in M-mode, even with MIE = SIE = 1', () => {
    t.load([asm.nop(), asm.nop(), asm.nop()], CODE);
    t.hart.pc = CODE;
    t.hart.csrWrite(CSR.mideleg, 0x222);
    t.hart.csrWrite(CSR.mie, 0x222);
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE | MSTATUS.SIE);
    t.hart.setPending(IRQ.SSI, true);
    t.hart.setPending(IRQ.STI, true);
    t.hart.setPending(IRQ.SEI, true);
    t.hart.run(3);
    expectNoTrap();
    expect(t.hart.pc).toBe(CODE + 12);
  });

  it('delegated S interrupts: taken in S only with SIE = 1, always in U; go to stvec', () => {
    const setup = () => {
      t = trapHart();
      t.load([asm.nop(), asm.nop()], CODE);
      t.hart.csrWrite(CSR.mideleg, 0x222);
      t.hart.csrWrite(CSR.mie, 1 << IRQ.STI);
    };
    setup();
    enter(t, PRIV.S, CODE);
    t.hart.setPending(IRQ.STI, true);
    t.hart.run(1);
    expectNoTrap();

    setup();
    enter(t, PRIV.S, CODE, MSTATUS.SIE);
    t.hart.setPending(IRQ.STI, true);
    t.hart.run(1);
    expect(t.hart.pc).toBe(S_HANDLER);
    expect(strap(t)).toEqual({ cause: (INTERRUPT | IRQ.STI) >>> 0, epc: CODE, tval: 0 });
    expect(t.hart.s[S.MSTATUS] & (MSTATUS.SPP | MSTATUS.SPIE | MSTATUS.SIE)).toBe(
      MSTATUS.SPP | MSTATUS.SPIE,
    );

    setup();
    enter(t, PRIV.U, CODE);
    t.hart.setPending(IRQ.STI, true);
    t.hart.run(1);
    expect(t.hart.pc).toBe(S_HANDLER);
    expect(t.hart.priv).toBe(PRIV.S);
    expect(t.hart.s[S.MSTATUS] & MSTATUS.SPP).toBe(0);
  });

  it('an interrupt for M is taken before one for S, whatever their fixed order (§3.1.9)', () => {
    // SSI stays with M; SEI (higher in the fixed order) is delegated to S. In S-mode with SIE = 1
    // both are pending and enabled: the M-level one must be serviced first.
    t.load([asm.nop(), asm.nop()], CODE);
    t.hart.csrWrite(CSR.mideleg, 1 << IRQ.SEI);
    t.hart.csrWrite(CSR.mie, (1 << IRQ.SEI) | (1 << IRQ.SSI));
    enter(t, PRIV.S, CODE, MSTATUS.SIE);
    t.hart.setPending(IRQ.SEI, true);
    t.hart.setPending(IRQ.SSI, true);
    t.hart.run(1);
    expect(t.hart.priv).toBe(PRIV.M);
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(mtrap(t).cause).toBe((INTERRUPT | IRQ.SSI) >>> 0);
  });

  it('vectored mtvec: interrupts go to BASE + 4 × cause, exceptions to BASE', () => {
    const base = CODE + 0x400;
    t.hart.csrWrite(CSR.mtvec, base | 1);
    for (let i = 0; i < 16; i++) t.poke32(base + 4 * i, asm.jal(0, 0));
    t.load([asm.nop()], CODE);
    t.hart.pc = CODE;
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MTI);
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MIE);
    t.hart.setPending(IRQ.MTI, true);
    t.hart.run(1);
    expect(t.hart.pc).toBe(base + 4 * IRQ.MTI);

    t = trapHart();
    t.hart.csrWrite(CSR.mtvec, base | 1);
    t.poke32(base, asm.jal(0, 0));
    runIn(PRIV.M, [asm.ecall()], 1);
    expect(t.hart.pc).toBe(base);
  });

  it('vectored stvec for delegated interrupts', () => {
    const base = CODE + 0x800;
    t.hart.csrWrite(CSR.stvec, base | 1);
    for (let i = 0; i < 16; i++) t.poke32(base + 4 * i, asm.jal(0, 0));
    t.hart.csrWrite(CSR.mideleg, 0x222);
    t.hart.csrWrite(CSR.mie, 1 << IRQ.SEI);
    t.load([asm.nop()], CODE);
    enter(t, PRIV.U, CODE);
    t.hart.setPending(IRQ.SEI, true);
    t.hart.run(1);
    expect(t.hart.pc).toBe(base + 4 * IRQ.SEI);
  });

  it('an interrupt unmasked by a CSR write is taken right after it', () => {
    t.hart.csrWrite(CSR.mie, 1 << IRQ.MSI);
    t.hart.setPending(IRQ.MSI, true);
    t.hart.x[1] = MSTATUS.MIE;
    runIn(PRIV.M, [asm.nop(), asm.csrrs(0, CSR.mstatus, 1), asm.addi(5, 0, 1)], 3);
    expect(mtrap(t).epc).toBe(CODE + 8);
    expect(t.hart.x[5]).toBe(0);
  });
});
