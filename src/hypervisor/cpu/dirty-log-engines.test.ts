import { describe, expect, it } from 'vitest';
import { MmioBus } from '../devices/mmio-bus';
import { DirtyLog } from '../memory/dirty-log';
import { HostMemory } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { asm } from './asm';
import { PRIV } from './csr';
import { Hart } from './hart';
import { HartState } from './hart-state';
import { JIT_FRAMES, JitEngine } from './jit/jit-engine';

const RAM_BASE = 0x8000_0000;
const GUEST_BYTES = 256 << 10;
const CODE = RAM_BASE + 0x1000;
const DATA = RAM_BASE + 0x10000;
const AMO_PAGE = RAM_BASE + 0x30000;
const gfn = (gpa: number) => (gpa - RAM_BASE) >>> 12;

/** An M-mode hart whose p2m has a dirty log, run by the interpreter or the JIT. */
function machine(engine: 'interpreter' | 'jit') {
  const mem = HostMemory.create(GUEST_BYTES + 65536);
  const control = new Int32Array(new SharedArrayBuffer(32));
  const dirty = new DirtyLog(new SharedArrayBuffer(DirtyLog.bytes(GUEST_BYTES >>> 12)), control, 5);
  const p2m = new P2m(RAM_BASE, GUEST_BYTES >>> 12, undefined, undefined, dirty);
  p2m.mapLinear(0);
  const hart = new Hart(new HartState(), mem, p2m, new MmioBus(), { clock: { now: () => 0 } });
  if (engine === 'jit') {
    const first = GUEST_BYTES >>> 12;
    hart.engine = new JitEngine(
      mem,
      mem.wasm!,
      Array.from({ length: JIT_FRAMES }, (_, k) => first + k),
      hart.ctab,
      { hotThreshold: 8, batchWait: 0 },
    );
  }
  // Stores to x3 pages from DATA on (stride x5), then an AMO on AMO_PAGE, forever.
  const program = [
    asm.sw(2, 4, 0),
    asm.addi(2, 2, 1),
    asm.add(4, 4, 5),
    asm.addi(6, 6, 1),
    asm.bne(6, 3, -16),
    asm.amo(0, 0, 7, 2), // amoadd.w x0, x2, (x7)
    asm.addi(6, 0, 0),
    asm.addi(4, 1, 0),
    asm.jal(0, -32),
  ];
  program.forEach((w, i) => (mem.ram32[p2m.hostOffset(CODE + 4 * i) >> 2] = w));
  const begin = (pages: number) => {
    hart.reset(0, CODE, PRIV.M);
    Object.assign(hart.x, { 1: DATA, 3: pages, 4: DATA, 5: 4096, 6: 0, 7: AMO_PAGE });
  };
  return { hart, dirty, begin };
}

describe.each(['interpreter', 'jit'] as const)('dirty-page logging under the %s', (engine) => {
  it('reports exactly the pages stored to, and after a collect and a flush only the new ones', () => {
    const { hart, dirty, begin } = machine(engine);
    begin(5);
    hart.run(2000); // warm: TLB entries exist before logging starts
    dirty.setEnabled(true);
    hart.flushTlb(); // startDirtyLog's shootdown
    hart.run(20_000);
    const stored = [0, 1, 2, 3, 4].map((k) => gfn(DATA) + k);
    expect(Array.from(dirty.collect())).toEqual([...stored, gfn(AMO_PAGE)]);
    hart.flushTlb(); // collectDirtyLog's shootdown

    begin(1);
    hart.run(20_000);
    expect(Array.from(dirty.collect())).toEqual([gfn(DATA), gfn(AMO_PAGE)]);
    hart.flushTlb();

    dirty.setEnabled(false);
    hart.run(20_000);
    expect(dirty.count()).toBe(0);
    if (engine === 'jit')
      expect((hart.engine as JitEngine).cache.stats.compiles).toBeGreaterThan(0);
  });
});
