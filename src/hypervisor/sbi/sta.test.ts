import { describe, expect, it } from 'vitest';
import { PRIV } from '../cpu/csr';
import { F, S, resetHartState } from '../cpu/hart-state';
import { RAM_BASE, makeHart } from '../cpu/hart.test-helper';
import { FramePool } from '../memory/frame-pool';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { P2M, P2m } from '../memory/p2m';
import { SBI_ERR, SBI_EXT, handleSbiCall, type SbiHost } from './sbi';
import { STA_FID, STA_SHMEM, staPreempted, staRecord, staSetShmem, type StaHart } from './sta';

const A0 = 10;
const A1 = 11;
const SHMEM = RAM_BASE + 0x4000;

/** A hart in S-mode whose SBI host reports `steal.ms` as its steal. */
function setup() {
  const t = makeHart();
  t.hart.reset(0, RAM_BASE, PRIV.S);
  const steal = { ms: 0 };
  const host: SbiHost = {
    consoleWrite: (b) => b.length,
    consoleRead: () => -1,
    sendIpi: () => undefined,
    remoteFence: () => undefined,
    hartCount: () => 1,
    hartStatus: () => 0,
    hartStart: () => 0,
    hartStop: () => undefined,
    systemReset: () => undefined,
    stealMs: () => steal.ms,
  };
  const call = (eid: number, fid: number, ...args: number[]) => {
    const x = t.hart.x;
    x[17] = eid;
    x[16] = fid;
    for (let i = 0; i < 6; i++) x[A0 + i] = args[i] ?? 0;
    handleSbiCall(t.hart, host);
    return { error: x[A0], value: x[A1] };
  };
  const setShmem = (lo: number, hi = 0, flags = 0) =>
    call(SBI_EXT.STA, STA_FID.SET_SHMEM, lo, hi, flags).error;
  /** The structure's `steal` (u64 ns) as the guest reads it. */
  const stealNs = () => (t.peek32(SHMEM + 8) >>> 0) + (t.peek32(SHMEM + 12) >>> 0) * 2 ** 32;
  return { ...t, steal, call, setShmem, stealNs };
}

describe('SBI STA (SBI v2.0 ch. 16)', () => {
  it('the base extension reports spec v2.0 and probes STA as available', () => {
    const { call } = setup();
    expect(call(SBI_EXT.BASE, 0).value).toBe(2 << 24); // Linux needs >= 2.0 (paravirt.c)
    expect(call(SBI_EXT.BASE, 3, SBI_EXT.STA).value).toBe(1);
  });

  it('set_shmem zeroes the 64-byte structure and turns reporting on', () => {
    const t = setup();
    for (let i = 0; i < 20; i++) t.poke32(SHMEM + 4 * i, -1);
    expect(t.setShmem(SHMEM)).toBe(SBI_ERR.SUCCESS);
    for (let i = 0; i < 16; i++) expect(t.peek32(SHMEM + 4 * i)).toBe(0);
    expect(t.peek32(SHMEM + 64)).toBe(-1); // not one byte more
    expect(t.hart.s[S.STA_ON]).toBe(1);
    expect(t.hart.s[S.STA_SHMEM] >>> 0).toBe(SHMEM);
  });

  it('returns the spec errors for flags, alignment and addresses', () => {
    const t = setup();
    expect(t.setShmem(SHMEM, 0, 1)).toBe(SBI_ERR.INVALID_PARAM); // flags must be zero
    expect(t.setShmem(-1, -1, 1)).toBe(SBI_ERR.INVALID_PARAM);
    expect(t.setShmem(SHMEM + 32)).toBe(SBI_ERR.INVALID_PARAM); // not 64-byte aligned
    expect(t.setShmem(SHMEM + 8)).toBe(SBI_ERR.INVALID_PARAM);
    expect(t.setShmem(SHMEM, 1)).toBe(SBI_ERR.INVALID_ADDRESS); // above 4 GiB
    expect(t.setShmem(0x1000_0000)).toBe(SBI_ERR.INVALID_ADDRESS); // MMIO (the UART)
    expect(t.setShmem(RAM_BASE + (1 << 20))).toBe(SBI_ERR.INVALID_ADDRESS); // past the end of RAM
    expect(t.setShmem(RAM_BASE - 64)).toBe(SBI_ERR.INVALID_ADDRESS);
    expect(t.hart.s[S.STA_ON]).toBe(0);
    expect(t.call(SBI_EXT.STA, 1, SHMEM).error).toBe(SBI_ERR.NOT_SUPPORTED); // no FID 1
  });

  it('reports the steal since set_shmem in ns, and only while on; lo = hi = -1 disables', () => {
    const t = setup();
    const hart = t.hart;
    expect(staSetShmem(hart, SHMEM, 0, 0, 250)).toBe(SBI_ERR.SUCCESS);
    staRecord(hart, 250);
    expect(t.stealNs()).toBe(0); // steal before registering is not reported
    staRecord(hart, 262.5);
    expect(t.stealNs()).toBe(12_500_000);
    staRecord(hart, 263);
    expect(t.stealNs()).toBe(13_000_000);
    expect(t.setShmem(-1, -1)).toBe(SBI_ERR.SUCCESS);
    expect(hart.s[S.STA_ON]).toBe(0);
    staRecord(hart, 400);
    expect(t.stealNs()).toBe(13_000_000); // off: memory untouched
  });

  it('set_shmem through the ecall starts from the host steal at the call', () => {
    const t = setup();
    t.steal.ms = 1000;
    expect(t.setShmem(SHMEM)).toBe(SBI_ERR.SUCCESS);
    expect(t.hart.f[F.STA_REPORTED]).toBe(1000);
    staRecord(t.hart, 1004);
    expect(t.stealNs()).toBe(4_000_000);
  });

  it('follows the sequence protocol: each update leaves it even and advanced by 2', () => {
    const t = setup();
    staSetShmem(t.hart, SHMEM, 0, 0, 0);
    expect(t.peek32(SHMEM)).toBe(0);
    staRecord(t.hart, 1);
    expect(t.peek32(SHMEM)).toBe(2);
    staRecord(t.hart, 3);
    expect(t.peek32(SHMEM)).toBe(4);
    expect(t.stealNs()).toBe(3_000_000);
    expect(t.peek32(SHMEM + 4)).toBe(0); // flags: always zero
    // A guest that scribbled an odd value (the spec allows it to be left inconsistent)
    // still gets an even sequence after the next update.
    t.poke32(SHMEM, 7);
    staRecord(t.hart, 4);
    expect(t.peek32(SHMEM)).toBe(8);
    t.poke32(SHMEM, -1);
    staRecord(t.hart, 5);
    expect(t.peek32(SHMEM)).toBe(0); // wraps like a u32
  });

  it('carries the steal across 2^32 ns in the high word', () => {
    const t = setup();
    staSetShmem(t.hart, SHMEM, 0, 0, 0);
    staRecord(t.hart, 5000); // 5e9 ns > 2^32
    expect(t.peek32(SHMEM + 12)).toBe(1);
    expect(t.peek32(SHMEM + 8) >>> 0).toBe(5e9 - 2 ** 32);
    staRecord(t.hart, 5000.001);
    expect(t.stealNs()).toBe(5e9 + 1000);
  });

  it('never goes backwards when the host counter restarts (a restored VM on a new slot)', () => {
    const t = setup();
    staSetShmem(t.hart, SHMEM, 0, 0, 100);
    staRecord(t.hart, 150);
    staRecord(t.hart, 10); // host steal restarted from 0
    expect(t.stealNs()).toBe(50_000_000);
    staRecord(t.hart, 12);
    expect(t.stealNs()).toBe(52_000_000);
  });

  it('sets preempted while waiting for a pCPU and clears it when the vCPU runs again', () => {
    const t = setup();
    const byte = () => t.mem.ram8[t.p2m.hostOffset(SHMEM + STA_SHMEM.PREEMPTED)];
    staPreempted(t.hart); // off: nothing written
    expect(byte()).toBe(0);
    staSetShmem(t.hart, SHMEM, 0, 0, 0);
    staPreempted(t.hart);
    expect(byte()).toBe(1);
    staRecord(t.hart, 1);
    expect(byte()).toBe(0);
  });

  it('a hart reset (HSM hart_start) turns reporting off', () => {
    const t = setup();
    staSetShmem(t.hart, SHMEM, 0, 0, 7);
    resetHartState(t.hart.state, 0, RAM_BASE, PRIV.S);
    expect(t.hart.s[S.STA_ON]).toBe(0);
    expect(t.hart.f[F.STA_REPORTED]).toBe(0);
  });

  it('writes through the p2m: an untouched page is backed, a KSM-merged frame is copied first', () => {
    const mem = HostMemory.create(16 * PAGE_SIZE);
    const pool = new FramePool(mem);
    let shootdowns = 0;
    const p2m = new P2m(RAM_BASE, 4, undefined, {
      pool,
      counters: new Int32Array(new SharedArrayBuffer(32)),
      residentIndex: 0,
      onOutOfMemory: () => undefined,
      shootdown: () => void shootdowns++,
    });
    const hart: StaHart = {
      s: new Int32Array(64),
      f: new Float64Array(64),
      p2m,
      ram8: mem.ram8,
      ram32: mem.ram32,
    };
    expect(staSetShmem(hart, RAM_BASE + 0x1040, 0, 0, 0)).toBe(SBI_ERR.SUCCESS);
    expect(p2m.table[1]).toBeGreaterThanOrEqual(0); // backed on first touch
    // ksmd merges the page with another VM's identical one.
    const merged = p2m.table[1];
    pool.hold(merged);
    p2m.table[1] = merged | P2M.WP;
    staRecord(hart, 2);
    expect(p2m.table[1] & P2M.WP).toBe(0); // the share was broken
    expect(p2m.table[1]).not.toBe(merged);
    expect(shootdowns).toBe(1);
    const off = (p2m.table[1] << 12) + 0x40;
    expect(mem.ram32[(off + 8) >> 2]).toBe(2_000_000);
    expect(mem.ram32[((merged << 12) + 0x48) >> 2]).toBe(0); // the shared frame is untouched
  });
});
