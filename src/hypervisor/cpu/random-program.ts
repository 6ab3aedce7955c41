import { asm } from './asm';
import { compressedTable } from './compressed';
import { encB } from './encode';
import { CSR, PRIV, SATP } from './csr';
import type { Hart } from './hart';
import { S } from './hart-state';

/**
 * Random RV32IMAC programs, and the machine layout they run in: the
 * differential tests run them under both engines (jit/jit-diff.test.ts),
 * and a pCPU worker runs them once at start to warm the interpreter up
 * (host/warm-up.ts).
 */
export const RAM_BASE = 0x8000_0000;
/** The M-mode trap handler (mtvec, direct). */
export const HANDLER = RAM_BASE;
export const CODE = RAM_BASE + 0x1000;
export const CODE_BYTES = 0x2000;
export const DATA = RAM_BASE + 0x10000;
/** Guest RAM a program needs: code, data and (paged) the page tables. */
export const PROGRAM_RAM_BYTES = 256 << 10;

/** What loadProgram needs of a machine: its hart and guest-physical writes. */
export interface ProgramMachine {
  readonly hart: Hart;
  poke32(addr: number, ...words: number[]): void;
  poke16(addr: number, half: number): void;
}

/** xorshift32: the fixed-seed generator of the differential tests. */
export function rng(seed: number) {
  let s = seed | 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  return {
    next,
    below: (n: number) => next() % n,
    chance: (p: number) => next() / 4294967296 < p,
  };
}

// Registers the random code must not overwrite: x25 the running sum of every result, x26 code
// base, x27 address temp, x28 data base, x29–x31 the trap handler's.
const FREE_RD = Array.from({ length: 24 }, (_, i) => i + 1);
const SUM = 25;
const T = 27;

/**
 * The trap handler at HANDLER (M-mode, mtvec direct): an interrupt returns
 * to the interrupted instruction; an exception skips the instruction at
 * mepc (2 or 4 bytes, from its low bits).
 */
function handler(): number[] {
  return [
    asm.csrrs(31, CSR.mcause, 0),
    asm.blt(31, 0, 28), // interrupt: straight to mret
    asm.csrrs(31, CSR.mepc, 0),
    asm.lhu(30, 31, 0),
    asm.andi(30, 30, 3),
    asm.addi(29, 0, 3),
    asm.addi(31, 31, 2),
    asm.bne(30, 29, 8),
    asm.addi(31, 31, 2),
    asm.csrrw(0, CSR.mepc, 31),
    asm.mret(),
  ];
}

type Unit =
  | { half: number }
  | { word: number }
  | { branch: (here: number, to: number) => number; to: number };

/**
 * A random program in CODE: ALU, M, loads and stores in and around DATA
 * (aligned, misaligned and faulting), stores into its own code,
 * compressed instructions, forward and backward branches, CSR reads of the
 * counters, ECALL, FENCE.I and RV32A (AMOs, LR/SC pairs, misaligned,
 * faulting, illegal, into its own code); the last instruction jumps back to
 * the start, so the code loops and gets hot. `atomicsPercent` adds that
 * share of extra RV32A units.
 */
export function randomProgram(seed: number, atomicsPercent = 0) {
  const r = rng(seed);
  const units: Unit[] = [];
  const reg = () => r.below(32);
  const rd = () => FREE_RD[r.below(FREE_RD.length)];
  const w = (word: number) => {
    units.push({ word });
    // Fold every result into x25, so a wrong value is still visible when its register is overwritten.
    const major = (word >>> 2) & 31;
    const d = (word >> 7) & 31;
    if (
      d &&
      d !== T &&
      d < SUM &&
      (major === 12 ||
        major === 4 ||
        major === 0 ||
        major === 28 ||
        major === 11 ||
        major === 13 ||
        major === 5)
    )
      units.push({ word: asm.add(SUM, SUM, d) });
  };
  const addrInto = (base: number, span: number, align: number) => {
    w(asm.andi(T, reg(), span & ~(align - 1)));
    w(asm.add(T, T, base));
  };
  const ctab = compressedTable();
  /** RV32A (unprivileged spec ch. 13), aq/rl bits at random. */
  const atomic = () => {
    const aqrl = r.below(4);
    const k = r.below(100);
    if (k < 4)
      addrInto(26, CODE_BYTES - 4, 4); // into its own code (a write that changes nothing)
    else addrInto(28, 0x1ffc, k < 10 ? 1 : 4); // sometimes misaligned (an exception)
    if (k < 4) {
      w(asm.amo(0x08, rd(), T, 0, aqrl)); // amoor.w rd, x0: rewrites the word it read
    } else if (k < 45) {
      // LR/SC on one word, so SC can succeed; sometimes the word changes in between (SC fails).
      const v = rd();
      w(asm.amo(0x02, v, T, 0, aqrl));
      w(asm.addi(v, v, r.below(7) - 3));
      if (r.chance(0.2)) w(asm.sw(reg(), T, 0));
      if (r.chance(0.1)) w(asm.amo(0x01, rd(), T, reg(), aqrl));
      w(asm.amo(0x03, rd(), T, r.chance(0.8) ? v : reg(), aqrl));
    } else if (k < 95) {
      const f5 = [0, 1, 4, 8, 0xc, 0x10, 0x14, 0x18, 0x1c, 2, 3][r.below(11)];
      w(asm.amo(f5, rd(), T, f5 === 2 ? 0 : reg(), aqrl));
    } else {
      // Illegal: LR.W with rs2 ≠ 0, an unused funct5, a .D width.
      const bad = [asm.amo(0x02, rd(), T, 1 + r.below(31)), asm.amo(0x05, rd(), T, reg())][
        r.below(2)
      ];
      w(r.chance(0.5) ? bad : bad | (3 << 12));
    }
  };
  while (units.length < 900) {
    if (atomicsPercent > 0 && r.below(100) < atomicsPercent) {
      atomic();
      continue;
    }
    const k = r.below(100);
    if (k < 30) {
      const f3 = r.below(8);
      const f7 = f3 === 0 || f3 === 5 ? (r.chance(0.5) ? 0x20 : 0) : 0;
      w((f7 << 25) | (reg() << 20) | (reg() << 15) | (f3 << 12) | (rd() << 7) | 0x33 | 0);
    } else if (k < 45) {
      const f3 = r.below(8);
      let imm = (r.next() & 0xfff) << 20;
      if (f3 === 1) imm = (r.below(32) << 20) | 0;
      if (f3 === 5) imm = ((r.chance(0.5) ? 0x400 : 0) | r.below(32)) << 20;
      w(imm | (reg() << 15) | (f3 << 12) | (rd() << 7) | 0x13 | 0);
    } else if (k < 53) {
      w((1 << 25) | (reg() << 20) | (reg() << 15) | (r.below(8) << 12) | (rd() << 7) | 0x33 | 0);
    } else if (k < 56) {
      w((r.next() & 0xfffff000) | (rd() << 7) | (r.chance(0.5) ? 0x37 : 0x17) | 0);
    } else if (k < 66) {
      // load
      const f3 = [0, 1, 2, 4, 5][r.below(5)];
      if (r.chance(0.05)) w(asm.lw(rd(), reg(), (r.next() << 20) >> 20));
      else {
        addrInto(28, 0x1ffc, r.chance(0.9) ? 4 : 1);
        w((((r.below(32) - 16) & 0xfff) << 20) | (T << 15) | (f3 << 12) | (rd() << 7) | 0x03 | 0);
      }
    } else if (k < 74) {
      // store
      const f3 = r.below(3);
      const imm = r.below(32) - 16;
      if (r.chance(0.004)) {
        addrInto(26, CODE_BYTES - 4, 2); // into our own code
        w(asm.sh(0, T, 0));
      } else if (r.chance(0.05)) w(asm.sw(reg(), reg(), imm));
      else {
        addrInto(28, 0x1ffc, r.chance(0.9) ? 4 : 1);
        w(
          (((imm >> 5) & 0x7f) << 25) |
            (reg() << 20) |
            (T << 15) |
            (f3 << 12) |
            ((imm & 31) << 7) |
            0x23 |
            0,
        );
      }
    } else if (k < 84) {
      // compressed, no control transfers
      for (;;) {
        const raw = r.next() & 0xffff;
        if ((raw & 3) === 3) continue;
        const insn = ctab[raw];
        if (insn === 0) continue;
        const major = (insn >>> 2) & 31;
        const d = (insn >> 7) & 31;
        if (major === 24 || major === 25 || major === 27) continue;
        if (major !== 8 && d >= SUM) continue;
        units.push({ half: raw });
        break;
      }
    } else if (k < 92) {
      const f3 = [0, 1, 4, 5, 6, 7][r.below(6)];
      const back = r.chance(0.02);
      const to = back
        ? Math.max(0, units.length - 1 - r.below(20))
        : units.length + 1 + r.below(30);
      const a = reg();
      const b = reg();
      units.push({ branch: (here, target) => encB(target - here, b, a, f3), to });
    } else if (k < 95) {
      w(asm.csrrs(rd(), [CSR.minstret, CSR.mcycle, CSR.mscratch][r.below(3)], 0));
    } else if (k < 96) {
      w(asm.csrrw(0, CSR.mscratch, reg()));
    } else if (k < 97) {
      w(r.chance(0.5) ? asm.ecall() : asm.fenceI());
    } else if (k < 99) {
      atomic();
    } else {
      w(0); // illegal
    }
  }
  // Lay out: byte address of each unit, then resolve branches.
  const addrs: number[] = [];
  let a = CODE;
  for (const u of units) {
    addrs.push(a);
    a += 'half' in u ? 2 : 4;
  }
  const end = a;
  const out: { addr: number; half?: number; word?: number }[] = [];
  units.forEach((u, i) => {
    if ('half' in u) out.push({ addr: addrs[i], half: u.half });
    else if ('word' in u) out.push({ addr: addrs[i], word: u.word });
    else {
      const to = u.to < units.length ? addrs[u.to] : end;
      out.push({ addr: addrs[i], word: u.branch(addrs[i], to) });
    }
  });
  out.push({ addr: end, word: asm.jal(0, CODE - end) });
  if (end + 4 > CODE + CODE_BYTES) throw new Error('random program too long');
  return { code: out, seedRegs: Array.from({ length: 32 }, () => r.next() | 0) };
}

/** Loads `program` and the handler into machine `m` and sets the registers and CSRs. */
export function loadProgram(
  m: ProgramMachine,
  program: ReturnType<typeof randomProgram>,
  paged = false,
): void {
  m.poke32(HANDLER, ...handler());
  for (const u of program.code) {
    if (u.half !== undefined) m.poke16(u.addr, u.half);
    else m.poke32(u.addr, u.word!);
  }
  const h = m.hart;
  for (let i = 1; i < 32; i++) h.x[i] = program.seedRegs[i];
  h.x[26] = CODE;
  h.x[28] = DATA;
  for (let i = 0; i < 0x2000; i += 4) m.poke32(DATA + i, (i * 2654435761) | 0);
  h.s[S.MTVEC] = HANDLER;
  h.s[S.MIE] = 1 << 3;
  h.s[S.MSTATUS] = 1 << 3; // MIE
  if (paged) pageTables(m);
}

const ROOT = RAM_BASE + 0x20000;
const L0 = RAM_BASE + 0x21000;

/**
 * Runs the program in S-mode under Sv32 (priv. spec §4.3), traps still
 * taken by the M-mode handler (no delegation, paging off there). The first
 * 64 pages of RAM are mapped at their own address through a second-level
 * table: code pages RWX with A and D set; the data pages without A and D
 * (the walker sets them), the second one read-only (store page faults),
 * and the page below the data not mapped (page faults).
 */
function pageTables(m: ProgramMachine): void {
  const V = 1;
  const R = 2;
  const W = 4;
  const X = 8;
  const A = 64;
  const D = 128;
  m.poke32(ROOT + 4 * (RAM_BASE >>> 22), ((L0 >>> 12) << 10) | V);
  const dataPage = (DATA - RAM_BASE) >>> 12;
  for (let p = 0; p < 64; p++) {
    const ppn = (RAM_BASE >>> 12) + p;
    let flags = V | R | W | X | A | D;
    if (p === dataPage) flags = V | R | W;
    if (p === dataPage + 1) flags = V | R;
    if (p === dataPage - 1) flags = 0;
    m.poke32(L0 + 4 * p, (ppn << 10) | flags);
  }
  const h = m.hart;
  h.s[S.SATP] = SATP.MODE_SV32 | (ROOT >>> 12);
  h.s[S.PRIV] = PRIV.S;
  h.updateModes();
}
