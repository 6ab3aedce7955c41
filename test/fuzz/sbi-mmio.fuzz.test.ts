import { describe, expect, it } from 'vitest';
import { createVirtDevices } from '../../src/hypervisor/board/virt-devices';
import { VIRT } from '../../src/hypervisor/board/virt-board';
import { PRIV } from '../../src/hypervisor/cpu/csr';
import { RAM_BASE, makeHart } from '../../src/hypervisor/cpu/hart.test-helper';
import { MmioBus } from '../../src/hypervisor/devices/mmio-bus';
import { DBCN_WRITE_MAX, SBI_EXT, handleSbiCall, type SbiHost } from '../../src/hypervisor/sbi/sbi';
import { FUZZ_SEED, cases, int, pick, prng } from './prng';

/**
 * Issue [hardening] point 4, the guest-facing interfaces: random SBI calls
 * (EIDs, FIDs, arguments) from S-mode, and random MMIO reads and writes of
 * every size at random offsets of every device of the board. Nothing may
 * throw, every call must do bounded work (console bytes per call, host
 * callbacks per call), and the SBI return is an SBI error code or a value.
 */
const EIDS = [...Object.values(SBI_EXT), 0x0a000000, 0x09000000, 0xffffffff, 0x4442434f];
const A0 = 10;
const A6 = 16;
const A7 = 17;

function word(rand: () => number): number {
  return pick(rand, [
    0,
    1,
    2,
    -1,
    0x80000000,
    RAM_BASE,
    RAM_BASE + 0x1000,
    RAM_BASE + 0xffff0,
    0x1000,
    int(rand, 0, 0xffffffff) | 0,
    int(rand, 0, 64),
  ]);
}

describe('fuzz: SBI from a supervisor', () => {
  it(`random calls return, do bounded work and change no host state they should not (seed ${FUZZ_SEED})`, () => {
    const rand = prng(FUZZ_SEED);
    const t = makeHart();
    const hart = t.hart;
    hart.reset(0, RAM_BASE, PRIV.S);
    let written = 0;
    let callbacks = 0;
    let resets = 0;
    const host: SbiHost = {
      consoleWrite: (bytes) => {
        written = bytes.length;
        return bytes.length;
      },
      consoleRead: () => (rand() < 0.5 ? -1 : int(rand, 0, 255)),
      sendIpi: (harts) => void (callbacks += harts.length),
      remoteFence: (harts) => void (callbacks += harts.length),
      hartCount: () => 4,
      hartStatus: (h) => (h >= 0 && h < 4 ? 0 : -1),
      hartStart: () => 0,
      hartStop: () => undefined,
      systemReset: () => void resets++,
      stealMs: () => rand() * 1000,
    };
    for (let i = 0, n = cases(50_000); i < n; i++) {
      hart.x[A7] = pick(rand, EIDS) | 0;
      hart.x[A6] = rand() < 0.8 ? int(rand, 0, 8) : word(rand);
      for (let r = A0; r < A6; r++) hart.x[r] = word(rand);
      written = 0;
      callbacks = 0;
      const eid = hart.x[A7] >>> 0;
      let stops = false;
      try {
        stops = handleSbiCall(hart, host);
      } catch (error) {
        throw new Error(
          `case ${i}: eid ${hart.x[A7] >>> 0} fid ${hart.x[A6]} threw ${(error as Error).stack}`,
        );
      }
      expect(written, `case ${i}: console bytes in one call`).toBeLessThanOrEqual(DBCN_WRITE_MAX);
      expect(callbacks, `case ${i}: harts touched in one call`).toBeLessThanOrEqual(32);
      // SBI v0.2+ calls return an error code in a0 (§3); legacy ones (EID < 0x10) a value.
      const err = hart.x[A0];
      if (eid >= 0x10 && !stops)
        expect(
          err <= 0 && err >= -10,
          `case ${i}: eid 0x${eid.toString(16)}: SBI error ${err}`,
        ).toBe(true);
    }
    expect(resets).toBeGreaterThan(0); // SRST and the legacy shutdown were reached
  });
});

describe('fuzz: MMIO to every device', () => {
  it(`random reads and writes of every size never throw (seed ${FUZZ_SEED})`, () => {
    const rand = prng(FUZZ_SEED + 1);
    const bus = new MmioBus();
    const out: number[] = [];
    createVirtDevices({
      bus,
      harts: 2,
      sink: { setPending: () => undefined },
      clock: { now: () => 0x1_0000_0042 },
      wallClockNs: () => 1_000_000_000_000_000_000n,
      onTransmit: (b) => out.push(b),
      onPowerOff: () => undefined,
      onReset: () => undefined,
      onFail: () => undefined,
      onPanic: () => undefined,
    });
    const regions = [
      VIRT.TEST,
      VIRT.RTC,
      VIRT.PVPANIC,
      VIRT.CLINT,
      VIRT.PLIC,
      VIRT.UART0,
      { base: VIRT.VIRTIO.base, size: VIRT.VIRTIO.size * VIRT.VIRTIO.count },
    ];
    for (let i = 0, n = cases(300_000); i < n; i++) {
      const r = pick(rand, regions);
      const size = pick(rand, [1, 2, 4] as const);
      const addr = r.base + (rand() < 0.7 ? int(rand, 0, 0x100) : int(rand, 0, r.size - 1));
      try {
        if (rand() < 0.5) {
          const v = bus.read(addr, size);
          if (v !== undefined) expect(Number.isInteger(v)).toBe(true);
        } else bus.write(addr, word(rand), size);
      } catch (error) {
        throw new Error(
          `case ${i}: ${size}-byte access at 0x${addr.toString(16)} threw ${(error as Error).stack}`,
        );
      }
    }
    expect(out.length).toBeGreaterThan(0);
  });
});
