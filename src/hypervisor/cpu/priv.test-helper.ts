import { expect } from 'vitest';
import { asm } from './asm';
import { CSR, MSTATUS } from './csr';
import { EXIT } from './hart';
import { S } from './hart-state';
import { RAM_BASE, makeHart } from './hart.test-helper';

/** Where test programs live (RAM_BASE itself holds the MRET that enters them). */
export const CODE = RAM_BASE + 0x1000;
/** Scratch data page. */
export const DATA = RAM_BASE + 0x4000;
/** M-mode and S-mode trap handlers: each a `jal x0, 0` spin loop. */
export const M_HANDLER = RAM_BASE + 0x8000;
export const S_HANDLER = RAM_BASE + 0x9000;

export type TestHart = ReturnType<typeof makeHart>;

/** makeHart() with spin-loop trap handlers installed at mtvec and stvec. */
export function trapHart(): TestHart {
  const t = makeHart();
  t.poke32(M_HANDLER, asm.jal(0, 0));
  t.poke32(S_HANDLER, asm.jal(0, 0));
  expect(t.hart.csrWrite(CSR.mtvec, M_HANDLER)).toBe(true);
  expect(t.hart.csrWrite(CSR.stvec, S_HANDLER)).toBe(true);
  return t;
}

/**
 * Drops from M-mode to `priv` at `pc` by executing a real MRET (placed at
 * RAM_BASE) with mstatus.MPP = priv; `mstatusBits` are OR-ed into mstatus
 * first (e.g. SUM, MXR, TSR).
 */
export function enter(t: TestHart, priv: number, pc: number, mstatusBits = 0): void {
  const h = t.hart;
  expect(h.priv).toBe(3);
  t.poke32(RAM_BASE, asm.mret());
  h.pc = RAM_BASE;
  const m = (h.csrRead(CSR.mstatus)! & ~MSTATUS.MPP) | (priv << MSTATUS.MPP_SHIFT) | mstatusBits;
  expect(h.csrWrite(CSR.mstatus, m)).toBe(true);
  expect(h.csrWrite(CSR.mepc, pc)).toBe(true);
  expect(h.run(1)).toBe(EXIT.BUDGET);
  expect(h.priv).toBe(priv);
  expect(h.pc).toBe(pc >>> 0);
}

/** The M-mode trap record, unsigned. */
export function mtrap(t: TestHart) {
  const s = t.hart.s;
  return { cause: s[S.MCAUSE] >>> 0, epc: s[S.MEPC] >>> 0, tval: s[S.MTVAL] >>> 0 };
}

/** The S-mode trap record, unsigned. */
export function strap(t: TestHart) {
  const s = t.hart.s;
  return { cause: s[S.SCAUSE] >>> 0, epc: s[S.SEPC] >>> 0, tval: s[S.STVAL] >>> 0 };
}

/** Writes a byte at guest-physical `addr`. */
export function poke8(t: TestHart, addr: number, v: number): void {
  t.mem.ram8[t.p2m.hostOffset(addr)] = v;
}

export function peek8(t: TestHart, addr: number): number {
  return t.mem.ram8[t.p2m.hostOffset(addr)];
}
