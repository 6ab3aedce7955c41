import { F } from '../cpu/hart-state';
import type { Hart } from '../cpu/hart';
import { SBI_ERR } from './sbi-errors';
import { STA_FID, staSetShmem } from './sta';

export { SBI_ERR } from './sbi-errors';

/**
 * SBI provided by the hypervisor, as Linux KVM does on RISC-V
 * (arch/riscv/kvm/vcpu_sbi*.c): an ECALL from the guest's S-mode lands here,
 * not in guest firmware. RISC-V SBI spec v2.0: a7 = extension ID,
 * a6 = function ID, arguments a0–a5; returns a0 = error, a1 = value.
 */
export const SBI_EXT = {
  LEGACY_SET_TIMER: 0x00,
  LEGACY_CONSOLE_PUTCHAR: 0x01,
  LEGACY_CONSOLE_GETCHAR: 0x02,
  LEGACY_CLEAR_IPI: 0x03,
  LEGACY_SEND_IPI: 0x04,
  LEGACY_REMOTE_FENCE_I: 0x05,
  LEGACY_REMOTE_SFENCE_VMA: 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID: 0x07,
  LEGACY_SHUTDOWN: 0x08,
  BASE: 0x10,
  TIME: 0x54494d45,
  IPI: 0x735049,
  RFENCE: 0x52464e43,
  HSM: 0x48534d,
  SRST: 0x53525354,
  DBCN: 0x4442434e,
  /** Steal-time Accounting (§16), sbi/sta.ts. */
  STA: 0x535441,
} as const;

/** HSM hart states (SBI §9.1). */
export const HSM_STATE = { STARTED: 0, STOPPED: 1, START_PENDING: 2, STOP_PENDING: 3 } as const;

/** SBI spec version 2.0 (§4.1): major in bits 30:24. */
const SPEC_VERSION = 2 << 24;
/** Implementation ID 3 = KVM (SBI §4.9); we play KVM's part. */
const IMPL_ID = 3;

export type ResetType = 'shutdown' | 'cold-reboot' | 'warm-reboot';

/** What SBI needs from the VM around the hart. */
export interface SbiHost {
  /**
   * Writes console bytes in order; returns how many it wrote (fewer when the
   * VM is being stopped).
   */
  consoleWrite(bytes: Uint8Array): number;
  /** One byte of console input, or -1 when none is waiting. */
  consoleRead(): number;
  /** Sets SSIP on each hart in the list. */
  sendIpi(harts: number[]): void;
  /** Flushes the TLBs of the harts in the list (remote SFENCE.VMA / FENCE.I). */
  remoteFence(harts: number[]): void;
  hartCount(): number;
  hartStatus(hartId: number): number;
  /** Starts a stopped hart at `addr` in S-mode with a0 = hartid, a1 = opaque. */
  hartStart(hartId: number, addr: number, opaque: number): number;
  /** The calling hart stops (HSM hart_stop). */
  hartStop(hart: Hart): void;
  systemReset(type: ResetType, reason: 'none' | 'system-failure'): void;
  /** The calling vCPU's steal so far (ms): runnable but waiting for a pCPU (scheduler VF.STEAL_MS). */
  stealMs(): number;
  /** Counts an SBI exit by extension, for kvm_stat-like telemetry. */
  countCall?(extension: number): void;
}

const A0 = 10;
const A1 = 11;

/** Handles one SBI call; returns true if the hart must stop running. */
export function handleSbiCall(hart: Hart, host: SbiHost): boolean {
  const x = hart.x;
  const eid = x[17] >>> 0;
  const fid = x[16];
  host.countCall?.(eid);
  let error: number = SBI_ERR.SUCCESS;
  let value = 0;
  switch (eid) {
    case SBI_EXT.LEGACY_SET_TIMER:
      setTimer(hart, x[A0], x[A1]);
      x[A0] = 0;
      return false;
    case SBI_EXT.LEGACY_CONSOLE_PUTCHAR:
      host.consoleWrite(Uint8Array.of(x[A0] & 0xff));
      x[A0] = 0;
      return false;
    case SBI_EXT.LEGACY_CONSOLE_GETCHAR:
      x[A0] = host.consoleRead();
      return false;
    case SBI_EXT.LEGACY_CLEAR_IPI:
      hart.setPending(1, false);
      x[A0] = 0;
      return false;
    case SBI_EXT.LEGACY_SEND_IPI:
    case SBI_EXT.LEGACY_REMOTE_FENCE_I:
    case SBI_EXT.LEGACY_REMOTE_SFENCE_VMA:
    case SBI_EXT.LEGACY_REMOTE_SFENCE_VMA_ASID: {
      // a0 is a virtual address of an unsigned long hart mask (0 = all harts).
      let harts: number[];
      if (x[A0] === 0) harts = allHarts(host);
      else {
        const mask = hart.loadSlow(x[A0], 4);
        if (hart.exc) {
          hart.exc = 0;
          x[A0] = SBI_ERR.INVALID_ADDRESS;
          return false;
        }
        harts = maskToHarts(host, mask, 0) ?? [];
      }
      if (eid === SBI_EXT.LEGACY_SEND_IPI) host.sendIpi(harts);
      else host.remoteFence(harts);
      x[A0] = 0;
      return false;
    }
    case SBI_EXT.LEGACY_SHUTDOWN:
      host.systemReset('shutdown', 'none');
      return true;
    case SBI_EXT.BASE:
      switch (fid) {
        case 0:
          value = SPEC_VERSION;
          break;
        case 1:
          value = IMPL_ID;
          break;
        case 2:
          value = 1;
          break;
        case 3:
          value = probe(x[A0] >>> 0) ? 1 : 0;
          break;
        case 4:
        case 5:
        case 6:
          value = 0; // mvendorid, marchid, mimpid
          break;
        default:
          error = SBI_ERR.NOT_SUPPORTED;
      }
      break;
    case SBI_EXT.TIME:
      if (fid === 0) setTimer(hart, x[A0], x[A1]);
      else error = SBI_ERR.NOT_SUPPORTED;
      break;
    case SBI_EXT.IPI:
      if (fid === 0) {
        const harts = maskToHarts(host, x[A0], x[A1]);
        if (harts === undefined) error = SBI_ERR.INVALID_PARAM;
        else host.sendIpi(harts);
      } else error = SBI_ERR.NOT_SUPPORTED;
      break;
    case SBI_EXT.RFENCE:
      if (fid <= 2) {
        const harts = maskToHarts(host, x[A0], x[A1]);
        if (harts === undefined) error = SBI_ERR.INVALID_PARAM;
        else host.remoteFence(harts);
      } else error = SBI_ERR.NOT_SUPPORTED; // hypervisor fences: no H extension
      break;
    case SBI_EXT.HSM:
      switch (fid) {
        case 0:
          error = host.hartStart(x[A0], x[A1], x[A1 + 1]);
          break;
        case 1:
          host.hartStop(hart);
          return true;
        case 2: {
          const status = host.hartStatus(x[A0]);
          if (status < 0) error = SBI_ERR.INVALID_PARAM;
          else value = status;
          break;
        }
        case 3:
          // hart_suspend: only the default retentive suspend, which behaves like WFI.
          if (x[A0] === 0) {
            x[A0] = 0;
            return false;
          }
          error = SBI_ERR.NOT_SUPPORTED;
          break;
        default:
          error = SBI_ERR.NOT_SUPPORTED;
      }
      break;
    case SBI_EXT.SRST:
      if (fid === 0) {
        const type = x[A0];
        const reason = x[A1];
        if (type < 0 || type > 2 || reason < 0 || reason > 1) {
          error = SBI_ERR.INVALID_PARAM;
          break;
        }
        host.systemReset(
          type === 0 ? 'shutdown' : type === 1 ? 'cold-reboot' : 'warm-reboot',
          reason === 1 ? 'system-failure' : 'none',
        );
        return true;
      }
      error = SBI_ERR.NOT_SUPPORTED;
      break;
    case SBI_EXT.DBCN:
      switch (fid) {
        case 0: {
          // console_write(num_bytes, base_lo, base_hi): a guest-physical buffer (§12.1).
          // The spec lets it write fewer bytes than asked and return the count;
          // writing at most DBCN_WRITE_MAX per call bounds the work of one ecall,
          // so a guest looping on a huge write still yields at its slice deadline.
          const n = Math.min(x[A0] >>> 0, DBCN_WRITE_MAX);
          const bytes = readPhysical(hart, n, x[A1] >>> 0, x[A1 + 1]);
          if (!bytes) error = SBI_ERR.INVALID_PARAM;
          else value = host.consoleWrite(bytes);
          break;
        }
        case 1: {
          const n = x[A0] >>> 0;
          if (x[A1 + 1] !== 0) {
            error = SBI_ERR.INVALID_PARAM;
            break;
          }
          let count = 0;
          for (; count < n; count++) {
            const c = host.consoleRead();
            if (c < 0) break;
            const off = hart.p2m.hostOffsetWrite((x[A1] + count) >>> 0);
            if (off < 0) {
              error = SBI_ERR.INVALID_PARAM;
              break;
            }
            hart.ram8[off] = c;
          }
          value = count;
          break;
        }
        case 2:
          host.consoleWrite(Uint8Array.of(x[A0] & 0xff));
          break;
        default:
          error = SBI_ERR.NOT_SUPPORTED;
      }
      break;
    case SBI_EXT.STA:
      if (fid === STA_FID.SET_SHMEM)
        error = staSetShmem(hart, x[A0], x[A1], x[A1 + 1], host.stealMs());
      else error = SBI_ERR.NOT_SUPPORTED;
      break;
    default:
      error = SBI_ERR.NOT_SUPPORTED;
  }
  x[A0] = error;
  x[A1] = value;
  return false;
}

function probe(eid: number): boolean {
  return (
    eid <= SBI_EXT.LEGACY_SHUTDOWN ||
    eid === SBI_EXT.BASE ||
    eid === SBI_EXT.TIME ||
    eid === SBI_EXT.IPI ||
    eid === SBI_EXT.RFENCE ||
    eid === SBI_EXT.HSM ||
    eid === SBI_EXT.SRST ||
    eid === SBI_EXT.DBCN ||
    eid === SBI_EXT.STA
  );
}

/** set_timer: program the next event and clear the pending timer interrupt (§6.1). */
function setTimer(hart: Hart, lo: number, hi: number): void {
  hart.f[F.SBI_TIMECMP] = (hi >>> 0) * 4294967296 + (lo >>> 0);
  hart.setPending(5, false);
}

function allHarts(host: SbiHost): number[] {
  return Array.from({ length: host.hartCount() }, (_, i) => i);
}

/** hart_mask / hart_mask_base (§3.2): base = -1 means every hart. */
function maskToHarts(host: SbiHost, mask: number, base: number): number[] | undefined {
  if (base === -1) return allHarts(host);
  const harts: number[] = [];
  for (let i = 0; i < 32; i++) {
    if ((mask >>> i) & 1) {
      const id = base + i;
      if (id >= host.hartCount() || id < 0) return undefined;
      harts.push(id);
    }
  }
  return harts;
}

/**
 * Most bytes one DBCN console_write call takes (SBI v2.0 §12.1: "the number
 * of bytes written may be less than num_bytes"); each is one exit to the VMM.
 */
export const DBCN_WRITE_MAX = 256;

function readPhysical(hart: Hart, n: number, lo: number, hi: number): Uint8Array | undefined {
  if (hi !== 0 || n > DBCN_WRITE_MAX) return undefined;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const off = hart.p2m.hostOffset(lo + i);
    if (off < 0) return undefined;
    out[i] = hart.ram8[off];
  }
  return out;
}
