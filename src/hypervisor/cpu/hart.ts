import type { Bus } from '../devices/mmio-bus';
import type { Clock } from '../devices/interrupts';
import type { HostMemory } from '../memory/host-memory';
import type { P2m } from '../memory/p2m';
import { compressedTable } from './compressed';
import { EXC, IRQ_PRIORITY, MSTATUS, PRIV, SATP } from './csr';
import { csrRead, csrWrite } from './csr-file';
import { runHart } from './interpreter';
import { HartState, S, resetHartState } from './hart-state';
import { ACCESS, type Access, walkSv32 } from './sv32';

/** Why `run` returned. */
export const EXIT = {
  /** The instruction budget ran out. */
  BUDGET: 0,
  /** WFI with no interrupt pending: the hart can sleep until one is. */
  WFI: 1,
  /** Something asked the hart to stop (power-off, reset, pause, HSM stop). */
  REQUEST: 2,
} as const;
export type Exit = (typeof EXIT)[keyof typeof EXIT];

/** An execution engine behind `Hart.run`: the same contract as the interpreter's `runHart`. */
export interface HartEngine {
  readonly name: string;
  run(hart: Hart, budget: number): Exit;
  /**
   * Puts registers the engine holds elsewhere back in the shared HartState
   * now (before another thread may write them: an SBI HSM stop).
   */
  commitRegs?(hart: Hart): void;
}

/** What the hart asks of its surroundings (the VM / the hypervisor). */
export interface HartEnv {
  clock: Clock;
  /**
   * When present, the hypervisor provides SBI (as KVM does on RISC-V): an
   * ECALL from S-mode is handled here instead of trapping to M-mode.
   * Returns true if the hart must stop running (power-off, HSM stop, …).
   */
  sbiCall?(hart: Hart): boolean;
  /** Called at every interrupt check point (about every CHUNK instructions) with mtime. */
  poll?(hart: Hart, now: number): void;
}

const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;

/** Entries of the JIT's jump cache (jit/dispatch-table.ts); a power of two. */
export const JUMP_ENTRIES = 4096;
export const JUMP_HASH = 0x9e3779b1 | 0;
export const JUMP_SHIFT = 32 - Math.log2(JUMP_ENTRIES);

/** Slots of the JIT's hint and heat tables (HartJumpCache), a power of two: many, so few pcs share one. */
export const HINT_ENTRIES = 65536;
const HINT_SHIFT = 32 - Math.log2(HINT_ENTRIES);

/** The hint and heat slot of pc (the jump cache's hash, more bits of it). */
export function hintIndex(pc: number): number {
  return Math.imul(pc >>> 1, JUMP_HASH) >>> HINT_SHIFT;
}

/**
 * What a hart knows of the JIT's jump cache (jit/dispatch-table.ts
 * JumpCache): it empties it with the TLB, and the interpreter, run inline
 * by the JIT, reads two tables at every control transfer, both indexed by
 * `hintIndex(pc)`:
 * - `hints`: pcs known to start a translated block. Unlike the jump cache
 *   they survive TLB flushes (they are virtual pcs only, checked again by
 *   the dispatcher through the TLB before any use), so the interpreter
 *   finds translated code again after a flush.
 * - `heat`: entries counted per slot; the transfer that brings a slot to
 *   `hot` stops the run, so the dispatcher can have the block translated.
 * Either stops the run at that pc (a block entry); otherwise the
 * interpreter runs its whole chunk, as it does without the JIT.
 */
export interface HartJumpCache {
  readonly hints: Int32Array;
  readonly heat: Uint16Array;
  readonly hot: number;
  /** Empties every entry (a TLB flush). */
  clear(): void;
  /** Empties the entries for pcs in virtual page `vpn` (sfence.vma of one page). */
  clearPage(vpn: number): void;
}

/** The jump cache entry for pc: a multiplicative (Fibonacci) hash of pc / 2, so aligned code and equal offsets of many pages spread. */
export function jumpIndex(pc: number): number {
  return Math.imul(pc >>> 1, JUMP_HASH) >>> JUMP_SHIFT;
}

/** `exc` value of an access to be retried later (see retryLater); never a trap. */
export const RETRY = -1;

/** Translation result codes below zero (host offsets are >= 0). */
const FAULT = -1;
const MMIO = -2;

/**
 * One RV32IMAC hart with M/S/U, Sv32 and a software TLB (priv. spec 1.12).
 *
 * The interpreter keeps pc in a local and everything else in the shared
 * HartState. Guest faults are values: memory helpers set `exc` (cause + 1)
 * and `excVal` (the tval) and the loop takes the trap in one place.
 *
 * TLB: direct-mapped, one array pair per access type. The tag is
 * (vpn << 5 | mode), mode = effective privilege | SUM << 2 | MXR << 3 |
 * paging-on << 4, so privilege and SUM changes need no flush. The entry
 * holds an addend: host byte offset = (va + add) | 0. Entries exist only for
 * RAM (never MMIO); write entries only for pages already marked dirty.
 */
export class Hart {
  /**
   * x0–x31. Normally `regsHome` (the shared HartState); while the JIT runs
   * the hart it points at the JIT's register frame in host RAM, where the
   * generated code reaches it, and is copied home when the run ends
   * (cpu/jit/jit-engine.ts).
   */
  x: Int32Array;
  readonly regsHome: Int32Array;
  readonly s: Int32Array;
  readonly f: Float64Array;
  readonly ram8: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;

  /** Pending exception: cause + 1, 0 when none. */
  exc = 0;
  excVal = 0;
  /** Set (by any code on this thread) to make `run` return EXIT.REQUEST soon. */
  stopRequested = false;
  /** LR reservation: host byte offset (-1 = none) and the value LR read. */
  resOffset = -1;
  resValue = 0;
  /** Physical address of the last MMIO access (translate returned MMIO). */
  mmioAddr = 0;

  /** Data-access and fetch translation modes (see class comment). */
  dmode = 0;
  imode = 0;
  /** Read and write TLBs; the JIT replaces them with arrays in host RAM its code can reach. */
  rTag: Int32Array<ArrayBufferLike> = new Int32Array(TLB_SIZE).fill(-1);
  rAdd: Int32Array<ArrayBufferLike> = new Int32Array(TLB_SIZE);
  wTag: Int32Array<ArrayBufferLike> = new Int32Array(TLB_SIZE).fill(-1);
  wAdd: Int32Array<ArrayBufferLike> = new Int32Array(TLB_SIZE);
  readonly xTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly xAdd = new Int32Array(TLB_SIZE);
  /**
   * The JIT's jump cache, when a JIT runs this hart: an entry says "pc runs
   * translated code from the page the fetch TLB maps it to", so it is
   * dropped with the TLB; and the tables the interpreter stops by.
   */
  jumpCache: HartJumpCache | null = null;

  /** RVC expansion table (compressed.ts). */
  readonly ctab = compressedTable();
  /** Set by WFI; the loop then sleeps unless an interrupt is pending. */
  wfi = false;
  /** Set by a SYSTEM instruction after which the loop must recheck interrupts or stop. */
  leave = false;
  /** Instructions executed (retired or trapped) by the last `runHart` call. */
  executed = 0;
  /** The engine `run` uses: the interpreter unless one (the JIT) was attached. */
  engine: HartEngine | undefined;

  constructor(
    readonly state: HartState,
    readonly mem: HostMemory,
    readonly p2m: P2m,
    readonly bus: Bus,
    readonly env: HartEnv,
  ) {
    this.regsHome = new Int32Array(state.sab, state.byteOffset, 32);
    this.x = this.regsHome;
    this.s = state.i32;
    this.f = state.f64;
    this.ram8 = mem.ram8;
    this.ram16 = mem.ram16;
    this.ram32 = mem.ram32;
    this.updateModes();
  }

  get hartId(): number {
    return this.s[S.HARTID];
  }
  /** pc as an unsigned address. */
  get pc(): number {
    return this.s[S.PC] >>> 0;
  }
  set pc(v: number) {
    this.s[S.PC] = v;
  }
  get priv(): number {
    return this.s[S.PRIV];
  }

  /** Resets to the state the spec gives at reset (§3.4), entering at `pc` in `priv`. */
  reset(hartId: number, pc: number, priv: number): void {
    resetHartState(this.state, hartId, pc, priv);
    this.exc = 0;
    this.resOffset = -1;
    this.stopRequested = false;
    this.flushTlb();
    this.updateModes();
  }

  // ---------------------------------------------------------------- TLB

  /**
   * 4 MiB regions (va >>> 22) where a TLB entry was filled from a superpage
   * since the last whole flush: the TLB holds 4 KiB entries, so a superpage
   * leaf is in up to 1024 of them.
   */
  readonly superpageRegions = new Uint8Array(1024);

  flushTlb(): void {
    this.rTag.fill(-1);
    this.wTag.fill(-1);
    this.xTag.fill(-1);
    this.superpageRegions.fill(0);
    this.jumpCache?.clear();
  }

  /**
   * SFENCE.VMA with rs1 = va (priv. spec §4.2.1): invalidates the entries
   * holding leaf PTEs for va. The TLB is direct-mapped by virtual page, so
   * that is one entry per array, unless a superpage was cached in va's
   * 4 MiB region: its leaf is in entries for other pages too, and then the
   * whole TLB goes. Linux flushes page by page all the time (fixmap
   * updates: ~30 000 while it boots), so this keeps the rest of the TLB
   * and of the JIT's jump cache.
   */
  flushTlbPage(va: number): void {
    if (this.superpageRegions[va >>> 22] !== 0) {
      this.flushTlb();
      return;
    }
    const i = (va >>> 12) & TLB_MASK;
    this.rTag[i] = -1;
    this.wTag[i] = -1;
    this.xTag[i] = -1;
    this.jumpCache?.clearPage(va >>> 12);
  }

  /** Recomputes dmode/imode after a change of privilege, mstatus or satp. */
  updateModes(): void {
    const s = this.s;
    const priv = s[S.PRIV];
    const mstatus = s[S.MSTATUS];
    const paging = (s[S.SATP] & SATP.MODE_SV32) !== 0;
    const sumMxr =
      ((mstatus & MSTATUS.SUM) !== 0 ? 4 : 0) | ((mstatus & MSTATUS.MXR) !== 0 ? 8 : 0);
    this.imode = priv | (paging && priv !== PRIV.M ? 16 : 0);
    const dpriv =
      priv === PRIV.M && (mstatus & MSTATUS.MPRV) !== 0 ? (mstatus & MSTATUS.MPP) >>> 11 : priv;
    this.dmode = dpriv | sumMxr | (paging && dpriv !== PRIV.M ? 16 : 0);
  }

  /**
   * Translates `va` for `access` in `mode`; returns a host byte offset,
   * FAULT (exc set) or MMIO (mmioAddr set). Fills the TLB on success.
   */
  translate(va: number, access: Access, mode: number): number {
    let pa: number;
    if (mode & 16) {
      pa = walkSv32(this, va, access, mode);
      if (pa < 0) return FAULT;
      if (pa >= 4294967296) {
        this.fault(
          access === ACCESS.READ
            ? EXC.LOAD_ACCESS
            : access === ACCESS.WRITE
              ? EXC.STORE_ACCESS
              : EXC.INSN_ACCESS,
          va,
        );
        return FAULT;
      }
    } else {
      pa = va >>> 0;
    }
    const off = access === ACCESS.WRITE ? this.p2m.hostOffsetWrite(pa) : this.p2m.hostOffset(pa);
    if (off < 0) {
      if (this.p2m.isRam(pa)) return this.retryLater();
      this.mmioAddr = pa;
      return MMIO;
    }
    const i = (va >>> 12) & TLB_MASK;
    const tag = ((va >>> 12) << 5) | mode;
    const add = ((off & ~0xfff) - (va & ~0xfff)) | 0;
    if (access === ACCESS.READ) {
      this.rTag[i] = tag;
      this.rAdd[i] = add;
    } else if (access === ACCESS.WRITE) {
      this.wTag[i] = tag;
      this.wAdd[i] = add;
      // A writable page is readable too unless MXR semantics differ; reads re-walk.
    } else {
      this.xTag[i] = tag;
      this.xAdd[i] = add;
    }
    return off;
  }

  /**
   * Guest RAM the host cannot back now (its frame pool is empty): the
   * access must neither complete nor fault. The instruction is abandoned
   * and re-executed when the vCPU runs again (after the host found memory
   * and the VM was resumed), like a KVM vCPU exiting on a failed EPT fill.
   */
  retryLater(): number {
    this.exc = RETRY;
    this.stopRequested = true;
    return FAULT;
  }

  /** Records exception `cause` with `tval`; the run loop takes it. */
  fault(cause: number, tval: number): void {
    this.exc = cause + 1;
    this.excVal = tval;
  }

  // ------------------------------------------------------- memory, slow paths

  /** Load of `size` bytes at `va`, any alignment; sets exc on a fault. */
  loadSlow(va: number, size: 1 | 2 | 4): number {
    if ((va & (size - 1)) !== 0) {
      // Misaligned loads are done in "hardware", byte by byte (priv. spec §3.6.3 allows it).
      let v = 0;
      for (let k = 0; k < size; k++) {
        const b = this.loadSlow((va + k) | 0, 1);
        if (this.exc) return 0; // excVal is the faulting byte's address (§3.1.16)
        v |= b << (8 * k);
      }
      return v;
    }
    const off = this.translate(va, ACCESS.READ, this.dmode);
    if (off >= 0) {
      return size === 4 ? this.ram32[off >> 2] : size === 2 ? this.ram16[off >> 1] : this.ram8[off];
    }
    if (off === FAULT) return 0;
    const v = this.bus.read(this.mmioAddr, size);
    if (v === undefined) {
      this.fault(EXC.LOAD_ACCESS, va);
      return 0;
    }
    return v;
  }

  storeSlow(va: number, value: number, size: 1 | 2 | 4): void {
    if ((va & (size - 1)) !== 0) {
      // Check every byte translates before writing any: no partial stores.
      for (let k = 0; k < size; k++) {
        const o = this.translate((va + k) | 0, ACCESS.WRITE, this.dmode);
        if (o === FAULT) return; // excVal is the faulting byte's address (§3.1.16)
        if (o === MMIO && !this.bus.claims(this.mmioAddr)) {
          this.fault(EXC.STORE_ACCESS, (va + k) | 0);
          return;
        }
      }
      for (let k = 0; k < size; k++) this.storeSlow((va + k) | 0, (value >>> (8 * k)) & 0xff, 1);
      return;
    }
    const off = this.translate(va, ACCESS.WRITE, this.dmode);
    if (off >= 0) {
      if (size === 4) this.ram32[off >> 2] = value;
      else if (size === 2) this.ram16[off >> 1] = value;
      else this.ram8[off] = value;
      return;
    }
    if (off === FAULT) return;
    if (
      !this.bus.write(this.mmioAddr, size === 4 ? value : value & ((1 << (8 * size)) - 1), size)
    ) {
      this.fault(EXC.STORE_ACCESS, va);
    }
  }

  /** Host offset of a naturally aligned word for LR/SC/AMO; FAULT with exc set otherwise. */
  amoOffset(va: number, write: boolean): number {
    if ((va & 3) !== 0) {
      this.fault(write ? EXC.STORE_MISALIGNED : EXC.LOAD_MISALIGNED, va);
      return FAULT;
    }
    const off = this.translate(va, write ? ACCESS.WRITE : ACCESS.READ, this.dmode);
    if (off === MMIO) {
      // Atomics are only supported on RAM (PMA: MMIO regions are AMONone).
      this.fault(write ? EXC.STORE_ACCESS : EXC.LOAD_ACCESS, va);
      return FAULT;
    }
    return off;
  }

  /**
   * The upper half (0–0xffff) of the 32-bit instruction at `pc`, whose
   * lower half ends its page (pc & 0xfff is 0xffe): fetched from the next
   * page, which may fault (exc set, tval pc + 2). Only the half: a small
   * integer to V8 whatever the encoding, so the interpreter's decoder never
   * sees a boxed number from here (in Chromium, whose small integers are 31
   * bits, a whole instruction often was one, and V8 threw away the
   * optimised interpreter for it: "not a Smi").
   */
  fetchSlow(pc: number): number {
    return this.#fetch16((pc + 2) | 0);
  }

  #fetch16(va: number): number {
    const off = this.translate(va, ACCESS.EXEC, this.imode);
    if (off >= 0) return this.ram16[off >> 1];
    if (off === MMIO) this.fault(EXC.INSN_ACCESS, va);
    return 0;
  }

  // ---------------------------------------------------------------- traps

  /** Takes exception `cause` (or interrupt when `interrupt`) at `pc`; returns the new pc (priv. spec §3.1.6.1, §4.1.1). */
  takeTrap(pc: number, cause: number, tval: number, interrupt: boolean): number {
    const s = this.s;
    const priv = s[S.PRIV];
    const deleg = interrupt ? s[S.MIDELEG] : s[S.MEDELEG];
    const mcause = interrupt ? cause | 0x80000000 | 0 : cause;
    this.resOffset = -1;
    let mstatus = s[S.MSTATUS];
    let target: number;
    if (priv <= PRIV.S && ((deleg >>> cause) & 1) !== 0) {
      s[S.SCAUSE] = mcause;
      s[S.SEPC] = pc;
      s[S.STVAL] = tval;
      mstatus =
        (mstatus & ~(MSTATUS.SPP | MSTATUS.SPIE)) | (priv << 8) | ((mstatus & MSTATUS.SIE) << 4);
      mstatus &= ~MSTATUS.SIE;
      s[S.PRIV] = PRIV.S;
      const tvec = s[S.STVEC];
      target = (tvec & 3) === 1 && interrupt ? (tvec & ~3) + 4 * cause : tvec & ~3;
    } else {
      s[S.MCAUSE] = mcause;
      s[S.MEPC] = pc;
      s[S.MTVAL] = tval;
      mstatus =
        (mstatus & ~(MSTATUS.MPP | MSTATUS.MPIE)) |
        (priv << MSTATUS.MPP_SHIFT) |
        ((mstatus & MSTATUS.MIE) << 4);
      mstatus &= ~MSTATUS.MIE;
      s[S.PRIV] = PRIV.M;
      const tvec = s[S.MTVEC];
      target = (tvec & 3) === 1 && interrupt ? (tvec & ~3) + 4 * cause : tvec & ~3;
    }
    s[S.MSTATUS] = mstatus;
    this.updateModes();
    return target | 0;
  }

  /** The interrupt to take now, or -1 (priv. spec §3.1.9). */
  pendingInterrupt(): number {
    const s = this.s;
    const pending = Atomics.load(s, S.MIP) & s[S.MIE];
    if (pending === 0) return -1;
    const priv = s[S.PRIV];
    const mstatus = s[S.MSTATUS];
    const mideleg = s[S.MIDELEG];
    const mEnabled = priv < PRIV.M || (mstatus & MSTATUS.MIE) !== 0;
    const sEnabled = priv < PRIV.S || (priv === PRIV.S && (mstatus & MSTATUS.SIE) !== 0);
    // Interrupts for M-mode are taken before those delegated to S, then in fixed order.
    const forM = mEnabled ? pending & ~mideleg : 0;
    const enabled = forM !== 0 ? forM : sEnabled ? pending & mideleg : 0;
    if (enabled === 0) return -1;
    for (const irq of IRQ_PRIORITY) if ((enabled >>> irq) & 1) return irq;
    return -1;
  }

  /** True when WFI should end: some interrupt is pending and locally enabled (§3.3.3). */
  wfiWake(): boolean {
    return (Atomics.load(this.s, S.MIP) & this.s[S.MIE]) !== 0;
  }

  setPending(bit: number, level: boolean): void {
    if (level) Atomics.or(this.s, S.MIP, 1 << bit);
    else Atomics.and(this.s, S.MIP, ~(1 << bit));
  }

  /** Reads CSR `csr`; undefined when the access is illegal (see csr-file.ts). */
  csrRead(csr: number): number | undefined {
    return csrRead(this, csr);
  }

  /** Writes CSR `csr`; false when the access is illegal (see csr-file.ts). */
  csrWrite(csr: number, value: number): boolean {
    return csrWrite(this, csr, value);
  }

  /**
   * Runs up to `budget` instructions. Returns why it stopped; the state
   * (pc included) is in the shared HartState afterwards.
   */
  run(budget: number): Exit {
    return this.engine ? this.engine.run(this, budget) : runHart(this, budget);
  }
}
