import { asm } from './asm';
import { CSR, PRIV, SATP } from './csr';
import { S } from './hart-state';
import { type ProgramMachine, RAM_BASE } from './random-program';
import { PTE } from './sv32';

/**
 * A program that does what a kernel does, for the interpreter's warm-up
 * (host/warm-up.ts): the paths random programs (random-program.ts) never
 * take. M-mode delegates traps and interrupts to S (medeleg/mideleg) and
 * enters S-mode under Sv32 through a 4 MiB superpage; the S-mode loop
 * writes and reads supervisor CSRs and counters, calls a function (JAL,
 * and JALR through a pointer), returns (JALR), makes SBI calls (ECALL from
 * S, which the hypervisor serves), fences single pages and the whole TLB,
 * takes a supervisor software interrupt, runs WFI with one pending and
 * with none, uses AMOs and LR/SC on a user page (SUM), reads and writes a
 * device register (KERNEL_LIKE_MMIO), and SRETs to U-mode. The U-mode code
 * (4 KiB pages with U set) loads and stores (the walker sets A and D),
 * reads counters, runs a 32-bit instruction that straddles two pages,
 * faults on an unmapped page and on a write to its code (the S handler
 * skips both), calls into the unmapped page (an instruction page fault:
 * the handler returns to ra), and goes back to S-mode with ECALL. Then the
 * loop starts over, for ever.
 */

/** Where things sit in guest-physical memory (identity-mapped by the superpage). */
const M_ENTRY = RAM_BASE + 0x4000;
const S_HANDLER = RAM_BASE + 0x5000;
const U_CODE = RAM_BASE + 0x8000; // two pages
const U_DATA = RAM_BASE + 0xa000;
const ROOT = RAM_BASE + 0x20000;
const L0 = RAM_BASE + 0x21000;
/** The user region's virtual pages: code, code, data, then one not mapped. */
const U_VA = 0x0040_0000;
/**
 * A device page, mapped for S-mode at IO_VA (a kernel's ioremap): the
 * caller registers a device there (KERNEL_LIKE_MMIO) or the accesses fault.
 */
export const KERNEL_LIKE_MMIO = 0x1000_0000;
const IO_VA = U_VA + 0x4000;
/** U-mode enters a little before its first page's end, to cross into the second. */
const U_ENTRY = U_VA + 0xfc0;

/** SBI extension ids (SBI v2.0 §4, §6): Base, Timer. */
const SBI_BASE = 0x10;
const SBI_TIME = 0x54494d45;

const [RA, T0, T1, T2, A0, A1, A6, A7, T3, T4, T5] = [1, 5, 6, 7, 10, 11, 16, 17, 28, 29, 30];

/** Straight-line code with labels, resolved when written. */
class Code {
  readonly items: {
    at: number;
    word?: number;
    half?: number;
    label?: string;
    fix?: (to: number, at: number) => number;
  }[] = [];
  readonly labels = new Map<string, number>();
  constructor(public at: number) {}
  w(...words: number[]): this {
    for (const word of words) {
      this.items.push({ at: this.at, word });
      this.at += 4;
    }
    return this;
  }
  c(half: number): this {
    this.items.push({ at: this.at, half });
    this.at += 2;
    return this;
  }
  label(name: string): this {
    this.labels.set(name, this.at);
    return this;
  }
  /** An instruction whose encoding needs the offset to `label`. */
  to(label: string, fix: (off: number) => number): this {
    this.items.push({ at: this.at, label, fix: (to, at) => fix(to - at) });
    this.at += 4;
    return this;
  }
  li(rd: number, value: number): this {
    return this.w(...asm.li(rd, value));
  }
  /** rd = the address of `label` (LUI, ADDI). */
  la(rd: number, label: string): this {
    this.items.push({ at: this.at, label, fix: (to) => asm.li(rd, to)[0] });
    this.items.push({ at: this.at + 4, label, fix: (to) => asm.li(rd, to)[1] });
    this.at += 8;
    return this;
  }
  write(m: ProgramMachine, labels: Map<string, number>): void {
    for (const it of this.items) {
      if (it.half !== undefined) m.poke16(it.at, it.half);
      else {
        const word = it.fix ? it.fix(labels.get(it.label!)!, it.at) : it.word!;
        // In halves: after a compressed instruction a word is only 2-aligned.
        m.poke16(it.at, word & 0xffff);
        m.poke16(it.at + 2, word >>> 16);
      }
    }
  }
}

/** Loads the program into `m`'s RAM (PROGRAM_RAM_BYTES of it) and points the hart, in M-mode, at it. */
export function loadKernelLikeProgram(m: ProgramMachine): void {
  // ---- M-mode: delegate, map, drop to S.
  const mcode = new Code(M_ENTRY)
    .li(T0, 0xb1ff) // misaligned, access, illegal, breakpoint, ECALL from U, page faults
    .w(asm.csrrw(0, CSR.medeleg, T0))
    .li(T0, 0x222) // SSI, STI, SEI
    .w(asm.csrrw(0, CSR.mideleg, T0))
    .li(T0, S_HANDLER)
    .w(asm.csrrw(0, CSR.stvec, T0))
    .w(asm.csrrwi(0, CSR.mcounteren, 7), asm.csrrwi(0, CSR.scounteren, 7))
    .li(T0, SATP.MODE_SV32 | (ROOT >>> 12))
    .w(asm.csrrw(0, CSR.satp, T0))
    .li(T0, PRIV.S << 11) // MPP = S
    .w(asm.csrrs(0, CSR.mstatus, T0))
    .la(T0, 's_loop')
    .w(asm.csrrw(0, CSR.mepc, T0), asm.mret());

  // ---- S-mode: the loop.
  const s = new Code(M_ENTRY + 0x400).label('s_loop');
  s.w(asm.csrrs(T0, CSR.sstatus, 0))
    .li(T1, 1 << 18) // SUM
    .w(asm.csrrs(0, CSR.sstatus, T1))
    .w(asm.csrrw(T2, CSR.sscratch, T0), asm.csrrs(T2, CSR.sie, 0))
    .w(asm.csrrsi(0, CSR.sie, 2), asm.csrrs(T3, CSR.sip, 0))
    .w(asm.csrrs(T3, CSR.time, 0), asm.csrrs(T3, CSR.cycle, 0), asm.csrrs(T3, CSR.instret, 0))
    .w(asm.csrrs(T3, CSR.stval, 0), asm.csrrs(T3, CSR.satp, 0))
    .to('func', (off) => asm.jal(RA, off))
    // … and through a pointer, as a kernel calls its ops tables (JALR with a link register).
    .la(T1, 'func')
    .w(asm.jalr(RA, T1, 0))
    // SBI: Base get_spec_version, then Timer set_timer far away.
    .li(A7, SBI_BASE)
    .w(asm.addi(A6, 0, 0), asm.ecall())
    .li(A7, SBI_TIME)
    .w(asm.addi(A6, 0, 0), asm.addi(A0, 0, -1), asm.addi(A1, 0, -1), asm.ecall())
    // TLB fences: all, then one page.
    .w(asm.sfenceVma(0, 0))
    .li(A0, U_VA + 0x2000)
    .w(asm.sfenceVma(A0, 0))
    // A user page from S (SUM): loads, stores, AMOs, LR/SC.
    .w(asm.lw(T4, A0, 0), asm.sw(T4, A0, 4), asm.sb(T4, A0, 9), asm.lhu(T4, A0, 8))
    .w(asm.amo(0, T5, A0, T4), asm.amo(1, T5, A0, T4), asm.amo(0x10, T5, A0, T4))
    .w(asm.amo(2, T5, A0, 0), asm.amo(3, T5, A0, T4))
    // A device register: read, then written (the bus's device may end the run there, as a
    // vCPU's slice ends during a long MMIO exit).
    .li(T0, IO_VA)
    .w(asm.lw(T4, T0, 0), asm.sw(T4, T0, 4))
    // A supervisor software interrupt, taken (SIE set) …
    .w(asm.csrrsi(0, CSR.sstatus, 2), asm.csrrsi(0, CSR.sip, 2), asm.nop())
    // … and one pending with SIE clear: WFI returns at once; clear it. Then WFI with nothing
    // pending: the hart sleeps (its run ends with EXIT.WFI), as an idle kernel's does.
    .w(
      asm.csrrci(0, CSR.sstatus, 2),
      asm.csrrsi(0, CSR.sip, 2),
      asm.wfi(),
      asm.csrrci(0, CSR.sip, 2),
      asm.wfi(),
    )
    // To U-mode: SPP = 0, SPIE = 1, sepc = U_ENTRY.
    .li(T1, 1 << 8)
    .w(asm.csrrc(0, CSR.sstatus, T1), asm.csrrsi(0, CSR.sstatus, 0))
    .li(T1, 1 << 5)
    .w(asm.csrrs(0, CSR.sstatus, T1))
    .li(T1, U_ENTRY)
    .w(asm.csrrw(0, CSR.sepc, T1), asm.sret())
    .label('func')
    .w(asm.addi(A0, A0, 1), asm.slli(A0, A0, 3), asm.jalr(0, RA, 0));

  // ---- The S-mode trap handler: interrupts clear SSIP; ECALL from U goes back to the loop; the rest skip the instruction.
  const h = new Code(S_HANDLER)
    .w(asm.csrrs(T0, CSR.scause, 0))
    .to('irq', (off) => asm.blt(T0, 0, off))
    .w(asm.addi(T1, 0, 8))
    .to('from_u', (off) => asm.beq(T0, T1, off))
    .w(asm.addi(T1, 0, 12))
    .to('fetch_fault', (off) => asm.beq(T0, T1, off))
    .w(asm.csrrs(T1, CSR.sepc, 0), asm.lhu(T2, T1, 0), asm.andi(T2, T2, 3), asm.addi(T3, 0, 3))
    .w(asm.addi(T1, T1, 2), asm.bne(T2, T3, 8), asm.addi(T1, T1, 2))
    .w(asm.csrrw(0, CSR.sepc, T1), asm.sret())
    .label('irq')
    .w(asm.csrrci(0, CSR.sip, 2), asm.sret())
    .label('fetch_fault') // a call into a page not mapped: back to its return address
    .w(asm.csrrw(0, CSR.sepc, RA), asm.sret())
    .label('from_u')
    .li(T1, 1 << 8)
    .w(asm.csrrs(0, CSR.sstatus, T1))
    .la(T1, 's_loop')
    .w(asm.csrrw(0, CSR.sepc, T1), asm.sret());

  // ---- U-mode: from U_ENTRY (virtual) across into the second code page.
  const uPhys = U_CODE + (U_ENTRY - U_VA);
  const u = new Code(uPhys)
    .li(T0, U_VA + 0x2000)
    .w(asm.lw(T1, T0, 0), asm.sw(T1, T0, 12), asm.lb(T2, T0, 13), asm.sh(T2, T0, 14))
    .w(asm.csrrs(T3, CSR.cycle, 0), asm.csrrs(T3, CSR.time, 0))
    .w(asm.jal(RA, 8), asm.jal(0, 8), asm.jalr(0, RA, 0)); // call the ret just below, then skip it
  while (u.at < U_CODE + 0xffc) u.w(asm.addi(T4, T4, 1));
  u.c(0x0001) // c.nop: the next instruction starts at 0xffe …
    // … and ends in the next page. Its encoding (0x80000eb7) is outside V8's 31-bit small
    // integers, as most of a kernel's are, so the interpreter's feedback at that fetch is too.
    .w(asm.lui(T4, 0x8000_0000))
    .li(T0, U_VA + 0x3000)
    .w(asm.lw(T1, T0, 0)) // not mapped: load page fault, skipped
    .li(T0, U_VA)
    .w(asm.sw(T1, T0, 0)) // read-only code: store page fault, skipped
    .li(T0, U_VA + 0x3000)
    .w(asm.jalr(RA, T0, 0)) // a call into the page not mapped: instruction page fault
    .w(asm.ecall()); // back to S

  const labels = new Map([...mcode.labels, ...s.labels, ...h.labels]);
  for (const code of [mcode, s, h, u]) code.write(m, labels);

  // ---- Page tables (priv. spec §4.3.1): a superpage over RAM (no U), and the user pages.
  const { V, R, W, X, U, A, D } = PTE;
  m.poke32(ROOT + 4 * (RAM_BASE >>> 22), ((RAM_BASE >>> 12) << 10) | V | R | W | X | A | D);
  m.poke32(ROOT + 4 * (U_VA >>> 22), ((L0 >>> 12) << 10) | V);
  for (let i = 0; i < 1024; i++) if (i !== 0) m.poke32(L0 + 4 * i, 0);
  m.poke32(L0 + 4 * 0, ((U_CODE >>> 12) << 10) | V | R | X | U | A);
  m.poke32(L0 + 4 * 1, (((U_CODE >>> 12) + 1) << 10) | V | R | X | U | A);
  m.poke32(L0 + 4 * 2, ((U_DATA >>> 12) << 10) | V | R | W | U); // A and D set by the walker
  m.poke32(L0 + 4 * 3, 0);
  m.poke32(L0 + 4 * 4, ((KERNEL_LIKE_MMIO >>> 12) << 10) | V | R | W | A | D);

  const hart = m.hart;
  hart.reset(0, M_ENTRY, PRIV.M);
  hart.s[S.MSTATUS] = 0;
}
