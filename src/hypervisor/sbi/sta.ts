import { F, S } from '../cpu/hart-state';
import type { P2m } from '../memory/p2m';
import { SBI_ERR } from './sbi-errors';

/**
 * SBI Steal-time Accounting (STA, SBI v2.0 ch. 16, EID 0x535441), as Linux
 * KVM provides it (arch/riscv/kvm/vcpu_sbi_sta.c): each hart registers a
 * 64-byte structure in guest-physical memory, and the hypervisor reports
 * there how long the vCPU was runnable but waiting for a pCPU (the
 * scheduler's VF.STEAL_MS). Linux reads it in pv_time_steal_clock
 * (arch/riscv/kernel/paravirt.c) and shows it as /proc/stat's `steal`.
 *
 * Per-hart state lives in the shared hart state (cpu/hart-state.ts), so
 * whichever pCPU runs the vCPU can update it: S.STA_ON, S.STA_SHMEM (the
 * structure's guest-physical address) and F.STA_REPORTED (the host steal,
 * ms, already added to the structure). A hart reset (boot, HSM hart_start)
 * zeroes them: reporting is off until the hart registers again, as KVM
 * resets it with the vCPU.
 *
 * Only the thread running the vCPU calls these (its own ecall, its slice
 * entry and exit), while the vCPU is RUNNING: a ksmd or COW shootdown waits
 * for that thread's acknowledgement, so these writes are ordered like the
 * hart's own stores. Guest memory is written through p2m.hostOffsetWrite,
 * which backs an untouched page and breaks a KSM/zero-page share first.
 */

/** Function IDs (SBI v2.0 §16.2). */
export const STA_FID = { SET_SHMEM: 0 } as const;

/** The shared structure (SBI v2.0 §16.1, table 100): byte offsets and size. */
export const STA_SHMEM = {
  SEQUENCE: 0,
  FLAGS: 4,
  /** u64, nanoseconds. */
  STEAL: 8,
  PREEMPTED: 16,
  BYTES: 64,
} as const;

/** The hart fields STA uses (a Hart satisfies this). */
export interface StaHart {
  readonly s: Int32Array;
  readonly f: Float64Array;
  readonly p2m: P2m;
  readonly ram8: Uint8Array;
  readonly ram32: Int32Array;
}

/**
 * sbi_steal_time_set_shmem(shmem_phys_lo, shmem_phys_hi, flags) (§16.1).
 * `stealMs` is the vCPU's host steal now: reporting starts from there, so
 * the guest sees the steal from this call on. Returns an SBI error code.
 */
export function staSetShmem(
  hart: StaHart,
  lo: number,
  hi: number,
  flags: number,
  stealMs: number,
): number {
  // "The flags parameter is reserved for future use and MUST be zero."
  if (flags !== 0) return SBI_ERR.INVALID_PARAM;
  // All-ones address: stop reporting steal time for this hart.
  if (lo === -1 && hi === -1) {
    hart.s[S.STA_ON] = 0;
    return SBI_ERR.SUCCESS;
  }
  // "shmem MUST be 64-byte aligned" (INVALID_PARAM), so the 64 bytes never cross a page.
  if ((lo & (STA_SHMEM.BYTES - 1)) !== 0) return SBI_ERR.INVALID_PARAM;
  // Guest-physical RAM is below 4 GiB: a non-zero high half, or an address
  // outside RAM (MMIO, a hole), is not writable memory (INVALID_ADDRESS).
  const gpa = lo >>> 0;
  if (hi !== 0 || !hart.p2m.isRam(gpa)) return SBI_ERR.INVALID_ADDRESS;
  const off = hart.p2m.hostOffsetWrite(gpa);
  if (off < 0) return SBI_ERR.FAILED; // RAM, but no host frame for it now (out of memory)
  // "All bytes MUST be set to zero by the SBI implementation before returning."
  hart.ram8.fill(0, off, off + STA_SHMEM.BYTES);
  hart.s[S.STA_SHMEM] = gpa | 0;
  hart.f[F.STA_REPORTED] = stealMs;
  hart.s[S.STA_ON] = 1;
  return SBI_ERR.SUCCESS;
}

/**
 * Adds the steal since the last report to the structure's `steal`, with the
 * sequence protocol of §16.1: `sequence` is made odd before `steal` is
 * written and even again after, so a 32-bit guest reading the two halves
 * can tell a torn read (it retries while odd or changed). Also clears
 * `preempted` ("a zero value MUST be written before the virtual hart starts
 * to run again"). Called each time the vCPU is put on a pCPU.
 *
 * Like KVM, the new value is the guest's `steal` plus the host's increase,
 * so the reported time never goes backwards, also when the host counter
 * restarts (a restored VM on a fresh scheduler slot: that delta counts 0).
 */
export function staRecord(hart: StaHart, stealMs: number): void {
  if (hart.s[S.STA_ON] === 0) return;
  const off = hart.p2m.hostOffsetWrite(hart.s[S.STA_SHMEM] >>> 0);
  if (off < 0) return; // no frame now: the steal is reported at the next entry
  const deltaMs = Math.max(0, stealMs - hart.f[F.STA_REPORTED]);
  hart.f[F.STA_REPORTED] = stealMs;
  const w = off >> 2;
  const ram = hart.ram32;
  const seq = Atomics.load(ram, w) | 1; // odd: update in progress
  Atomics.store(ram, w, seq);
  // u64 little-endian; ns as a double is exact below 2^53 ns (104 days).
  const ns = readU64(ram, w + 2) + Math.round(deltaMs * 1e6);
  Atomics.store(ram, w + 2, (ns % 4294967296) | 0);
  Atomics.store(ram, w + 3, (Math.floor(ns / 4294967296) % 4294967296) | 0);
  Atomics.store(hart.ram8, off + STA_SHMEM.PREEMPTED, 0);
  Atomics.store(ram, w, (seq + 1) | 0); // even: done
}

/**
 * The vCPU is being descheduled while runnable (its slice ended, it will
 * wait for a pCPU): sets the advisory `preempted` byte (§16.1, "MAY be
 * written ... while the steal field is increasing"). Called before the
 * scheduler's put, while the vCPU is still RUNNING, so it cannot land after
 * another pCPU has picked the vCPU and cleared it.
 */
export function staPreempted(hart: StaHart): void {
  if (hart.s[S.STA_ON] === 0) return;
  const off = hart.p2m.hostOffsetWrite(hart.s[S.STA_SHMEM] >>> 0);
  if (off >= 0) Atomics.store(hart.ram8, off + STA_SHMEM.PREEMPTED, 1);
}

function readU64(ram: Int32Array, w: number): number {
  return (Atomics.load(ram, w) >>> 0) + (Atomics.load(ram, w + 1) >>> 0) * 4294967296;
}
