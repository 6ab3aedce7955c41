import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLIC_WORD, Plic, plicLayout } from './plic';
import { MIP } from './interrupts';
import type { PlicStressDone, PlicStressJob, PlicStressOffsets } from './plic.stress-worker';
import { plicContext } from '../board/virt-board';
import { startNodeWorker } from '../../../tools/lib/node-worker';

const priority = (src: number): number => 4 * src;
const pending = (word: number): number => 0x1000 + 4 * word;
const enable = (ctx: number, word = 0): number => 0x2000 + 0x80 * ctx + 4 * word;
const threshold = (ctx: number): number => 0x20_0000 + 0x1000 * ctx;
const claim = (ctx: number): number => threshold(ctx) + 4;

function setup(harts = 2) {
  const calls: [number, number, boolean][] = [];
  const mip = new Map<string, boolean>();
  const plic = new Plic({
    harts,
    ndev: 96,
    sink: {
      setPending: (hart, bit, level) => {
        calls.push([hart, bit, level]);
        mip.set(`${hart}:${bit}`, level);
      },
    },
  });
  const eip = (hart: number, bit: number): boolean => mip.get(`${hart}:${bit}`) ?? false;
  return { plic, calls, eip };
}

const S0 = plicContext(0, 'S');
const M0 = plicContext(0, 'M');

describe('Plic', () => {
  it('pends a raised source and signals the context that enables it', () => {
    const { plic, calls, eip } = setup();
    plic.write(priority(10), 1, 4);
    plic.write(enable(S0), 1 << 10, 4);
    expect(calls).toEqual([]);
    plic.irqLine(10).set(true);
    expect(plic.read(pending(0), 4)).toBe(1 << 10);
    expect(calls).toEqual([[0, MIP.SEIP, true]]);
    expect(eip(0, MIP.MEIP)).toBe(false);
    expect(eip(1, MIP.SEIP)).toBe(false);
  });

  it('drives M and S outputs of each hart independently', () => {
    const { plic, eip } = setup();
    plic.write(priority(1), 1, 4);
    plic.write(priority(2), 1, 4);
    plic.write(enable(plicContext(1, 'M')), 1 << 1, 4);
    plic.write(enable(plicContext(1, 'S')), 1 << 2, 4);
    plic.setLevel(1, true);
    expect(eip(1, MIP.MEIP)).toBe(true);
    expect(eip(1, MIP.SEIP)).toBe(false);
    plic.setLevel(2, true);
    expect(eip(1, MIP.SEIP)).toBe(true);
    expect(eip(0, MIP.MEIP) || eip(0, MIP.SEIP)).toBe(false);
  });

  it('claims the highest priority first, lowest id on ties', () => {
    const { plic } = setup();
    plic.write(priority(3), 2, 4);
    plic.write(priority(5), 6, 4);
    plic.write(priority(7), 6, 4);
    plic.write(enable(S0), (1 << 3) | (1 << 5) | (1 << 7), 4);
    for (const s of [3, 5, 7]) plic.setLevel(s, true);
    expect(plic.read(claim(S0), 4)).toBe(5);
    expect(plic.read(claim(S0), 4)).toBe(7);
    expect(plic.read(claim(S0), 4)).toBe(3);
    expect(plic.read(claim(S0), 4)).toBe(0);
  });

  it('masks sources at or below the threshold, and priority 0 never interrupts', () => {
    const { plic, eip } = setup();
    plic.write(priority(4), 3, 4);
    plic.write(enable(S0), (1 << 4) | (1 << 6), 4);
    plic.setLevel(6, true); // priority 0
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.setLevel(4, true);
    expect(eip(0, MIP.SEIP)).toBe(true);
    plic.write(threshold(S0), 3, 4);
    expect(plic.read(threshold(S0), 4)).toBe(3);
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.write(threshold(S0), 2, 4);
    expect(eip(0, MIP.SEIP)).toBe(true);
  });

  it('honours enable masks per context', () => {
    const { plic, eip } = setup();
    plic.write(priority(40), 1, 4);
    plic.setLevel(40, true);
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.write(enable(S0, 1), 1 << 8, 4);
    expect(plic.read(enable(S0, 1), 4)).toBe(1 << 8);
    expect(eip(0, MIP.SEIP)).toBe(true);
    expect(plic.read(claim(S0), 4)).toBe(40);
  });

  it('blocks a claimed source until complete, then re-pends it while the line is high', () => {
    const { plic, eip, calls } = setup();
    plic.write(priority(10), 1, 4);
    plic.write(enable(S0), 1 << 10, 4);
    plic.setLevel(10, true);
    expect(plic.read(claim(S0), 4)).toBe(10);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(eip(0, MIP.SEIP)).toBe(false);
    // Toggling the line while claimed does not pend it.
    plic.setLevel(10, false);
    plic.setLevel(10, true);
    expect(plic.read(pending(0), 4)).toBe(0);
    plic.write(claim(S0), 10, 4);
    expect(plic.read(pending(0), 4)).toBe(1 << 10);
    expect(eip(0, MIP.SEIP)).toBe(true);
    // Serviced: the device drops its line, so after completion nothing is pending.
    expect(plic.read(claim(S0), 4)).toBe(10);
    plic.setLevel(10, false);
    plic.write(claim(S0), 10, 4);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(eip(0, MIP.SEIP)).toBe(false);
    // Outputs are reported only on change.
    expect(calls.filter(([, bit]) => bit === MIP.SEIP).map(([, , l]) => l)).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('drops pending when the line falls before a claim', () => {
    const { plic, eip } = setup();
    plic.write(priority(2), 1, 4);
    plic.write(enable(M0), 1 << 2, 4);
    plic.setLevel(2, true);
    expect(eip(0, MIP.MEIP)).toBe(true);
    plic.setLevel(2, false);
    expect(eip(0, MIP.MEIP)).toBe(false);
    expect(plic.read(claim(M0), 4)).toBe(0);
  });

  it('ignores completion for a source the context does not enable', () => {
    const { plic } = setup();
    plic.write(priority(9), 1, 4);
    plic.write(enable(S0), 1 << 9, 4);
    plic.setLevel(9, true);
    expect(plic.read(claim(S0), 4)).toBe(9);
    const before = plic.ignoredAccesses;
    plic.write(claim(M0), 9, 4);
    expect(plic.ignoredAccesses).toBe(before + 1);
    expect(plic.read(pending(0), 4)).toBe(0);
    plic.write(claim(S0), 9, 4);
    expect(plic.read(pending(0), 4)).toBe(1 << 9);
  });

  it('masks priorities to 3 bits and hardwires source 0 and sources past ndev', () => {
    const { plic } = setup();
    plic.write(priority(1), 0xff, 4);
    expect(plic.read(priority(1), 4)).toBe(7);
    plic.write(priority(0), 5, 4);
    expect(plic.read(priority(0), 4)).toBe(0);
    plic.write(priority(97), 5, 4);
    expect(plic.read(priority(97), 4)).toBe(0);
    plic.write(enable(S0), 0xffff_ffff, 4);
    expect(plic.read(enable(S0), 4)).toBe(0xffff_fffe);
    plic.write(enable(S0, 3), 0xffff_ffff, 4);
    expect(plic.read(enable(S0, 3), 4)).toBe(1); // source 96 only
    expect(() => plic.irqLine(0)).toThrow(RangeError);
    expect(() => plic.irqLine(97)).toThrow(RangeError);
  });

  it('tolerates garbage accesses', () => {
    const { plic, calls } = setup();
    plic.write(pending(0), 0xffff_ffff, 4);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(plic.read(priority(1), 1)).toBe(0);
    plic.write(priority(1) + 2, 7, 2);
    expect(plic.read(priority(1), 4)).toBe(0);
    expect(plic.read(threshold(4), 4)).toBe(0); // context 4 absent with 2 harts
    plic.write(claim(4), 1, 4);
    plic.write(threshold(0) + 8, 1, 4);
    expect(plic.read(0x5f_fffc, 4)).toBe(0);
    expect(plic.ignoredAccesses).toBeGreaterThanOrEqual(6);
    expect(calls).toEqual([]);
  });
});

describe('Plic shared state', () => {
  function recorder() {
    const calls: [number, number, boolean][] = [];
    return {
      calls,
      sink: { setPending: (h: number, b: number, l: boolean) => calls.push([h, b, l]) },
    };
  }

  it('is one controller behind every view of its buffer; the view that flips an output reports it', () => {
    const a = recorder();
    const b = recorder();
    const pa = new Plic({ harts: 2, ndev: 96, sink: a.sink });
    const pb = new Plic({ harts: 2, ndev: 96, sink: b.sink, shared: pa.shared });
    expect(pa.shared.byteLength).toBe(Plic.sharedBytes(2, 96));
    pa.write(priority(10), 3, 4);
    pa.write(enable(S0), 1 << 10, 4);
    expect(pb.read(priority(10), 4)).toBe(3);
    expect(pb.read(enable(S0), 4)).toBe(1 << 10);
    pb.irqLine(10).set(true);
    expect(pa.read(pending(0), 4)).toBe(1 << 10);
    expect(b.calls).toEqual([[0, MIP.SEIP, true]]);
    expect(pa.read(claim(S0), 4)).toBe(10);
    expect(a.calls).toEqual([[0, MIP.SEIP, false]]);
    expect(pb.read(claim(S0), 4)).toBe(0); // claimed through the other view
    pb.write(claim(S0), 10, 4); // line still high: pends again
    expect(b.calls.at(-1)).toEqual([0, MIP.SEIP, true]);
    expect(pa.read(pending(0), 4)).toBe(1 << 10);
    // No view re-reports an edge another view already reported.
    pa.write(threshold(S0), 0, 4);
    expect(a.calls.length + b.calls.length).toBe(3);
    pb.read(priority(1), 1);
    expect(pa.ignoredAccesses).toBe(1);
  });

  it('starts from a zero-filled buffer and refuses one of another geometry', () => {
    const shared = new SharedArrayBuffer(Plic.sharedBytes(1, 31));
    const p = new Plic({ harts: 1, ndev: 31, sink: recorder().sink, shared });
    expect(p.shared).toBe(shared);
    expect(p.read(threshold(1), 4)).toBe(0);
    expect(() => new Plic({ harts: 1, ndev: 30, sink: recorder().sink, shared })).toThrow(
      RangeError,
    );
    expect(
      () =>
        new Plic({
          harts: 1,
          ndev: 96,
          sink: recorder().sink,
          shared: new SharedArrayBuffer(Plic.sharedBytes(1, 31)),
        }),
    ).toThrow(RangeError);
    expect(() => Plic.sharedBytes(0, 31)).toThrow(RangeError);
  });

  it('keeps its invariants with lines, claims and completions on four threads', async () => {
    const harts = 2;
    const ndev = 70;
    const contexts = 2 * harts;
    const n = ndev + 1;
    const at: PlicStressOffsets = {
      ready: 0,
      start: 1,
      stop: 2,
      claims: 3,
      badEnable: 4,
      badStale: 5,
      badOwner: 6,
      badEdge: 7,
      raises: 8,
      lowers: 8 + n,
      owner: 8 + 2 * n,
      edges: 8 + 3 * n,
    };
    const stats = new Int32Array(new SharedArrayBuffer(4 * (at.edges + 3 * contexts)));
    const main = recorder();
    const plic = new Plic({ harts, ndev, sink: main.sink });
    // Sources in three enable words; 50 is enabled nowhere; M contexts enable nothing.
    const prio: Record<number, number> = { 3: 1, 31: 2, 40: 3, 50: 5, 64: 7 };
    for (const [s, p] of Object.entries(prio)) plic.write(priority(Number(s)), p, 4);
    const S1 = plicContext(1, 'S');
    const enabled: Record<number, number[]> = { [S0]: [3, 31, 40, 64], [S1]: [3, 40, 64] };
    for (const [ctx, srcs] of Object.entries(enabled)) {
      for (let w = 0; w < 3; w++) {
        const bits = srcs.filter((s) => s >>> 5 === w).reduce((m, s) => m | (1 << (s & 31)), 0);
        plic.write(enable(Number(ctx), w), bits, 4);
      }
    }
    const leaveHigh = [3, 64];
    const roles: PlicStressJob['role'][] = [
      { kind: 'device', sources: [3, 40], rounds: 4000, leaveHigh: [3] },
      { kind: 'device', sources: [31, 50, 64], rounds: 4000, leaveHigh: [64] },
      { kind: 'hart', context: S0, enabled: enabled[S0] },
      { kind: 'hart', context: S1, enabled: enabled[S1] },
    ];
    const entry = join(import.meta.dirname, 'plic.stress-worker.ts');
    const workers = await Promise.all(roles.map(() => startNodeWorker(entry)));
    try {
      const done = workers.map(
        (w) =>
          new Promise<PlicStressDone>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      );
      roles.forEach((role, i) =>
        workers[i].postMessage({
          harts,
          ndev,
          plic: plic.shared,
          stats: stats.buffer as SharedArrayBuffer,
          at,
          role,
        } satisfies PlicStressJob),
      );
      while (Atomics.load(stats, at.ready) < roles.length) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      Atomics.store(stats, at.start, 1);
      Atomics.notify(stats, at.start);
      const devices = await Promise.all(done.slice(0, 2));
      Atomics.store(stats, at.stop, 1);
      const claimers = await Promise.all(done.slice(2));
      expect(devices.every((d) => d.operations > 0)).toBe(true);
      expect(claimers.every((d) => d.operations > 0)).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }

    const words = new Int32Array(plic.shared);
    const L = plicLayout(harts, ndev);
    expect(Atomics.load(words, PLIC_WORD.LOCK)).toBe(0);
    expect(Atomics.load(stats, at.claims)).toBeGreaterThan(0);
    expect({
      badEnable: stats[at.badEnable],
      badStale: stats[at.badStale],
      badOwner: stats[at.badOwner],
      badEdge: stats[at.badEdge],
    }).toEqual({ badEnable: 0, badStale: 0, badOwner: 0, badEdge: 0 });
    expect(plic.ignoredAccesses).toBe(0); // every completion was accepted

    // At rest: nothing claimed, pending exactly the lines left high.
    for (let s = 1; s <= ndev; s++) {
      const high = leaveHigh.includes(s) ? 1 : 0;
      expect([s, words[L.level + s], words[L.claimed + s]]).toEqual([s, high, 0]);
      expect([s, (plic.read(pending(s >>> 5), 4) >>> (s & 31)) & 1]).toEqual([s, high]);
    }
    // Outputs: the S contexts see a pending enabled source, the M contexts never did.
    const outputs = Array.from(words.subarray(L.output, L.output + contexts));
    expect(outputs).toEqual([0, 1, 0, 1]);
    for (let ctx = 0; ctx < contexts; ctx++) {
      const [rises, falls, last] = stats.subarray(at.edges + 3 * ctx, at.edges + 3 * ctx + 3);
      expect({ ctx, balance: rises - falls, last }).toEqual({
        ctx,
        balance: outputs[ctx],
        last: outputs[ctx],
      });
      if (outputs[ctx] === 0) expect(rises).toBe(0);
      else expect(rises).toBeGreaterThan(1);
    }
    expect(main.calls).toEqual([]);
  });
});
