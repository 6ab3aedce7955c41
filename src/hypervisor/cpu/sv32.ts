import { EXC } from './csr';
import { S } from './hart-state';
import type { Hart } from './hart';

export const ACCESS = { READ: 0, WRITE: 1, EXEC: 2 } as const;
export type Access = (typeof ACCESS)[keyof typeof ACCESS];

/** PTE bits (priv. spec §4.3.1, figure 4.18). */
export const PTE = { V: 1, R: 2, W: 4, X: 8, U: 16, G: 32, A: 64, D: 128 } as const;

const PAGE_FAULT = [EXC.LOAD_PAGE_FAULT, EXC.STORE_PAGE_FAULT, EXC.INSN_PAGE_FAULT] as const;
const ACCESS_FAULT = [EXC.LOAD_ACCESS, EXC.STORE_ACCESS, EXC.INSN_ACCESS] as const;

/**
 * Sv32 translation (priv. spec §4.3.2). `mode` carries the effective
 * privilege (bits 0–1), SUM (bit 2) and MXR (bit 3). Returns the physical
 * address (may be ≥ 2^32: Sv32 has 34-bit physical addresses), or -1 with
 * the hart's exception set.
 *
 * A/D bits are updated by hardware (the spec's option): the walker sets A,
 * and D on a write, with a compare-and-swap on the PTE so the update is
 * atomic with respect to the PTE it checked (§4.3.2 step 7). A PTE that is
 * not in RAM gives an access fault.
 */
export function walkSv32(hart: Hart, va: number, access: Access, mode: number): number {
  const priv = mode & 3;
  const sum = (mode & 4) !== 0;
  const mxr = (mode & 8) !== 0;
  const ram32 = hart.ram32;
  let table = (hart.s[S.SATP] & 0x3fffff) * 4096;
  for (let level = 1; level >= 0; level--) {
    const vpn = level === 1 ? va >>> 22 : (va >>> 12) & 0x3ff;
    const pteAddr = table + vpn * 4;
    const off = pteAddr < 2 ** 32 ? hart.p2m.hostOffset(pteAddr) : -1;
    if (off < 0)
      return hart.p2m.isRam(pteAddr) ? hart.retryLater() : fail(hart, ACCESS_FAULT[access], va);
    let pte = Atomics.load(ram32, off >> 2);
    if ((pte & PTE.V) === 0 || ((pte & PTE.R) === 0 && (pte & PTE.W) !== 0)) {
      return fail(hart, PAGE_FAULT[access], va);
    }
    if ((pte & (PTE.R | PTE.X)) === 0) {
      table = (pte >>> 10) * 4096; // pointer to the next level
      continue;
    }
    // Leaf: permission checks (§4.3.2 step 5).
    if (
      priv === 0 ? (pte & PTE.U) === 0 : (pte & PTE.U) !== 0 && (!sum || access === ACCESS.EXEC)
    ) {
      return fail(hart, PAGE_FAULT[access], va);
    }
    const ok =
      access === ACCESS.READ
        ? (pte & PTE.R) !== 0 || (mxr && (pte & PTE.X) !== 0)
        : access === ACCESS.WRITE
          ? (pte & PTE.W) !== 0
          : (pte & PTE.X) !== 0;
    if (!ok) return fail(hart, PAGE_FAULT[access], va);
    const ppn = pte >>> 10;
    if (level === 1 && (ppn & 0x3ff) !== 0) return fail(hart, PAGE_FAULT[access], va); // misaligned superpage
    const need = PTE.A | (access === ACCESS.WRITE ? PTE.D : 0);
    let woff = -1;
    while ((pte & need) !== need) {
      // Setting A/D writes the page-table page: through the p2m's write path (it may be a KSM page).
      if (woff < 0) {
        woff = hart.p2m.hostOffsetWrite(pteAddr);
        if (woff < 0) return hart.retryLater();
        pte = Atomics.load(ram32, woff >> 2);
        if ((pte & PTE.V) === 0 || pte >>> 10 !== ppn) return fail(hart, PAGE_FAULT[access], va);
        continue;
      }
      const seen = Atomics.compareExchange(ram32, woff >> 2, pte, pte | need);
      if (seen === pte) break;
      pte = seen; // changed under us: re-check it (another hart, or the guest)
      if ((pte & PTE.V) === 0 || pte >>> 10 !== ppn) return fail(hart, PAGE_FAULT[access], va);
    }
    if (level === 1) {
      hart.superpageRegions[va >>> 22] = 1; // its 4 KiB TLB entries all hold this leaf (Hart.flushTlbPage)
      return (ppn >>> 10) * 4194304 + (va & 0x3fffff);
    }
    return ppn * 4096 + (va & 0xfff);
  }
  return fail(hart, PAGE_FAULT[access], va);
}

function fail(hart: Hart, cause: number, va: number): number {
  hart.exc = cause + 1;
  hart.excVal = va;
  return -1;
}
