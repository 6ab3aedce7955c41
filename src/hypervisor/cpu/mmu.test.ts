/**
 * Sv32 translation (privileged spec 1.12 §4.3): page tables built in guest
 * RAM, S/U code entered with a real MRET, faults checked against §4.3.2.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { asm } from './asm';
import { CSR, EXC, MSTATUS, PRIV, SATP } from './csr';
import { S } from './hart-state';
import { RAM_BASE } from './hart.test-helper';
import {
  CODE,
  DATA,
  M_HANDLER,
  S_HANDLER,
  type TestHart,
  enter,
  mtrap,
  strap,
  trapHart,
} from './priv.test-helper';
import { PTE } from './sv32';

const ROOT = RAM_BASE + 0x10000;
const L0 = RAM_BASE + 0x11000; // second-level table for VA 0x40000000..0x403fffff
const L0_U = RAM_BASE + 0x12000; // second-level table for VA 0x00000000..0x003fffff
const PAGE_A = RAM_BASE + 0x20000;
const PAGE_B = RAM_BASE + 0x21000;
const PAGE_C = RAM_BASE + 0x22000;
const U_CODE = RAM_BASE + 0x23000;

const VA = 0x40000000; // 4 KiB pages through L0
const U_VA = 0x00010000; // U-mode code page through L0_U
const SUPER_VA = 0xc0000000; // 4 MiB superpage → RAM_BASE
const { V, R, W, X, U, A, D } = PTE;

let t: TestHart;

const leaf = (pa: number, flags: number) => (Math.floor(pa / 4096) << 10) | flags | 0;
const ptr = (table: number) => ((table >>> 12) << 10) | V | 0;
const rootSlot = (va: number) => ROOT + (va >>> 22) * 4;
const l0Slot = (table: number, va: number) => table + ((va >>> 12) & 0x3ff) * 4;
/** Maps the 4 KiB page at `va` (inside VA's 4 MiB region) to `pa`. */
const map = (va: number, pa: number, flags: number) => t.poke32(l0Slot(L0, va), leaf(pa, flags));

beforeEach(() => {
  t = trapHart();
  // RAM identity-mapped by a 4 MiB S-mode superpage, so S code and handlers run translated.
  t.poke32(rootSlot(RAM_BASE), leaf(RAM_BASE, V | R | W | X | A | D));
  t.poke32(rootSlot(VA), ptr(L0));
  t.poke32(rootSlot(U_VA), ptr(L0_U));
  t.poke32(l0Slot(L0_U, U_VA), leaf(U_CODE, V | R | X | U | A));
  t.poke32(rootSlot(SUPER_VA), leaf(RAM_BASE, V | R | W | A | D));
  expect(t.hart.csrWrite(CSR.satp, SATP.MODE_SV32 | (ROOT >>> 12))).toBe(true);
  for (let i = 0; i < 1024; i++) {
    t.poke32(PAGE_A + 4 * i, 0xa0000000 + i);
    t.poke32(PAGE_B + 4 * i, 0xb0000000 + i);
  }
});

/** Runs `insns` at CODE in `priv` (S by default) for `steps` instructions with x1.. preset. */
function runS(
  insns: number[],
  regs: Record<number, number>,
  opts: { priv?: number; mstatus?: number; steps?: number } = {},
) {
  const priv = opts.priv ?? PRIV.S;
  const at = priv === PRIV.U ? U_CODE : CODE;
  t.load([...insns, asm.jal(0, 0)], at);
  for (const [r, v] of Object.entries(regs)) t.hart.x[Number(r)] = v;
  // Back to M with a clean mstatus (a previous run may have left the hart in S or U).
  t.hart.s[S.PRIV] = PRIV.M;
  t.hart.csrWrite(CSR.mstatus, 0);
  t.hart.s[S.MCAUSE] = 0;
  enter(t, priv, priv === PRIV.U ? U_VA : CODE, opts.mstatus ?? 0);
  t.hart.run(opts.steps ?? insns.length);
}

function expectFault(cause: number, tval: number, epc = CODE): void {
  expect(t.hart.pc).toBe(M_HANDLER);
  expect(mtrap(t)).toEqual({ cause, epc: epc >>> 0, tval: tval >>> 0 });
}

function expectOk(): void {
  expect(t.hart.pc).not.toBe(M_HANDLER);
  expect(mtrap(t).cause).toBe(0);
}

const pteAt = (addr: number) => t.peek32(addr);

describe('translation', () => {
  it('4 KiB pages translate loads and stores', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    map(VA + 0x1000, PAGE_B, V | R | W | A | D);
    runS([asm.lw(5, 1, 0x10), asm.lw(6, 3, 0x7fc), asm.sw(7, 1, 0x20)], {
      1: VA,
      3: VA + 0x1800,
      7: 0x1234,
    });
    expectOk();
    expect(t.hart.x[5]).toBe((0xa0000000 + 4) | 0);
    expect(t.hart.x[6]).toBe((0xb0000000 + 1023) | 0);
    expect(t.peek32(PAGE_A + 0x20)).toBe(0x1234);
  });

  it('4 MiB superpages translate (offset bits 21:0 from the VA)', () => {
    runS([asm.lw(5, 1, 0x10), asm.sw(7, 1, 0x24)], { 1: SUPER_VA + (PAGE_B - RAM_BASE), 7: 77 });
    expectOk();
    expect(t.hart.x[5]).toBe((0xb0000000 + 4) | 0);
    expect(t.peek32(PAGE_B + 0x24)).toBe(77);
  });

  it('fetch is translated too (S code runs through the identity superpage)', () => {
    // Remap VA+0x3000 (executable) to a page holding "addi x5, x0, 42; jal x0, 0".
    t.poke32(PAGE_C, asm.addi(5, 0, 42), asm.jal(0, 0));
    map(VA + 0x3000, PAGE_C, V | R | X | A);
    runS([asm.jalr(0, 1, 0)], { 1: VA + 0x3000 }, { steps: 2 });
    expectOk();
    expect(t.hart.x[5]).toBe(42);
    expect(t.hart.pc).toBe(VA + 0x3004);
  });

  it('a misaligned superpage (PPN[0] != 0) raises a page fault', () => {
    t.poke32(rootSlot(SUPER_VA + 0x400000), leaf(RAM_BASE + 0x1000, V | R | W | A | D));
    runS([asm.lw(5, 1, 8)], { 1: SUPER_VA + 0x400000 });
    expectFault(EXC.LOAD_PAGE_FAULT, SUPER_VA + 0x400008);
  });

  it('M-mode accesses are not translated', () => {
    t.load([asm.lw(5, 1, 0)], CODE);
    t.hart.pc = CODE;
    t.hart.x[1] = PAGE_A;
    t.hart.run(1);
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
  });
});

describe('page faults', () => {
  it('V = 0 → load (13), store (15) and instruction (12) page faults with the VA', () => {
    map(VA, PAGE_A, R | W | X | A | D); // V clear
    runS([asm.lw(5, 1, 0x44)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 0x44);
    runS([asm.sw(5, 1, 0x48)], { 1: VA });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 0x48);
    runS([asm.jalr(0, 1, 0x40)], { 1: VA }, { steps: 2 });
    expectFault(EXC.INSN_PAGE_FAULT, VA + 0x40, VA + 0x40);
  });

  it('an invalid root entry → page fault', () => {
    runS([asm.lw(5, 1, 0)], { 1: 0x50000000 });
    expectFault(EXC.LOAD_PAGE_FAULT, 0x50000000);
  });

  it('a non-leaf entry at level 0 → page fault', () => {
    t.poke32(l0Slot(L0, VA), ptr(PAGE_A));
    runS([asm.lw(5, 1, 0)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA);
  });

  it('W without R is reserved → page fault for loads and stores', () => {
    map(VA, PAGE_A, V | W | A | D);
    runS([asm.lw(5, 1, 4)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 4);
    runS([asm.sw(5, 1, 4)], { 1: VA });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 4);
  });

  it('missing R / W / X permission', () => {
    map(VA, PAGE_A, V | X | A | D); // execute-only
    map(VA + 0x1000, PAGE_B, V | R | A | D); // read-only
    map(VA + 0x2000, PAGE_C, V | R | W | A | D); // no X
    runS([asm.lw(5, 1, 0)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA);
    runS([asm.sw(5, 1, 0)], { 1: VA + 0x1000 });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 0x1000);
    expect(t.peek32(PAGE_B)).toBe(0xb0000000 | 0);
    runS([asm.lw(5, 1, 0)], { 1: VA + 0x1000 });
    expectOk();
    runS([asm.jalr(0, 1, 0)], { 1: VA + 0x2000 }, { steps: 2 });
    expectFault(EXC.INSN_PAGE_FAULT, VA + 0x2000, VA + 0x2000);
  });

  it('AMOs need write permission: store/AMO page fault on a read-only page', () => {
    map(VA, PAGE_A, V | R | A | D);
    runS([asm.amo(0x00, 5, 1, 2)], { 1: VA + 8, 2: 1 });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 8);
    expect(t.peek32(PAGE_A + 8)).toBe((0xa0000000 + 2) | 0);
  });

  it('page faults can be delegated to S: scause/stval/sepc', () => {
    t.hart.csrWrite(CSR.medeleg, (1 << EXC.LOAD_PAGE_FAULT) | (1 << EXC.STORE_PAGE_FAULT));
    runS([asm.nop(), asm.sw(5, 1, 0x7c)], { 1: 0x50000000 });
    expect(t.hart.pc).toBe(S_HANDLER);
    expect(strap(t)).toEqual({ cause: EXC.STORE_PAGE_FAULT, epc: CODE + 4, tval: 0x5000007c });
  });
});

describe('U bit, SUM, MXR', () => {
  it('S-mode loads/stores to U pages fault unless SUM = 1', () => {
    map(VA, PAGE_A, V | R | W | U | A | D);
    runS([asm.lw(5, 1, 0)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA);
    runS([asm.sw(5, 1, 0)], { 1: VA });
    expectFault(EXC.STORE_PAGE_FAULT, VA);
    runS([asm.lw(5, 1, 4), asm.sw(5, 1, 8)], { 1: VA }, { mstatus: MSTATUS.SUM });
    expectOk();
    expect(t.hart.x[5]).toBe((0xa0000000 + 1) | 0);
    expect(t.peek32(PAGE_A + 8)).toBe((0xa0000000 + 1) | 0);
  });

  it('S-mode never executes from U pages, even with SUM = 1', () => {
    t.poke32(PAGE_A, asm.nop());
    map(VA, PAGE_A, V | R | X | U | A);
    runS([asm.jalr(0, 1, 0)], { 1: VA }, { mstatus: MSTATUS.SUM, steps: 2 });
    expectFault(EXC.INSN_PAGE_FAULT, VA, VA);
  });

  it('U-mode runs from U pages and faults on S pages', () => {
    map(VA, PAGE_A, V | R | W | U | A | D);
    map(VA + 0x1000, PAGE_B, V | R | W | A | D);
    runS([asm.lw(5, 1, 0), asm.lw(6, 3, 0)], { 1: VA, 3: VA + 0x1000 }, { priv: PRIV.U });
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 0x1000, U_VA + 4);
    runS([asm.sw(6, 3, 0)], { 3: VA + 0x1000 }, { priv: PRIV.U });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 0x1000, U_VA);
    runS([asm.jalr(0, 1, 0)], { 1: CODE }, { priv: PRIV.U, steps: 2 });
    expectFault(EXC.INSN_PAGE_FAULT, CODE, CODE);
  });

  it('SUM does not let U-mode touch S pages', () => {
    map(VA + 0x1000, PAGE_B, V | R | W | A | D);
    runS([asm.lw(6, 3, 0)], { 3: VA + 0x1000 }, { priv: PRIV.U, mstatus: MSTATUS.SUM });
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 0x1000, U_VA);
  });

  it('MXR makes execute-only pages readable (loads only)', () => {
    map(VA, PAGE_A, V | X | A | D);
    runS([asm.lw(5, 1, 4)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 4);
    runS([asm.lw(5, 1, 4)], { 1: VA }, { mstatus: MSTATUS.MXR });
    expectOk();
    expect(t.hart.x[5]).toBe((0xa0000000 + 1) | 0);
    runS([asm.sw(5, 1, 4)], { 1: VA }, { mstatus: MSTATUS.MXR });
    expectFault(EXC.STORE_PAGE_FAULT, VA + 4);
  });

  it('clearing SUM again is honoured without an sfence (no stale permission)', () => {
    map(VA, PAGE_A, V | R | W | U | A | D);
    t.hart.x[2] = MSTATUS.SUM;
    runS(
      [asm.lw(5, 1, 0), asm.csrrc(0, CSR.sstatus, 2), asm.lw(6, 1, 0)],
      { 1: VA },
      { mstatus: MSTATUS.SUM },
    );
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
    expectFault(EXC.LOAD_PAGE_FAULT, VA, CODE + 8);
  });
});

describe('A and D bits (hardware update)', () => {
  it('a read sets A only; a write sets A and D', () => {
    map(VA, PAGE_A, V | R | W);
    map(VA + 0x1000, PAGE_B, V | R | W);
    runS([asm.lw(5, 1, 0)], { 1: VA });
    expectOk();
    expect(pteAt(l0Slot(L0, VA)) & (A | D)).toBe(A);
    expect(pteAt(l0Slot(L0, VA + 0x1000)) & (A | D)).toBe(0);
    runS([asm.sw(5, 3, 0)], { 3: VA + 0x1000 });
    expectOk();
    expect(pteAt(l0Slot(L0, VA + 0x1000)) & (A | D)).toBe(A | D);
  });

  it('a write to a page first read (A set, D clear) sets D', () => {
    map(VA, PAGE_A, V | R | W);
    runS([asm.lw(5, 1, 0), asm.sw(5, 1, 4)], { 1: VA });
    expectOk();
    expect(pteAt(l0Slot(L0, VA)) & (A | D)).toBe(A | D);
  });

  it('an instruction fetch sets A', () => {
    t.poke32(PAGE_C, asm.jal(0, 0));
    map(VA, PAGE_C, V | X);
    runS([asm.jalr(0, 1, 0)], { 1: VA }, { steps: 2 });
    expectOk();
    expect(pteAt(l0Slot(L0, VA)) & (A | D)).toBe(A);
  });

  it('superpage leaves get A/D too', () => {
    t.poke32(rootSlot(SUPER_VA), leaf(RAM_BASE, V | R | W));
    runS([asm.sw(0, 1, 0)], { 1: SUPER_VA + (PAGE_A - RAM_BASE) });
    expectOk();
    expect(pteAt(rootSlot(SUPER_VA)) & (A | D)).toBe(A | D);
  });

  it('a faulting access does not set A or D', () => {
    map(VA, PAGE_A, V | R);
    runS([asm.sw(5, 1, 0)], { 1: VA });
    expectFault(EXC.STORE_PAGE_FAULT, VA);
    expect(pteAt(l0Slot(L0, VA)) & (A | D)).toBe(0);
  });
});

describe('TLB maintenance', () => {
  it('after a PTE change, sfence.vma makes the new mapping visible', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    t.hart.x[3] = l0Slot(L0, VA);
    t.hart.x[4] = leaf(PAGE_B, V | R | W | A | D);
    runS([asm.lw(5, 1, 0), asm.sw(4, 3, 0), asm.sfenceVma(), asm.lw(6, 1, 0)], { 1: VA });
    expectOk();
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
    expect(t.hart.x[6]).toBe(0xb0000000 | 0);
  });

  it('sfence.vma with a VA operand flushes that page', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    t.hart.x[3] = l0Slot(L0, VA);
    t.hart.x[4] = leaf(PAGE_B, V | R | W | A | D);
    runS([asm.lw(5, 1, 0), asm.sw(4, 3, 0), asm.sfenceVma(1, 0), asm.lw(6, 1, 0)], { 1: VA });
    expect(t.hart.x[6]).toBe(0xb0000000 | 0);
  });

  it('sfence.vma with a VA operand keeps the other pages cached', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    map(VA + 0x1000, PAGE_B, V | R | W | A | D);
    runS([asm.lw(5, 1, 0), asm.lw(6, 2, 0), asm.sfenceVma(1, 0)], { 1: VA, 2: VA + 0x1000 });
    expectOk();
    const tag = (va: number) => t.hart.rTag[(va >>> 12) & 1023] >>> 5;
    expect(tag(VA)).not.toBe(VA >>> 12); // flushed
    expect(tag(VA + 0x1000)).toBe((VA + 0x1000) >>> 12); // still cached
  });

  it('sfence.vma of any address in a superpage flushes every page cached from it', () => {
    // A read through the superpage at one 4 KiB page, then the superpage is unmapped and
    // fenced at a *different* address inside it: the cached page must go too (§4.2.1: the
    // fence covers every cache entry holding the leaf that maps the address).
    t.hart.x[3] = rootSlot(SUPER_VA);
    runS([asm.lw(5, 1, 0), asm.sw(0, 3, 0), asm.sfenceVma(2, 0), asm.lw(6, 1, 0)], {
      1: SUPER_VA + 0x20000,
      2: SUPER_VA + 0x5000,
    });
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
    expectFault(EXC.LOAD_PAGE_FAULT, SUPER_VA + 0x20000, CODE + 12);
  });

  it('a satp write flushes the TLB', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    t.hart.x[3] = l0Slot(L0, VA);
    t.hart.x[4] = leaf(PAGE_B, V | R | W | A | D);
    t.hart.x[7] = SATP.MODE_SV32 | (ROOT >>> 12);
    runS([asm.lw(5, 1, 0), asm.sw(4, 3, 0), asm.csrrw(0, CSR.satp, 7), asm.lw(6, 1, 0)], { 1: VA });
    expectOk();
    expect(t.hart.x[6]).toBe(0xb0000000 | 0);
  });

  it('invalidating a PTE then sfence.vma faults the next access', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    t.hart.x[3] = l0Slot(L0, VA);
    runS([asm.lw(5, 1, 0), asm.sw(0, 3, 0), asm.sfenceVma(), asm.lw(6, 1, 0)], { 1: VA });
    expectFault(EXC.LOAD_PAGE_FAULT, VA, CODE + 12);
  });

  it('clearing satp.MODE turns translation off', () => {
    runS([asm.csrrw(0, CSR.satp, 0), asm.lw(5, 1, 0)], { 1: PAGE_A });
    expectOk();
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
  });
});

describe('MPRV', () => {
  it('M-mode with MPRV = 1, MPP = S translates loads and stores, not fetches', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    t.load([asm.lw(5, 1, 4), asm.sw(6, 1, 8), asm.jal(0, 0)], RAM_BASE + 0x30000);
    t.hart.pc = RAM_BASE + 0x30000;
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MPRV | (PRIV.S << 11));
    t.hart.x[1] = VA;
    t.hart.x[6] = 66;
    t.hart.run(2);
    expectOk();
    expect(t.hart.x[5]).toBe((0xa0000000 + 1) | 0);
    expect(t.peek32(PAGE_A + 8)).toBe(66);
  });

  it('MPRV with MPP = U applies U-mode permissions', () => {
    map(VA, PAGE_A, V | R | W | A | D); // S page
    t.load([asm.lw(5, 1, 4)], RAM_BASE + 0x30000);
    t.hart.pc = RAM_BASE + 0x30000;
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MPRV | (PRIV.U << 11));
    t.hart.x[1] = VA;
    t.hart.run(1);
    expectFault(EXC.LOAD_PAGE_FAULT, VA + 4, RAM_BASE + 0x30000);
  });

  it('MPRV with MPP = M leaves accesses untranslated', () => {
    t.load([asm.lw(5, 1, 0)], RAM_BASE + 0x30000);
    t.hart.pc = RAM_BASE + 0x30000;
    t.hart.csrWrite(CSR.mstatus, MSTATUS.MPRV | (PRIV.M << 11));
    t.hart.x[1] = PAGE_A;
    t.hart.run(1);
    expect(t.hart.x[5]).toBe(0xa0000000 | 0);
  });
});

describe('access faults', () => {
  const HOLE = 0x10000000; // no RAM, no device

  it('a leaf pointing outside RAM → load/store/instruction access fault (5/7/1) with the VA', () => {
    map(VA, HOLE, V | R | W | X | A | D);
    runS([asm.lw(5, 1, 0x10)], { 1: VA });
    expectFault(EXC.LOAD_ACCESS, VA + 0x10);
    runS([asm.sw(5, 1, 0x14)], { 1: VA });
    expectFault(EXC.STORE_ACCESS, VA + 0x14);
    runS([asm.jalr(0, 1, 0x18)], { 1: VA }, { steps: 2 });
    expectFault(EXC.INSN_ACCESS, VA + 0x18, VA + 0x18);
  });

  it('a leaf with a 34-bit physical address above 4 GiB → access fault', () => {
    t.poke32(l0Slot(L0, VA), (0x300000 << 10) | V | R | W | A | D | 0);
    runS([asm.lw(5, 1, 0)], { 1: VA });
    expectFault(EXC.LOAD_ACCESS, VA);
  });

  it('a non-leaf PTE pointing to a table outside RAM → access fault (the walk cannot read it)', () => {
    t.poke32(rootSlot(0x50000000), ptr(HOLE));
    runS([asm.lw(5, 1, 0)], { 1: 0x50000000 });
    expectFault(EXC.LOAD_ACCESS, 0x50000000);
    runS([asm.sw(5, 1, 0)], { 1: 0x50000000 });
    expectFault(EXC.STORE_ACCESS, 0x50000000);
    runS([asm.jalr(0, 1, 0)], { 1: 0x50000000 }, { steps: 2 });
    expectFault(EXC.INSN_ACCESS, 0x50000000, 0x50000000);
  });

  it('a root table outside RAM → access fault', () => {
    t.hart.csrWrite(CSR.satp, SATP.MODE_SV32 | (HOLE >>> 12));
    t.load([asm.nop()], CODE);
    enter(t, PRIV.S, CODE);
    t.hart.run(1);
    expectFault(EXC.INSN_ACCESS, CODE, CODE);
  });
});

describe('accesses that span two pages', () => {
  it('a misaligned load across two mapped pages reads both (non-contiguous PAs)', () => {
    map(VA, PAGE_B, V | R | W | A | D);
    map(VA + 0x1000, PAGE_A, V | R | W | A | D);
    runS([asm.lw(5, 1, 0x7fe), asm.sw(2, 1, 0x7ff)], { 1: VA + 0x800, 2: 0x11223344 });
    expectOk();
    // bytes: PAGE_B+0xffe..fff = 0xb0 0x00 (hi half of 0xb00003ff LE: ff 03 00 b0), PAGE_A+0..1 = 00 00 (0xa0000000)
    expect(t.hart.x[5] >>> 0).toBe(0x0000b000);
    expect(t.peek32(PAGE_B + 0xffc) >>> 0).toBe(0x440003ff);
    expect(t.peek32(PAGE_A) >>> 0).toBe(0xa0112233);
  });

  it('a misaligned load whose second page faults: tval is the VA of the faulting portion (§3.1.16)', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    runS([asm.lw(5, 1, 0x7fe)], { 1: VA + 0x800 });
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(mtrap(t).cause).toBe(EXC.LOAD_PAGE_FAULT);
    // The faulting portion is the part in the second page, VA + 0x1000 .. VA + 0x1001.
    expect(mtrap(t).tval >>> 12).toBe((VA + 0x1000) >>> 12);
  });

  it('a misaligned store whose second page faults: tval is the VA of the faulting portion (§3.1.16)', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    runS([asm.sw(2, 1, 0x7fd)], { 1: VA + 0x800, 2: -1 });
    expect(mtrap(t).cause).toBe(EXC.STORE_PAGE_FAULT);
    expect(mtrap(t).tval >>> 12).toBe((VA + 0x1000) >>> 12);
    expect(t.peek32(PAGE_A + 0xffc)).toBe((0xa0000000 + 1023) | 0);
  });

  it('a compressed instruction in the last halfword before an unmapped page runs', () => {
    t.poke32(PAGE_A + 0xffc, (0x4515 << 16) | 0x0001); // c.nop; c.li a0, 5
    map(VA, PAGE_A, V | R | X | A);
    runS([asm.jalr(0, 1, 0x7fc)], { 1: VA + 0x800 }, { steps: 4 });
    expect(t.hart.x[10]).toBe(5);
    expectFault(EXC.INSN_PAGE_FAULT, VA + 0x1000, VA + 0x1000);
  });

  it('a misaligned store whose second page is read-only writes nothing', () => {
    map(VA, PAGE_A, V | R | W | A | D);
    map(VA + 0x1000, PAGE_B, V | R | A | D);
    runS([asm.sw(2, 1, 0x7fe)], { 1: VA + 0x800, 2: -1 });
    expect(mtrap(t).cause).toBe(EXC.STORE_PAGE_FAULT);
    expect(t.peek32(PAGE_A + 0xffc)).toBe((0xa0000000 + 1023) | 0);
    expect(t.peek32(PAGE_B)).toBe(0xb0000000 | 0);
  });

  it('a 32-bit instruction straddling into an unmapped page: mepc = its start, mtval = the second page', () => {
    const insn = asm.addi(5, 0, 9);
    t.poke32(PAGE_A + 0xffc, ((insn & 0xffff) << 16) | 0x0001); // c.nop at +ffc, low half at +ffe
    map(VA, PAGE_A, V | R | X | A);
    runS([asm.jalr(0, 1, 0x7fc)], { 1: VA + 0x800 }, { steps: 3 });
    expectFault(EXC.INSN_PAGE_FAULT, VA + 0x1000, VA + 0xffe);
    expect(t.hart.x[5]).toBe(0);
  });

  it('a 32-bit instruction straddling two mapped pages with non-contiguous PAs', () => {
    const insn = asm.addi(5, 0, 9);
    t.poke32(PAGE_A + 0xffc, ((insn & 0xffff) << 16) | 0x0001);
    t.poke32(PAGE_C, (insn >>> 16) | (asm.jal(0, 0) << 16));
    t.poke32(PAGE_C + 4, asm.jal(0, 0) >>> 16);
    map(VA, PAGE_A, V | R | X | A);
    map(VA + 0x1000, PAGE_C, V | R | X | A);
    runS([asm.jalr(0, 1, 0x7fc)], { 1: VA + 0x800 }, { steps: 3 });
    expectOk();
    expect(t.hart.x[5]).toBe(9);
    expect(t.hart.pc).toBe(VA + 0x1002);
  });
});

describe('trap handler reachability', () => {
  it('an exception in S-mode while paging is on lands on the physical M handler', () => {
    runS([asm.ecall()], {});
    expect(t.hart.pc).toBe(M_HANDLER);
    expect(t.hart.priv).toBe(PRIV.M);
    expect(t.hart.s[S.MCAUSE]).toBe(EXC.ECALL_S);
  });

  it('DATA page is reachable through the identity map in S-mode', () => {
    t.poke32(DATA, 5);
    runS([asm.lw(5, 1, 0)], { 1: DATA });
    expect(t.hart.x[5]).toBe(5);
  });
});
