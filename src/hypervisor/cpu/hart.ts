import type { MmioBus } from '../devices/mmio-bus';
import type { Clock } from '../devices/interrupts';
import type { HostMemory } from '../memory/host-memory';
import type { P2m } from '../memory/p2m';
import { compressedTable } from './compressed';
import {
  CSR,
  EXC,
  IRQ_PRIORITY,
  MIDELEG_WRITABLE,
  MEDELEG_WRITABLE,
  MIE_WRITABLE,
  MIP_WRITABLE,
  MISA,
  MSTATUS,
  MSTATUS_WRITABLE,
  PRIV,
  SATP,
  SSTATUS_MASK,
  SSTATUS_WRITABLE,
  S_INTERRUPTS,
} from './csr';
import { F, HartState, S } from './hart-state';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './muldiv';
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
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
/** Instructions between interrupt / timer checks. */
const CHUNK = 4096;

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
  readonly x: Int32Array;
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
  readonly rTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly rAdd = new Int32Array(TLB_SIZE);
  readonly wTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly wAdd = new Int32Array(TLB_SIZE);
  readonly xTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly xAdd = new Int32Array(TLB_SIZE);

  readonly #ctab = compressedTable();

  constructor(
    readonly state: HartState,
    readonly mem: HostMemory,
    readonly p2m: P2m,
    readonly bus: MmioBus,
    readonly env: HartEnv,
  ) {
    this.x = new Int32Array(state.sab, state.byteOffset, 32);
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
    this.s.fill(0, 0, S.WORDS);
    this.s[S.HARTID] = hartId;
    this.s[S.PC] = pc;
    this.s[S.PRIV] = priv;
    this.f[F.INSTRET] = 0;
    this.f[F.CYCLE] = 0;
    this.f[F.SBI_TIMECMP] = Infinity;
    this.exc = 0;
    this.resOffset = -1;
    this.stopRequested = false;
    this.flushTlb();
    this.updateModes();
  }

  // ---------------------------------------------------------------- TLB

  flushTlb(): void {
    this.rTag.fill(-1);
    this.wTag.fill(-1);
    this.xTag.fill(-1);
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
        this.#fault(
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
    const off = this.p2m.hostOffset(pa);
    if (off < 0) {
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

  #fault(cause: number, tval: number): void {
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
        if (this.exc) {
          this.excVal = va;
          return 0;
        }
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
      this.#fault(EXC.LOAD_ACCESS, va);
      return 0;
    }
    return v;
  }

  storeSlow(va: number, value: number, size: 1 | 2 | 4): void {
    if ((va & (size - 1)) !== 0) {
      // Check every byte translates before writing any: no partial stores.
      for (let k = 0; k < size; k++) {
        const o = this.translate((va + k) | 0, ACCESS.WRITE, this.dmode);
        if (o === FAULT || (o === MMIO && !this.bus.claims(this.mmioAddr))) {
          if (o === MMIO) this.#fault(EXC.STORE_ACCESS, va);
          this.excVal = va;
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
      this.#fault(EXC.STORE_ACCESS, va);
    }
  }

  /** Host offset of a naturally aligned word for LR/SC/AMO; FAULT with exc set otherwise. */
  amoOffset(va: number, write: boolean): number {
    if ((va & 3) !== 0) {
      this.#fault(write ? EXC.STORE_MISALIGNED : EXC.LOAD_MISALIGNED, va);
      return FAULT;
    }
    const off = this.translate(va, write ? ACCESS.WRITE : ACCESS.READ, this.dmode);
    if (off === MMIO) {
      // Atomics are only supported on RAM (PMA: MMIO regions are AMONone).
      this.#fault(write ? EXC.STORE_ACCESS : EXC.LOAD_ACCESS, va);
      return FAULT;
    }
    return off;
  }

  /** Fetches the instruction at `pc` when it may cross a page; sets exc on a fault. */
  fetchSlow(pc: number): number {
    const lo = this.#fetch16(pc);
    if (this.exc || (lo & 3) !== 3) return lo;
    const hi = this.#fetch16((pc + 2) | 0);
    return lo | (hi << 16);
  }

  #fetch16(va: number): number {
    const off = this.translate(va, ACCESS.EXEC, this.imode);
    if (off >= 0) return this.ram16[off >> 1];
    if (off === MMIO) this.#fault(EXC.INSN_ACCESS, va);
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
    const enabled = (mEnabled ? pending & ~mideleg : 0) | (sEnabled ? pending & mideleg : 0);
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

  // ---------------------------------------------------------------- CSRs

  /** Reads CSR `csr`; returns undefined when the access is illegal. */
  csrRead(csr: number): number | undefined {
    const s = this.s;
    const priv = s[S.PRIV];
    if (((csr >>> 8) & 3) > priv) return undefined;
    switch (csr) {
      case CSR.cycle:
      case CSR.time:
      case CSR.instret:
      case CSR.cycleh:
      case CSR.timeh:
      case CSR.instreth: {
        const bit = 1 << (csr & 0x1f);
        if (priv < PRIV.M && (s[S.MCOUNTEREN] & bit) === 0) return undefined;
        if (priv < PRIV.S && (s[S.SCOUNTEREN] & bit) === 0) return undefined;
        const v =
          (csr & 0x1f) === 1
            ? this.env.clock.now()
            : (csr & 0x1f) === 0
              ? this.f[F.CYCLE]
              : this.f[F.INSTRET];
        return csr >= 0xc80 ? Math.floor(v / 4294967296) | 0 : (v % 4294967296) | 0;
      }
      case CSR.mcycle:
        return (this.f[F.CYCLE] % 4294967296) | 0;
      case CSR.mcycleh:
        return Math.floor(this.f[F.CYCLE] / 4294967296) | 0;
      case CSR.minstret:
        return (this.f[F.INSTRET] % 4294967296) | 0;
      case CSR.minstreth:
        return Math.floor(this.f[F.INSTRET] / 4294967296) | 0;
      case CSR.sstatus:
        return s[S.MSTATUS] & SSTATUS_MASK;
      case CSR.sie:
        return s[S.MIE] & s[S.MIDELEG];
      case CSR.sip:
        return Atomics.load(s, S.MIP) & s[S.MIDELEG];
      case CSR.stvec:
        return s[S.STVEC];
      case CSR.scounteren:
        return s[S.SCOUNTEREN];
      case CSR.senvcfg:
        return s[S.SENVCFG];
      case CSR.sscratch:
        return s[S.SSCRATCH];
      case CSR.sepc:
        return s[S.SEPC];
      case CSR.scause:
        return s[S.SCAUSE];
      case CSR.stval:
        return s[S.STVAL];
      case CSR.satp:
        if (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TVM) !== 0) return undefined;
        return s[S.SATP];
      case CSR.mvendorid:
      case CSR.marchid:
      case CSR.mimpid:
      case CSR.mconfigptr:
      case CSR.mstatush:
      case CSR.menvcfgh:
        return 0;
      case CSR.mhartid:
        return s[S.HARTID];
      case CSR.mstatus:
        return s[S.MSTATUS];
      case CSR.misa:
        return MISA;
      case CSR.medeleg:
        return s[S.MEDELEG];
      case CSR.mideleg:
        return s[S.MIDELEG];
      case CSR.mie:
        return s[S.MIE];
      case CSR.mtvec:
        return s[S.MTVEC];
      case CSR.mcounteren:
        return s[S.MCOUNTEREN];
      case CSR.menvcfg:
        return s[S.MENVCFG];
      case CSR.mcountinhibit:
        return s[S.MCOUNTINHIBIT];
      case CSR.mscratch:
        return s[S.MSCRATCH];
      case CSR.mepc:
        return s[S.MEPC];
      case CSR.mcause:
        return s[S.MCAUSE];
      case CSR.mtval:
        return s[S.MTVAL];
      case CSR.mip:
        return Atomics.load(s, S.MIP);
      default:
        // PMP (0x3a0–0x3ef) and hardware performance counters: present, read as zero (WARL).
        if (
          (csr >= 0x3a0 && csr <= 0x3ef) ||
          (csr >= 0xb03 && csr <= 0xb1f) ||
          (csr >= 0xb83 && csr <= 0xb9f)
        )
          return 0;
        if (csr >= 0x323 && csr <= 0x33f) return 0;
        if ((csr >= 0xc03 && csr <= 0xc1f) || (csr >= 0xc83 && csr <= 0xc9f)) {
          return priv === PRIV.M || (s[S.MCOUNTEREN] >>> (csr & 0x1f)) & 1 ? 0 : undefined;
        }
        return undefined;
    }
  }

  /** Writes CSR `csr`; returns false when the access is illegal (§2.1: read-only CSRs, privilege). */
  csrWrite(csr: number, v: number): boolean {
    const s = this.s;
    const priv = s[S.PRIV];
    if (((csr >>> 8) & 3) > priv || csr >>> 10 === 3) return false;
    switch (csr) {
      case CSR.sstatus:
        s[S.MSTATUS] = (s[S.MSTATUS] & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE);
        this.updateModes();
        return true;
      case CSR.sie: {
        const m = s[S.MIDELEG] & S_INTERRUPTS;
        s[S.MIE] = (s[S.MIE] & ~m) | (v & m);
        return true;
      }
      case CSR.sip: {
        // Only SSIP is writable from S-mode (§4.1.3).
        const m = s[S.MIDELEG] & (1 << 1);
        if (v & m) Atomics.or(s, S.MIP, m);
        else Atomics.and(s, S.MIP, ~m);
        return true;
      }
      case CSR.stvec:
        s[S.STVEC] = v & ~2; // modes 0 (direct) and 1 (vectored)
        return true;
      case CSR.scounteren:
        s[S.SCOUNTEREN] = v & 7;
        return true;
      case CSR.senvcfg:
        s[S.SENVCFG] = 0; // no Zicbo*, no FIOM
        return true;
      case CSR.sscratch:
        s[S.SSCRATCH] = v;
        return true;
      case CSR.sepc:
        s[S.SEPC] = v & ~1;
        return true;
      case CSR.scause:
        s[S.SCAUSE] = v;
        return true;
      case CSR.stval:
        s[S.STVAL] = v;
        return true;
      case CSR.satp:
        if (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TVM) !== 0) return false;
        s[S.SATP] = v & SATP.WRITABLE;
        this.flushTlb();
        this.updateModes();
        return true;
      case CSR.mstatus: {
        let m = (s[S.MSTATUS] & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if ((m & MSTATUS.MPP) >>> 11 === 2) m &= ~MSTATUS.MPP; // MPP is WARL: 2 is reserved
        s[S.MSTATUS] = m;
        this.updateModes();
        return true;
      }
      case CSR.misa:
      case CSR.mstatush:
      case CSR.menvcfgh:
        return true; // WARL, fixed
      case CSR.medeleg:
        s[S.MEDELEG] = v & MEDELEG_WRITABLE;
        return true;
      case CSR.mideleg:
        s[S.MIDELEG] = v & MIDELEG_WRITABLE;
        return true;
      case CSR.mie:
        s[S.MIE] = v & MIE_WRITABLE;
        return true;
      case CSR.mtvec:
        s[S.MTVEC] = v & ~2;
        return true;
      case CSR.mcounteren:
        s[S.MCOUNTEREN] = v & 7;
        return true;
      case CSR.menvcfg:
        s[S.MENVCFG] = 0;
        return true;
      case CSR.mcountinhibit:
        s[S.MCOUNTINHIBIT] = v & 5;
        return true;
      case CSR.mscratch:
        s[S.MSCRATCH] = v;
        return true;
      case CSR.mepc:
        s[S.MEPC] = v & ~1;
        return true;
      case CSR.mcause:
        s[S.MCAUSE] = v;
        return true;
      case CSR.mtval:
        s[S.MTVAL] = v;
        return true;
      case CSR.mip: {
        const m = MIP_WRITABLE;
        Atomics.and(s, S.MIP, ~m | v);
        Atomics.or(s, S.MIP, v & m);
        return true;
      }
      case CSR.mcycle:
        this.f[F.CYCLE] = Math.floor(this.f[F.CYCLE] / 4294967296) * 4294967296 + (v >>> 0);
        return true;
      case CSR.mcycleh:
        this.f[F.CYCLE] = (v >>> 0) * 4294967296 + (this.f[F.CYCLE] % 4294967296);
        return true;
      case CSR.minstret:
        this.f[F.INSTRET] = Math.floor(this.f[F.INSTRET] / 4294967296) * 4294967296 + (v >>> 0);
        return true;
      case CSR.minstreth:
        this.f[F.INSTRET] = (v >>> 0) * 4294967296 + (this.f[F.INSTRET] % 4294967296);
        return true;
      default:
        if (
          (csr >= 0x3a0 && csr <= 0x3ef) ||
          (csr >= 0xb03 && csr <= 0xb1f) ||
          (csr >= 0xb83 && csr <= 0xb9f)
        )
          return true;
        if (csr >= 0x323 && csr <= 0x33f) return true;
        return false;
    }
  }

  // ---------------------------------------------------------------- run

  /**
   * Runs up to `budget` instructions. Returns why it stopped; the state
   * (pc included) is in the shared HartState afterwards.
   */
  run(budget: number): Exit {
    const x = this.x;
    const s = this.s;
    const f = this.f;
    const ram8 = this.ram8;
    const ram16 = this.ram16;
    const ram32 = this.ram32;
    const ctab = this.#ctab;
    const rTag = this.rTag;
    const rAdd = this.rAdd;
    const wTag = this.wTag;
    const wAdd = this.wAdd;
    const env = this.env;
    let pc = s[S.PC];
    let exit: Exit = EXIT.BUDGET;
    /** Fetch cache: the virtual page of pc and its addend (-1 = invalid). */
    let fvpn = -1;
    let fadd = 0;
    /** Instructions of this chunk that trapped instead of retiring. */
    let faults = 0;

    outer: while (budget > 0) {
      if (this.stopRequested) {
        exit = EXIT.REQUEST;
        break;
      }
      const now = env.clock.now();
      if (now >= f[F.SBI_TIMECMP]) Atomics.or(s, S.MIP, 1 << 5); // STIP
      env.poll?.(this, now);
      const irq = this.pendingInterrupt();
      if (irq >= 0) {
        pc = this.takeTrap(pc, irq, 0, true);
        fvpn = -1;
      }
      let chunk = budget < CHUNK ? budget : CHUNK;
      let n = chunk;
      faults = 0;
      inner: for (; n > 0; n--) {
        // ---- fetch
        if (pc >>> 12 !== fvpn) {
          const i = (pc >>> 12) & TLB_MASK;
          const tag = ((pc >>> 12) << 5) | this.imode;
          if (this.xTag[i] === tag) {
            fadd = this.xAdd[i];
          } else {
            const off = this.translate(pc, ACCESS.EXEC, this.imode);
            if (off < 0) {
              if (off === MMIO) this.#fault(EXC.INSN_ACCESS, pc);
              pc = this.takeTrap(pc, this.exc - 1, this.excVal, false);
              this.exc = 0;
              fvpn = -1;
              faults++;
              continue;
            }
            fadd = this.xAdd[i];
          }
          fvpn = pc >>> 12;
        }
        let insn: number;
        let len: number;
        let raw = ram16[((pc + fadd) | 0) >> 1];
        if ((raw & 3) === 3) {
          if ((pc & 0xfff) === 0xffe) {
            raw = this.fetchSlow(pc);
            if (this.exc) {
              pc = this.takeTrap(pc, this.exc - 1, this.excVal, false);
              this.exc = 0;
              fvpn = -1;
              faults++;
              continue;
            }
          } else {
            raw |= ram16[(((pc + fadd) | 0) >> 1) + 1] << 16;
          }
          insn = raw;
          len = 4;
        } else {
          insn = ctab[raw];
          len = 2;
        }

        // ---- execute
        const rd = (insn >> 7) & 31;
        const rs1 = (insn >> 15) & 31;
        exec: switch (insn & 0x7f) {
          case 0x37: // LUI
            if (rd) x[rd] = insn & 0xfffff000;
            pc = (pc + len) | 0;
            break;
          case 0x17: // AUIPC
            if (rd) x[rd] = (pc + (insn & 0xfffff000)) | 0;
            pc = (pc + len) | 0;
            break;
          case 0x6f: {
            // JAL
            const imm =
              ((insn >> 31) << 20) |
              (insn & 0xff000) |
              ((insn >> 9) & 0x800) |
              ((insn >> 20) & 0x7fe);
            if (rd) x[rd] = (pc + len) | 0;
            pc = (pc + imm) | 0;
            break;
          }
          case 0x67: {
            // JALR
            if (((insn >> 12) & 7) !== 0) {
              this.#fault(EXC.ILLEGAL_INSN, raw);
              break;
            }
            const target = (x[rs1] + (insn >> 20)) & ~1;
            if (rd) x[rd] = (pc + len) | 0;
            pc = target;
            break;
          }
          case 0x63: {
            // BRANCH
            const a = x[rs1];
            const b = x[(insn >> 20) & 31];
            let taken: boolean;
            switch ((insn >> 12) & 7) {
              case 0:
                taken = a === b;
                break;
              case 1:
                taken = a !== b;
                break;
              case 4:
                taken = a < b;
                break;
              case 5:
                taken = a >= b;
                break;
              case 6:
                taken = a >>> 0 < b >>> 0;
                break;
              case 7:
                taken = a >>> 0 >= b >>> 0;
                break;
              default:
                this.#fault(EXC.ILLEGAL_INSN, raw);
                break exec;
            }
            if (taken) {
              pc =
                (pc +
                  (((insn >> 31) << 12) |
                    ((insn << 4) & 0x800) |
                    ((insn >> 20) & 0x7e0) |
                    ((insn >> 7) & 0x1e))) |
                0;
            } else {
              pc = (pc + len) | 0;
            }
            break;
          }
          case 0x03: {
            // LOAD
            const va = (x[rs1] + (insn >> 20)) | 0;
            const i = (va >>> 12) & TLB_MASK;
            const hit = rTag[i] === (((va >>> 12) << 5) | this.dmode);
            let v: number;
            switch ((insn >> 12) & 7) {
              case 0: // LB
                v = hit
                  ? (ram8[(va + rAdd[i]) | 0] << 24) >> 24
                  : (this.loadSlow(va, 1) << 24) >> 24;
                break;
              case 1: // LH
                v =
                  hit && (va & 1) === 0
                    ? (ram16[((va + rAdd[i]) | 0) >> 1] << 16) >> 16
                    : (this.loadSlow(va, 2) << 16) >> 16;
                break;
              case 2: // LW
                v =
                  hit && (va & 3) === 0
                    ? ram32[((va + rAdd[i]) | 0) >> 2]
                    : this.loadSlow(va, 4) | 0;
                break;
              case 4: // LBU
                v = hit ? ram8[(va + rAdd[i]) | 0] : this.loadSlow(va, 1) & 0xff;
                break;
              case 5: // LHU
                v =
                  hit && (va & 1) === 0
                    ? ram16[((va + rAdd[i]) | 0) >> 1]
                    : this.loadSlow(va, 2) & 0xffff;
                break;
              default:
                this.#fault(EXC.ILLEGAL_INSN, raw);
                break exec;
            }
            if (this.exc) break exec;
            if (rd) x[rd] = v;
            pc = (pc + len) | 0;
            break;
          }
          case 0x23: {
            // STORE
            const va = (x[rs1] + (((insn >> 20) & ~31) | ((insn >> 7) & 31))) | 0;
            const v = x[(insn >> 20) & 31];
            const i = (va >>> 12) & TLB_MASK;
            const hit = wTag[i] === (((va >>> 12) << 5) | this.dmode);
            switch ((insn >> 12) & 7) {
              case 0:
                if (hit) ram8[(va + wAdd[i]) | 0] = v;
                else this.storeSlow(va, v & 0xff, 1);
                break;
              case 1:
                if (hit && (va & 1) === 0) ram16[((va + wAdd[i]) | 0) >> 1] = v;
                else this.storeSlow(va, v & 0xffff, 2);
                break;
              case 2:
                if (hit && (va & 3) === 0) ram32[((va + wAdd[i]) | 0) >> 2] = v;
                else this.storeSlow(va, v, 4);
                break;
              default:
                this.#fault(EXC.ILLEGAL_INSN, raw);
                break exec;
            }
            if (this.exc) break exec;
            pc = (pc + len) | 0;
            if (this.stopRequested) {
              // e.g. a write to the power-off register
              n--;
              break inner;
            }
            break;
          }
          case 0x13: {
            // OP-IMM
            const a = x[rs1];
            const imm = insn >> 20;
            let v: number;
            switch ((insn >> 12) & 7) {
              case 0:
                v = (a + imm) | 0;
                break;
              case 1:
                if (insn >>> 25 !== 0) {
                  this.#fault(EXC.ILLEGAL_INSN, raw);
                  break exec;
                }
                v = a << (imm & 31);
                break;
              case 2:
                v = a < imm ? 1 : 0;
                break;
              case 3:
                v = a >>> 0 < imm >>> 0 ? 1 : 0;
                break;
              case 4:
                v = a ^ imm;
                break;
              case 5: {
                const f7 = insn >>> 25;
                if (f7 === 0) v = (a >>> (imm & 31)) | 0;
                else if (f7 === 0x20) v = a >> (imm & 31);
                else {
                  this.#fault(EXC.ILLEGAL_INSN, raw);
                  break exec;
                }
                break;
              }
              case 6:
                v = a | imm;
                break;
              default:
                v = a & imm;
                break;
            }
            if (rd) x[rd] = v;
            pc = (pc + len) | 0;
            break;
          }
          case 0x33: {
            // OP and M
            const a = x[rs1];
            const b = x[(insn >> 20) & 31];
            const f7 = insn >>> 25;
            let v: number;
            if (f7 === 0) {
              switch ((insn >> 12) & 7) {
                case 0:
                  v = (a + b) | 0;
                  break;
                case 1:
                  v = a << (b & 31);
                  break;
                case 2:
                  v = a < b ? 1 : 0;
                  break;
                case 3:
                  v = a >>> 0 < b >>> 0 ? 1 : 0;
                  break;
                case 4:
                  v = a ^ b;
                  break;
                case 5:
                  v = (a >>> (b & 31)) | 0;
                  break;
                case 6:
                  v = a | b;
                  break;
                default:
                  v = a & b;
                  break;
              }
            } else if (f7 === 1) {
              switch ((insn >> 12) & 7) {
                case 0:
                  v = Math.imul(a, b);
                  break;
                case 1:
                  v = mulh(a, b);
                  break;
                case 2:
                  v = mulhsu(a, b);
                  break;
                case 3:
                  v = mulhu(a, b);
                  break;
                case 4:
                  v = div(a, b);
                  break;
                case 5:
                  v = divu(a, b);
                  break;
                case 6:
                  v = rem(a, b);
                  break;
                default:
                  v = remu(a, b);
                  break;
              }
            } else if (f7 === 0x20 && ((insn >> 12) & 7) === 0) {
              v = (a - b) | 0;
            } else if (f7 === 0x20 && ((insn >> 12) & 7) === 5) {
              v = a >> (b & 31);
            } else {
              this.#fault(EXC.ILLEGAL_INSN, raw);
              break exec;
            }
            if (rd) x[rd] = v;
            pc = (pc + len) | 0;
            break;
          }
          case 0x0f: // MISC-MEM: FENCE, FENCE.I (no caches to maintain: stores are visible to fetch at once)
            if (((insn >> 12) & 7) > 1) {
              this.#fault(EXC.ILLEGAL_INSN, raw);
              break;
            }
            pc = (pc + len) | 0;
            break;
          case 0x2f: {
            // AMO (A extension, ch. 8)
            if (((insn >> 12) & 7) !== 2) {
              this.#fault(EXC.ILLEGAL_INSN, raw);
              break;
            }
            const op = insn >>> 27;
            const va = x[rs1];
            const b = x[(insn >> 20) & 31];
            let v: number;
            if (op === 2) {
              // LR.W
              if (((insn >> 20) & 31) !== 0) {
                this.#fault(EXC.ILLEGAL_INSN, raw);
                break;
              }
              const off = this.amoOffset(va, false);
              if (off < 0) break;
              v = Atomics.load(ram32, off >> 2);
              this.resOffset = off;
              this.resValue = v;
            } else if (op === 3) {
              // SC.W: succeeds iff the reserved word still holds the value LR read
              // (a compare-and-swap; ABA is indistinguishable from no intervening store).
              const off = this.amoOffset(va, true);
              if (off < 0) break;
              v = 1;
              if (
                off === this.resOffset &&
                Atomics.compareExchange(ram32, off >> 2, this.resValue, b) === this.resValue
              ) {
                v = 0;
              }
              this.resOffset = -1;
            } else {
              const off = this.amoOffset(va, true);
              if (off < 0) break;
              const w = off >> 2;
              switch (op) {
                case 1:
                  v = Atomics.exchange(ram32, w, b);
                  break;
                case 0:
                  v = Atomics.add(ram32, w, b);
                  break;
                case 4:
                  v = Atomics.xor(ram32, w, b);
                  break;
                case 0xc:
                  v = Atomics.and(ram32, w, b);
                  break;
                case 8:
                  v = Atomics.or(ram32, w, b);
                  break;
                case 0x10:
                case 0x14:
                case 0x18:
                case 0x1c: {
                  // AMOMIN/MAX(U): compare-and-swap loop
                  for (;;) {
                    v = Atomics.load(ram32, w);
                    const take =
                      op === 0x10
                        ? b < v
                        : op === 0x14
                          ? b > v
                          : op === 0x18
                            ? b >>> 0 < v >>> 0
                            : b >>> 0 > v >>> 0;
                    if (!take || Atomics.compareExchange(ram32, w, v, b) === v) break;
                  }
                  break;
                }
                default:
                  this.#fault(EXC.ILLEGAL_INSN, raw);
                  break exec;
              }
              this.resOffset = -1;
            }
            if (rd) x[rd] = v;
            pc = (pc + len) | 0;
            break;
          }
          case 0x73: {
            // SYSTEM. Account the chunk so far first, so counter CSRs read exactly.
            const done = chunk - n;
            f[F.INSTRET] += done - faults;
            f[F.CYCLE] += done;
            budget -= done;
            chunk = n;
            faults = 0;
            const next = this.#system(insn, raw, pc, len);
            fvpn = -1;
            if (this.exc) break;
            pc = next;
            // WFI, a stop request, or a change that may unmask an interrupt: leave the chunk.
            if (this.#leave) {
              this.#leave = false;
              n--;
              break inner;
            }
            break;
          }
          default:
            this.#fault(EXC.ILLEGAL_INSN, raw);
            break;
        }
        if (this.exc) {
          pc = this.takeTrap(pc, this.exc - 1, this.excVal, false);
          this.exc = 0;
          fvpn = -1;
          faults++;
        }
      }
      const done = chunk - n;
      f[F.INSTRET] += done - faults;
      f[F.CYCLE] += done;
      budget -= done;
      if (this.#wfi) {
        this.#wfi = false;
        if (!this.wfiWake()) {
          exit = EXIT.WFI;
          break;
        }
      }
    }
    s[S.PC] = pc;
    return exit;
  }

  #wfi = false;
  /** Set by a SYSTEM instruction after which the loop must recheck interrupts or stop. */
  #leave = false;

  /** SYSTEM opcode: CSR*, ECALL, EBREAK, xRET, WFI, SFENCE.VMA. Returns the next pc. */
  #system(insn: number, raw: number, pc: number, len: number): number {
    const f3 = (insn >> 12) & 7;
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const x = this.x;
    const s = this.s;
    if (f3 === 0) {
      const priv = s[S.PRIV];
      if (insn === 0x00000073) {
        // ECALL
        if (priv === PRIV.S && this.env.sbiCall) {
          if (this.env.sbiCall(this)) this.stopRequested = true;
          this.#leave = true;
          return (pc + 4) | 0;
        }
        this.#fault(priv === PRIV.U ? EXC.ECALL_U : priv === PRIV.S ? EXC.ECALL_S : EXC.ECALL_M, 0);
        return pc;
      }
      if (insn === 0x00100073) {
        // EBREAK
        this.#fault(EXC.BREAKPOINT, pc);
        return pc;
      }
      if (insn === 0x30200073) {
        // MRET (§3.3.2)
        if (priv !== PRIV.M) return this.#illegal(raw, pc);
        let m = s[S.MSTATUS];
        const mpp = (m & MSTATUS.MPP) >>> 11;
        m = (m & ~MSTATUS.MIE) | ((m & MSTATUS.MPIE) >>> 4);
        m = (m | MSTATUS.MPIE) & ~MSTATUS.MPP;
        if (mpp !== PRIV.M) m &= ~MSTATUS.MPRV;
        s[S.MSTATUS] = m;
        s[S.PRIV] = mpp;
        this.resOffset = -1;
        this.updateModes();
        this.#leave = true;
        return s[S.MEPC];
      }
      if (insn === 0x10200073) {
        // SRET (§3.3.2)
        if (priv < PRIV.S || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TSR) !== 0))
          return this.#illegal(raw, pc);
        let m = s[S.MSTATUS];
        const spp = (m & MSTATUS.SPP) >>> 8;
        m = (m & ~MSTATUS.SIE) | ((m & MSTATUS.SPIE) >>> 4);
        m = (m | MSTATUS.SPIE) & ~MSTATUS.SPP;
        m &= ~MSTATUS.MPRV;
        s[S.MSTATUS] = m;
        s[S.PRIV] = spp;
        this.resOffset = -1;
        this.updateModes();
        this.#leave = true;
        return s[S.SEPC];
      }
      if (insn === 0x10500073) {
        // WFI (§3.3.3): illegal in U-mode, and in S-mode when TW=1.
        if (priv === PRIV.U || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TW) !== 0))
          return this.#illegal(raw, pc);
        this.#wfi = true;
        this.#leave = true;
        return (pc + len) | 0;
      }
      if (insn >>> 25 === 0x09 && rd === 0) {
        // SFENCE.VMA (§4.2.1)
        if (priv === PRIV.U || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TVM) !== 0))
          return this.#illegal(raw, pc);
        this.flushTlb();
        return (pc + len) | 0;
      }
      return this.#illegal(raw, pc);
    }
    if (f3 === 4) return this.#illegal(raw, pc);
    // Zicsr (ch. 9): CSRRW/S/C and immediate forms.
    const csr = insn >>> 20;
    const src = f3 & 4 ? rs1 : x[rs1];
    const op = f3 & 3;
    const writes = op === 1 || rs1 !== 0;
    const reads = op !== 1 || rd !== 0;
    let old = 0;
    if (reads || writes) {
      const v = this.csrRead(csr);
      if (v === undefined) return this.#illegal(raw, pc);
      old = v;
    }
    if (writes) {
      const nv = op === 1 ? src : op === 2 ? old | src : old & ~src;
      if (!this.csrWrite(csr, nv)) return this.#illegal(raw, pc);
      this.#leave = true;
    }
    if (rd) x[rd] = old;
    return (pc + len) | 0;
  }

  #illegal(raw: number, pc: number): number {
    this.#fault(EXC.ILLEGAL_INSN, raw);
    return pc;
  }
}
