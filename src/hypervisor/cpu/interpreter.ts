import { EXC, MSTATUS, PRIV } from './csr';
import { EXIT, type Exit, type Hart, RETRY, TLB_MASK, hintIndex } from './hart';
import { F, S } from './hart-state';
import { div, divu, mulh, mulhsu, mulhu, rem, remu } from './muldiv';
import { ACCESS } from './sv32';

/** Instructions between interrupt / timer checks. */
const CHUNK = 4096;

/**
 * The interpreter loop (unprivileged spec ch. 2, 7, 8, 16; priv. spec ch. 3).
 *
 * Hot-path rules: pc, the fetch page and the data translation mode live in
 * locals; an instruction that completes ends its arm with `continue`; an
 * instruction that faults sets `hart.exc` and leaves the switch (`break
 * exec`), falling into the one place where a trap is taken. Compressed
 * instructions are expanded through a 64 Ki-entry table, so one decoder
 * serves both lengths (`len` is 2 or 4). The switch is on the 5-bit major
 * opcode (insn[6:2]) so V8 can use a jump table.
 *
 * `inline` (the JIT's fallback): no check point at the start, one chunk
 * only, and `h.leave` is left set for the caller when a SYSTEM instruction
 * ended the chunk. `h.executed` says how many instructions ran. With
 * `minRun` > 0 it also stops after the first control transfer (JAL, JALR,
 * a branch, taken or not) once `minRun` instructions have run, so the
 * caller's next pc is a block entry. Inline, it also stops after a control
 * transfer to a pc the JIT knows translated, or whose entry count just
 * reached its threshold (`hart.jumpCache`, hart.ts HartJumpCache), so the
 * caller runs, or has translated, the code there; cold code otherwise runs
 * whole chunks, as without the JIT.
 */
export function runHart(h: Hart, budget: number, inline = false, minRun = 0): Exit {
  const x = h.x;
  const s = h.s;
  const f = h.f;
  const ram8 = h.ram8;
  const ram16 = h.ram16;
  const ram32 = h.ram32;
  const ctab = h.ctab;
  const rTag = h.rTag;
  const rAdd = h.rAdd;
  const wTag = h.wTag;
  const wAdd = h.wAdd;
  const xTag = h.xTag;
  const xAdd = h.xAdd;
  const env = h.env;
  /** Inline under the JIT: a control transfer to a translated pc, or one that just became hot, ends the run too. */
  const jc = inline ? h.jumpCache : null;
  const hints = jc !== null ? jc.hints : null;
  const heat = jc !== null ? jc.heat : null;
  const hot = jc !== null ? jc.hot : 0;
  let pc = s[S.PC];
  let exit: Exit = EXIT.BUDGET;
  /** Fetch cache: the virtual page of pc (-1 = invalid) and its addend. */
  let fvpn = -1;
  let fadd = 0;
  let dmode = h.dmode;
  /** Instructions of this chunk that trapped instead of retiring. */
  let faults = 0;
  const budget0 = budget;

  while (budget > 0) {
    if (!inline) {
      if (h.stopRequested) {
        exit = EXIT.REQUEST;
        break;
      }
      const now = env.clock.now();
      if (now >= f[F.SBI_TIMECMP]) Atomics.or(s, S.MIP, 1 << 5); // STIP from the SBI timer
      env.poll?.(h, now);
      // poll may have flushed the TLB (a remote fence): drop the cached fetch page too.
      fvpn = -1;
      dmode = h.dmode;
      const irq = h.pendingInterrupt();
      if (irq >= 0) {
        pc = h.takeTrap(pc, irq, 0, true);
        dmode = h.dmode;
      }
    }
    let chunk = budget < CHUNK ? budget : CHUNK;
    let n = chunk;
    faults = 0;
    // A control transfer ends the run when n <= stopN (minRun instructions have run). Invariant
    // across the SYSTEM arm's re-accounting (chunk - budget does not change); -1: never.
    const stopN = inline && minRun > 0 ? chunk - budget + budget0 - minRun : -1;
    inner: for (; n > 0; n--) {
      // ---- fetch
      if (pc >>> 12 !== fvpn) {
        const i = (pc >>> 12) & TLB_MASK;
        if (
          xTag[i] !== (((pc >>> 12) << 5) | h.imode) &&
          h.translate(pc, ACCESS.EXEC, h.imode) < 0
        ) {
          if (h.exc === RETRY) {
            h.exc = 0;
            faults++;
            n--;
            break inner;
          }
          if (!h.exc) h.fault(EXC.INSN_ACCESS, pc); // MMIO: no execution from devices
          pc = h.takeTrap(pc, h.exc - 1, h.excVal, false);
          h.exc = 0;
          fvpn = -1;
          dmode = h.dmode;
          faults++;
          continue;
        }
        fadd = xAdd[i];
        fvpn = pc >>> 12;
      }
      let insn: number;
      let len: number;
      let raw = ram16[((pc + fadd) | 0) >> 1];
      if ((raw & 3) === 3) {
        if ((pc & 0xfff) === 0xffe) {
          const hi = h.fetchSlow(pc);
          if (h.exc === RETRY) {
            h.exc = 0;
            faults++;
            n--;
            break inner;
          }
          if (h.exc) {
            pc = h.takeTrap(pc, h.exc - 1, h.excVal, false);
            h.exc = 0;
            fvpn = -1;
            dmode = h.dmode;
            faults++;
            continue;
          }
          raw |= hi << 16;
        } else {
          raw |= ram16[(((pc + fadd) | 0) >> 1) + 1] << 16;
        }
        insn = raw;
        len = 4;
      } else {
        insn = ctab[raw];
        len = 2;
        if (insn === 0) insn = -1; // illegal compressed encoding: fall to the default arm
      }

      // ---- execute
      const rd = (insn >> 7) & 31;
      const rs1 = (insn >> 15) & 31;
      exec: switch ((insn >>> 2) & 31) {
        case 13: // LUI
          if (rd) x[rd] = insn & 0xfffff000;
          pc = (pc + len) | 0;
          continue;
        case 5: // AUIPC
          if (rd) x[rd] = (pc + (insn & 0xfffff000)) | 0;
          pc = (pc + len) | 0;
          continue;
        case 27: {
          // JAL
          if (rd) x[rd] = (pc + len) | 0;
          pc =
            (pc +
              (((insn >> 31) << 20) |
                (insn & 0xff000) |
                ((insn >> 9) & 0x800) |
                ((insn >> 20) & 0x7fe))) |
            0;
          if (n <= stopN || (hints !== null && stopsAt(hints, heat!, hot, pc))) {
            n--;
            break inner;
          }
          continue;
        }
        case 25: {
          // JALR
          if (((insn >> 12) & 7) !== 0) break;
          const target = (x[rs1] + (insn >> 20)) & ~1;
          if (rd) x[rd] = (pc + len) | 0;
          pc = target;
          if (n <= stopN || (hints !== null && stopsAt(hints, heat!, hot, pc))) {
            n--;
            break inner;
          }
          continue;
        }
        case 24: {
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
              break exec;
          }
          pc = taken
            ? (pc +
                (((insn >> 31) << 12) |
                  ((insn << 4) & 0x800) |
                  ((insn >> 20) & 0x7e0) |
                  ((insn >> 7) & 0x1e))) |
              0
            : (pc + len) | 0;
          if (n <= stopN || (hints !== null && stopsAt(hints, heat!, hot, pc))) {
            n--;
            break inner;
          }
          continue;
        }
        case 0: {
          // LOAD
          const va = (x[rs1] + (insn >> 20)) | 0;
          const i = (va >>> 12) & TLB_MASK;
          const hit = rTag[i] === (((va >>> 12) << 5) | dmode);
          let v: number;
          switch ((insn >> 12) & 7) {
            case 0: // LB
              if (hit) v = (ram8[(va + rAdd[i]) | 0] << 24) >> 24;
              else {
                v = (h.loadSlow(va, 1) << 24) >> 24;
                if (h.exc) break exec;
              }
              break;
            case 1: // LH
              if (hit && (va & 1) === 0) v = (ram16[((va + rAdd[i]) | 0) >> 1] << 16) >> 16;
              else {
                v = (h.loadSlow(va, 2) << 16) >> 16;
                if (h.exc) break exec;
              }
              break;
            case 2: // LW
              if (hit && (va & 3) === 0) v = ram32[((va + rAdd[i]) | 0) >> 2];
              else {
                v = h.loadSlow(va, 4) | 0;
                if (h.exc) break exec;
              }
              break;
            case 4: // LBU
              if (hit) v = ram8[(va + rAdd[i]) | 0];
              else {
                v = h.loadSlow(va, 1) & 0xff;
                if (h.exc) break exec;
              }
              break;
            case 5: // LHU
              if (hit && (va & 1) === 0) v = ram16[((va + rAdd[i]) | 0) >> 1];
              else {
                v = h.loadSlow(va, 2) & 0xffff;
                if (h.exc) break exec;
              }
              break;
            default:
              break exec;
          }
          if (rd) x[rd] = v;
          pc = (pc + len) | 0;
          continue;
        }
        case 8: {
          // STORE
          const va = (x[rs1] + (((insn >> 20) & ~31) | ((insn >> 7) & 31))) | 0;
          const v = x[(insn >> 20) & 31];
          const i = (va >>> 12) & TLB_MASK;
          if (wTag[i] === (((va >>> 12) << 5) | dmode)) {
            switch ((insn >> 12) & 7) {
              case 0:
                ram8[(va + wAdd[i]) | 0] = v;
                pc = (pc + len) | 0;
                continue;
              case 1:
                if ((va & 1) !== 0) break;
                ram16[((va + wAdd[i]) | 0) >> 1] = v;
                pc = (pc + len) | 0;
                continue;
              case 2:
                if ((va & 3) !== 0) break;
                ram32[((va + wAdd[i]) | 0) >> 2] = v;
                pc = (pc + len) | 0;
                continue;
              default:
                break exec;
            }
          }
          switch ((insn >> 12) & 7) {
            case 0:
              h.storeSlow(va, v & 0xff, 1);
              break;
            case 1:
              h.storeSlow(va, v & 0xffff, 2);
              break;
            case 2:
              h.storeSlow(va, v, 4);
              break;
            default:
              break exec;
          }
          if (h.exc) break;
          pc = (pc + len) | 0;
          if (h.stopRequested) {
            // e.g. a write to the power-off register
            n--;
            break inner;
          }
          continue;
        }
        case 4: {
          // OP-IMM
          const a = x[rs1];
          const imm = insn >> 20;
          let v: number;
          switch ((insn >> 12) & 7) {
            case 0:
              v = (a + imm) | 0;
              break;
            case 1:
              if (insn >>> 25 !== 0) break exec;
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
            case 5:
              if (insn >>> 25 === 0) v = (a >>> (imm & 31)) | 0;
              else if (insn >>> 25 === 0x20) v = a >> (imm & 31);
              else break exec;
              break;
            case 6:
              v = a | imm;
              break;
            default:
              v = a & imm;
              break;
          }
          if (rd) x[rd] = v;
          pc = (pc + len) | 0;
          continue;
        }
        case 12: {
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
            break;
          }
          if (rd) x[rd] = v;
          pc = (pc + len) | 0;
          continue;
        }
        case 3: // MISC-MEM: FENCE, FENCE.I
          if (((insn >> 12) & 7) > 1) break;
          // Stores reach fetch at once, but a store may have moved its page to a new frame (COW):
          // FENCE.I drops the cached fetch page so the next fetch translates again.
          if ((insn >> 12) & 1) fvpn = -1;
          pc = (pc + len) | 0;
          continue;
        case 11: {
          // AMO (A extension, ch. 8)
          if (((insn >> 12) & 7) !== 2) break;
          const v = amo(h, insn);
          if (h.exc) break;
          if (rd) x[rd] = v;
          pc = (pc + len) | 0;
          continue;
        }
        case 28: {
          // SYSTEM. Account the chunk so far first, so counter CSRs read exactly.
          const done = chunk - n;
          account(s, f, done, faults);
          budget -= done;
          chunk = n;
          faults = 0;
          const next = system(h, insn, raw, pc, len);
          fvpn = -1;
          dmode = h.dmode;
          if (h.exc) break;
          pc = next;
          // WFI, a stop request, or a change that may unmask an interrupt: leave the chunk.
          if (h.leave) {
            if (!inline) h.leave = false;
            n--;
            break inner;
          }
          continue;
        }
        default:
          break;
      }
      // Only faulting instructions get here.
      if (h.exc === RETRY) {
        // Not a trap: leave pc on the instruction and the pCPU (retryLater).
        h.exc = 0;
        faults++;
        n--;
        break;
      }
      if (!h.exc) h.fault(EXC.ILLEGAL_INSN, len === 2 ? raw & 0xffff : raw);
      pc = h.takeTrap(pc, h.exc - 1, h.excVal, false);
      h.exc = 0;
      fvpn = -1;
      dmode = h.dmode;
      faults++;
    }
    const done = chunk - n;
    account(s, f, done, faults);
    budget -= done;
    if (h.wfi) {
      h.wfi = false;
      if (!h.wfiWake()) {
        exit = EXIT.WFI;
        break;
      }
    }
    if (inline) break;
  }
  s[S.PC] = pc;
  h.executed = budget0 - budget;
  return exit;
}

/** A control transfer to pc under the JIT: stop here (pc is translated, or its slot just became hot)? */
function stopsAt(hints: Int32Array, heat: Uint16Array, hot: number, pc: number): boolean {
  const k = hintIndex(pc);
  return hints[k] === pc || ++heat[k] === hot;
}

/** Adds executed instructions to cycle and retired ones to instret, unless mcountinhibit says not to (§3.1.12). */
function account(s: Int32Array, f: Float64Array, executed: number, faults: number): void {
  const inhibit = s[S.MCOUNTINHIBIT];
  if ((inhibit & 1) === 0) f[F.CYCLE] += executed;
  if ((inhibit & 4) === 0) f[F.INSTRET] += executed - faults;
}

/** LR.W, SC.W and AMO*.W on RAM with host atomics (A extension ch. 8). */
function amo(h: Hart, insn: number): number {
  const op = insn >>> 27;
  const va = h.x[(insn >> 15) & 31];
  const b = h.x[(insn >> 20) & 31];
  const ram32 = h.ram32;
  if (op === 2) {
    // LR.W
    if (((insn >> 20) & 31) !== 0) {
      h.fault(EXC.ILLEGAL_INSN, insn);
      return 0;
    }
    const off = h.amoOffset(va, false);
    if (off < 0) return 0;
    const v = Atomics.load(ram32, off >> 2);
    h.resOffset = off;
    h.resValue = v;
    return v;
  }
  const off = h.amoOffset(va, true);
  if (off < 0) return 0;
  const w = off >> 2;
  if (op === 3) {
    // SC.W succeeds iff the reserved word still holds the value LR read: a
    // compare-and-swap (an ABA store pair is indistinguishable from none).
    const ok =
      off === h.resOffset && Atomics.compareExchange(ram32, w, h.resValue, b) === h.resValue;
    h.resOffset = -1;
    return ok ? 0 : 1;
  }
  h.resOffset = -1;
  switch (op) {
    case 1:
      return Atomics.exchange(ram32, w, b);
    case 0:
      return Atomics.add(ram32, w, b);
    case 4:
      return Atomics.xor(ram32, w, b);
    case 0xc:
      return Atomics.and(ram32, w, b);
    case 8:
      return Atomics.or(ram32, w, b);
    case 0x10:
    case 0x14:
    case 0x18:
    case 0x1c:
      // AMOMIN/MAX[U]: a compare-and-swap loop
      for (;;) {
        const v = Atomics.load(ram32, w);
        const take =
          op === 0x10
            ? b < v
            : op === 0x14
              ? b > v
              : op === 0x18
                ? b >>> 0 < v >>> 0
                : b >>> 0 > v >>> 0;
        if (!take || Atomics.compareExchange(ram32, w, v, b) === v) return v;
      }
    default:
      h.fault(EXC.ILLEGAL_INSN, insn);
      return 0;
  }
}

/** SYSTEM opcode: CSR*, ECALL, EBREAK, xRET, WFI, SFENCE.VMA. Returns the next pc. */
function system(h: Hart, insn: number, raw: number, pc: number, len: number): number {
  const f3 = (insn >> 12) & 7;
  const rd = (insn >> 7) & 31;
  const rs1 = (insn >> 15) & 31;
  const x = h.x;
  const s = h.s;
  if (f3 === 0) {
    const priv = s[S.PRIV];
    if (insn === 0x00000073) {
      // ECALL
      if (priv === PRIV.S && h.env.sbiCall) {
        if (h.env.sbiCall(h)) h.stopRequested = true;
        h.leave = true;
        return (pc + 4) | 0;
      }
      h.fault(priv === PRIV.U ? EXC.ECALL_U : priv === PRIV.S ? EXC.ECALL_S : EXC.ECALL_M, 0);
      return pc;
    }
    if (insn === 0x00100073) {
      h.fault(EXC.BREAKPOINT, pc); // EBREAK: tval = pc (§3.1.16)
      return pc;
    }
    if (insn === 0x30200073) {
      // MRET (§3.3.2)
      if (priv !== PRIV.M) return illegal(h, raw, pc);
      let m = s[S.MSTATUS];
      const mpp = (m & MSTATUS.MPP) >>> 11;
      m = (m & ~MSTATUS.MIE) | ((m & MSTATUS.MPIE) >>> 4);
      m = (m | MSTATUS.MPIE) & ~MSTATUS.MPP;
      if (mpp !== PRIV.M) m &= ~MSTATUS.MPRV;
      s[S.MSTATUS] = m;
      s[S.PRIV] = mpp;
      h.resOffset = -1;
      h.updateModes();
      h.leave = true;
      return s[S.MEPC];
    }
    if (insn === 0x10200073) {
      // SRET (§3.3.2); TSR makes it illegal in S-mode
      if (priv < PRIV.S || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TSR) !== 0))
        return illegal(h, raw, pc);
      let m = s[S.MSTATUS];
      const spp = (m & MSTATUS.SPP) >>> 8;
      m = (m & ~MSTATUS.SIE) | ((m & MSTATUS.SPIE) >>> 4);
      m = (m | MSTATUS.SPIE) & ~MSTATUS.SPP;
      m &= ~MSTATUS.MPRV;
      s[S.MSTATUS] = m;
      s[S.PRIV] = spp;
      h.resOffset = -1;
      h.updateModes();
      h.leave = true;
      return s[S.SEPC];
    }
    if (insn === 0x10500073) {
      // WFI (§3.3.3): illegal in U-mode, and in S-mode when TW=1.
      if (priv === PRIV.U || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TW) !== 0))
        return illegal(h, raw, pc);
      h.wfi = true;
      h.leave = true;
      return (pc + len) | 0;
    }
    if (insn >>> 25 === 0x09 && rd === 0) {
      // SFENCE.VMA (§4.2.1): illegal in U-mode, and in S-mode when TVM=1.
      if (priv === PRIV.U || (priv === PRIV.S && (s[S.MSTATUS] & MSTATUS.TVM) !== 0))
        return illegal(h, raw, pc);
      // rs1 = x0: every page; else the page of x[rs1]. The ASID (rs2) is not kept: no ASIDs (satp.ASID is WARL 0).
      if (rs1 === 0) h.flushTlb();
      else h.flushTlbPage(h.x[rs1]);
      return (pc + len) | 0;
    }
    return illegal(h, raw, pc);
  }
  if (f3 === 4) return illegal(h, raw, pc);
  // Zicsr (ch. 9): CSRRW/S/C and the immediate forms. CSRRW with rd = x0 does
  // not read; CSRRS/C with rs1 = x0 do not write.
  const csr = insn >>> 20;
  const src = f3 & 4 ? rs1 : x[rs1];
  const op = f3 & 3;
  const writes = op === 1 || rs1 !== 0;
  let old = 0;
  if (op !== 1 || rd !== 0) {
    const v = h.csrRead(csr);
    if (v === undefined) return illegal(h, raw, pc);
    old = v;
  } else if (h.csrRead(csr) === undefined) {
    return illegal(h, raw, pc);
  }
  if (writes) {
    const nv = op === 1 ? src : op === 2 ? old | src : old & ~src;
    if (!h.csrWrite(csr, nv)) return illegal(h, raw, pc);
    h.leave = true;
  }
  if (rd) x[rd] = old;
  return (pc + len) | 0;
}

function illegal(h: Hart, raw: number, pc: number): number {
  h.fault(EXC.ILLEGAL_INSN, raw);
  return pc;
}
