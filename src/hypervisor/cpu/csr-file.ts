import {
  CSR,
  MEDELEG_WRITABLE,
  MIDELEG_WRITABLE,
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
import type { Hart } from './hart';
import { F, S } from './hart-state';

/*
 * The CSR file (priv. spec 1.12 ch. 2–4): access rules by address
 * (bits 9:8 = lowest privilege, bits 11:10 = 3 read-only), WARL fields,
 * and the S-mode views of M-mode registers. PMP and the hardware
 * performance monitors are present but read as zero.
 */

/** Reads CSR `csr` as the hart's current privilege allows; undefined when the access is illegal. */
export function csrRead(hart: Hart, csr: number): number | undefined {
  const s = hart.s;
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
          ? hart.env.clock.now()
          : (csr & 0x1f) === 0
            ? hart.f[F.CYCLE]
            : hart.f[F.INSTRET];
      return csr >= 0xc80 ? Math.floor(v / 4294967296) | 0 : (v % 4294967296) | 0;
    }
    case CSR.mcycle:
      return (hart.f[F.CYCLE] % 4294967296) | 0;
    case CSR.mcycleh:
      return Math.floor(hart.f[F.CYCLE] / 4294967296) | 0;
    case CSR.minstret:
      return (hart.f[F.INSTRET] % 4294967296) | 0;
    case CSR.minstreth:
      return Math.floor(hart.f[F.INSTRET] / 4294967296) | 0;
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

/** Writes CSR `csr`; false when the access is illegal (§2.1: read-only CSRs, privilege). */
export function csrWrite(hart: Hart, csr: number, v: number): boolean {
  const s = hart.s;
  const priv = s[S.PRIV];
  if (((csr >>> 8) & 3) > priv || csr >>> 10 === 3) return false;
  switch (csr) {
    case CSR.sstatus:
      s[S.MSTATUS] = (s[S.MSTATUS] & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE);
      hart.updateModes();
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
      hart.flushTlb();
      hart.updateModes();
      return true;
    case CSR.mstatus: {
      let m = (s[S.MSTATUS] & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
      if ((m & MSTATUS.MPP) >>> 11 === 2) m &= ~MSTATUS.MPP; // MPP is WARL: 2 is reserved
      s[S.MSTATUS] = m;
      hart.updateModes();
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
      hart.f[F.CYCLE] = Math.floor(hart.f[F.CYCLE] / 4294967296) * 4294967296 + (v >>> 0);
      return true;
    case CSR.mcycleh:
      hart.f[F.CYCLE] = (v >>> 0) * 4294967296 + (hart.f[F.CYCLE] % 4294967296);
      return true;
    case CSR.minstret:
      hart.f[F.INSTRET] = Math.floor(hart.f[F.INSTRET] / 4294967296) * 4294967296 + (v >>> 0);
      return true;
    case CSR.minstreth:
      hart.f[F.INSTRET] = (v >>> 0) * 4294967296 + (hart.f[F.INSTRET] % 4294967296);
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
