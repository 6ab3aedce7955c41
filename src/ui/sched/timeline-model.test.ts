import { describe, expect, it } from 'vitest';
import { SchedState, SLICE_END, V } from '../../hypervisor/host/sched-state';
import { TRACE_EXIT_SPAN, TraceRing } from '../../hypervisor/host/trace-ring';
import { BinCache, bucketMs, layoutRuns, Runs } from './lod';
import { SchedTrace, TRACK, type SlotOwner } from './sched-trace';
import { SegmentSeries } from './segment-series';

function series(segs: [number, number, number][]): SegmentSeries {
  const s = new SegmentSeries(4);
  for (const [a, b, v] of segs) s.push(a, b, v);
  return s;
}

describe('SegmentSeries', () => {
  it('keeps segments in order, clamps overlaps, drops empty ones', () => {
    const s = series([
      [0, 10, 1],
      [8, 20, 2],
      [20, 20, 3],
      [30, 40, 1],
    ]);
    expect(s.length).toBe(3);
    expect([...s.starts.subarray(s.head, s.tail)]).toEqual([0, 10, 30]);
    expect(s.lastEnd).toBe(40);
  });

  it('finds segments by time and totals covered time from running sums', () => {
    const s = series([
      [0, 10, 1],
      [15, 20, 2],
      [30, 40, 1],
    ]);
    expect(s.firstEndingAfter(10)).toBe(1);
    expect(s.firstEndingAfter(9.9)).toBe(0);
    expect(s.firstStartingAt(15)).toBe(1);
    expect(s.covered(0, 100)).toBe(25);
    expect(s.covered(5, 35)).toBe(5 + 5 + 5);
    expect(s.covered(11, 14)).toBe(0);
    for (let from = 0; from < 3; from++)
      for (const t of [-1, 0, 9, 10, 16, 20, 35, 40, 99])
        expect(s.gallopEndingAfter(t, from)).toBe(Math.max(from, s.firstEndingAfter(t)));
  });

  it('grows, evicts from the front and stays correct after compaction', () => {
    const s = new SegmentSeries(4, 64);
    for (let i = 0; i < 200; i++) s.push(i * 10, i * 10 + 5, i % 3);
    expect(s.length).toBe(64); // capped: the oldest went
    expect(s.firstStart).toBe(1360);
    s.evictBefore(1500);
    expect(s.firstStart).toBe(1500);
    expect(s.covered(1500, 1600)).toBe(50);
    expect(s.covered(0, 1e9)).toBe(s.length * 5);
  });
});

describe('layoutRuns (level of detail)', () => {
  it('uses power-of-two buckets, about two per pixel', () => {
    expect(bucketMs(1000, 500)).toBe(1);
    expect(bucketMs(10_000, 1000)).toBe(4);
    expect(Math.log2(bucketMs(600_000, 1234)) % 1).toBe(0);
  });

  it('draws few segments one by one, merging neighbours of one value', () => {
    const s = series([
      [0, 10, 1],
      [10.001, 20, 1],
      [50, 60, 2],
    ]);
    const out = new Runs();
    expect(layoutRuns(s, 0, 100, 1000, out)).toBe(false);
    expect(out.length).toBe(2);
    expect(out.x0[0]).toBeCloseTo(0);
    expect(out.x1[0]).toBeCloseTo(200);
    expect(out.value[1]).toBe(2);
    expect(out.x0[1]).toBeCloseTo(500);
  });

  it('bins many segments into at most one rectangle a pixel, with exact coverage', () => {
    // 10 minutes of 1 ms slices every 2 ms, alternating two vCPUs: 300 000 segments.
    const s = new SegmentSeries(1024, 1 << 20);
    for (let i = 0; i < 300_000; i++) s.push(i * 2, i * 2 + 1, 1 + (i & 1));
    const out = new Runs();
    const cache = new BinCache();
    const width = 1000;
    expect(layoutRuns(s, 0, 600_000, width, out, cache)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(width + 1);
    let covered = 0;
    for (let i = 0; i < out.length; i++) {
      expect(out.fill[i]).toBeCloseTo(0.5, 2);
      covered += (out.x1[i] - out.x0[i]) * out.fill[i];
    }
    expect(covered).toBeCloseTo(width / 2, 0);
    // The second frame of the same window comes from the cache.
    const misses = cache.misses;
    layoutRuns(s, 0, 600_000, width, out, cache);
    expect(cache.misses - misses).toBeLessThanOrEqual(1);
  });

  it('gives a pixel column to what covers most of it: a sliver across a pixel edge does not show', () => {
    const s = series([
      [0, 10.9, 1],
      [10.9, 10.95, 2],
      [10.95, 30, 1],
    ]);
    const out = new Runs();
    layoutRuns(s, 0, 30, 30, out);
    expect(out.length).toBe(1);
    expect([out.x0[0], out.x1[0], out.value[0]]).toEqual([0, 30, 1]);
    expect(out.fill[0]).toBeCloseTo(1, 5);
  });

  it('leaves empty buckets out', () => {
    const s = new SegmentSeries();
    for (let i = 0; i < 5000; i++) s.push(i * 0.1, i * 0.1 + 0.05, 1); // 0–500 ms busy
    for (let i = 0; i < 5000; i++) s.push(5000 + i * 0.1, 5000 + i * 0.1 + 0.05, 2); // 5000–5500
    const out = new Runs();
    expect(layoutRuns(s, 0, 6000, 600, out)).toBe(true);
    expect(out.length).toBe(2);
    expect(out.x1[0]).toBeCloseTo(50, 0);
    expect(out.x0[1]).toBeCloseTo(500, 0);
    expect(out.value[1]).toBe(2);
  });
});

const OWNERS = new Map<number, SlotOwner>([
  [0, { domain: 'vm1', index: 0 }],
  [1, { domain: 'vm2', index: 0 }],
  [2, { domain: 'vm2', index: 1 }],
]);

function rec(pcpu: number, vcpu: number, vm: number, start: number, end: number, why: number) {
  return { pcpu, vcpu, vm, start, end, why };
}

describe('SchedTrace (state derivation)', () => {
  it('derives runnable, halted and throttled intervals from why each slice ended', () => {
    const t = new SchedTrace();
    t.ingest(rec(0, 0, 0, 0, 4, SLICE_END.PREEMPTED), OWNERS);
    t.ingest(rec(0, 0, 0, 10, 14, SLICE_END.WFI), OWNERS);
    t.ingest(rec(1, 0, 0, 30, 34, SLICE_END.THROTTLED), OWNERS);
    t.ingest(rec(1, 0, 0, 50, 54, SLICE_END.STOPPED), OWNERS);
    t.ingest(rec(1, 0, 0, 90, 94, SLICE_END.PREEMPTED), OWNERS);
    const track = t.tracks[0];
    const segs = [];
    for (let i = track.head; i < track.tail; i++)
      segs.push([track.starts[i], track.ends[i], track.values[i]]);
    expect(segs).toEqual([
      [0, 4, TRACK.RUNNING],
      [4, 10, TRACK.RUNNABLE],
      [10, 14, TRACK.RUNNING],
      [14, 30, TRACK.HALTED],
      [30, 34, TRACK.RUNNING],
      [34, 50, TRACK.THROTTLED],
      [50, 54, TRACK.RUNNING],
      // stopped from 54 to 90: nothing known, nothing drawn
      [90, 94, TRACK.RUNNING],
    ]);
    expect(t.lanes.length).toBe(2);
    expect(t.lanes[1].length).toBe(3);
    expect(t.keys[0]).toMatchObject({ domain: 'vm1', index: 0 });
  });

  it('cuts the exit spans written before a slice out of its running time', () => {
    const t = new SchedTrace();
    t.ingest(rec(0, 0, 0, 0, 10, SLICE_END.PREEMPTED), OWNERS);
    t.ingest(rec(0, 0, 0, 21, 23, TRACE_EXIT_SPAN), OWNERS);
    t.ingest(rec(0, 0, 0, 25, 26, TRACE_EXIT_SPAN), OWNERS);
    t.ingest(rec(0, 0, 0, 20, 30, SLICE_END.WFI), OWNERS);
    // A retried record of a span whose slice is already on the track: dropped.
    t.ingest(rec(0, 0, 0, 5, 6, TRACE_EXIT_SPAN), OWNERS);
    t.ingest(rec(0, 0, 0, 40, 44, SLICE_END.PREEMPTED), OWNERS);
    const track = t.tracks[0];
    const segs = [];
    for (let i = track.head; i < track.tail; i++)
      segs.push([track.starts[i], track.ends[i], track.values[i]]);
    expect(segs).toEqual([
      [0, 10, TRACK.RUNNING],
      [10, 20, TRACK.RUNNABLE],
      [20, 21, TRACK.RUNNING],
      [21, 23, TRACK.EXIT],
      [23, 25, TRACK.RUNNING],
      [25, 26, TRACK.EXIT],
      [26, 30, TRACK.RUNNING],
      [30, 40, TRACK.HALTED],
      [40, 44, TRACK.RUNNING],
    ]);
    // The pCPU lane holds slices only.
    expect(t.lanes[0].length).toBe(3);
    const [tot] = t.totals(0, 50);
    expect([tot.runMs, tot.exitMs, tot.stealMs, tot.blockedMs]).toEqual([21, 3, 10, 10]);
  });

  it('splits a gap where the domain was sampled paused', () => {
    const st = new SchedState();
    const ring = TraceRing.create(64);
    const t = new SchedTrace();
    ring.write({ ...rec(0, 0, 0, 0, 4, SLICE_END.PREEMPTED), instructions: 0 });
    t.update(ring, st, OWNERS, 5);
    st.vcpu(0)[V.PAUSED] = 1;
    t.update(ring, st, OWNERS, 10);
    t.update(ring, st, OWNERS, 15);
    st.vcpu(0)[V.PAUSED] = 0;
    t.update(ring, st, OWNERS, 20);
    expect(Number.isNaN(t.pausedSince(0))).toBe(true);
    ring.write({ ...rec(0, 0, 0, 25, 29, SLICE_END.PREEMPTED), instructions: 0 });
    t.update(ring, st, OWNERS, 30);
    const track = t.tracks[0];
    const segs = [];
    for (let i = track.head; i < track.tail; i++)
      segs.push([track.starts[i], track.ends[i], track.values[i]]);
    expect(segs).toEqual([
      [0, 4, TRACK.RUNNING],
      [4, 10, TRACK.RUNNABLE],
      [10, 20, TRACK.PAUSED],
      [20, 25, TRACK.RUNNABLE],
      [25, 29, TRACK.RUNNING],
    ]);
  });

  it('reads the ring incrementally, retries records still being written, counts lost ones', () => {
    const ring = TraceRing.create(16);
    const t = new SchedTrace();
    for (let i = 0; i < 4; i++)
      ring.write({ ...rec(0, 0, 0, i * 10, i * 10 + 4, SLICE_END.PREEMPTED), instructions: 0 });
    // A writer has reserved record 4 but not finished it; record 5 is complete.
    Atomics.add(ring.head, 0, 2);
    ring.records.set([6, 0, 0, 0, 50, 54, SLICE_END.PREEMPTED, 0], 5 * 8);
    t.update(ring, undefined, OWNERS, 60);
    expect(t.lanes[0].length).toBe(5);
    // Record 4 completes: read on the next update, in its place on the lane (pCPU 1).
    ring.records.set([5, 1, 1, 1, 40, 44, SLICE_END.WFI, 0], 4 * 8);
    t.update(ring, undefined, OWNERS, 61);
    expect(t.lanes[1].length).toBe(1);
    expect(t.lanes[0].length).toBe(5);
    // 40 more records overwrite some never read.
    const t2 = new SchedTrace();
    for (let i = 0; i < 40; i++)
      ring.write({ ...rec(0, 0, 0, 100 + i * 10, 104 + i * 10, 0), instructions: 0 });
    t2.update(ring, undefined, OWNERS, 600);
    expect(t2.lost).toBe(ring.written - 16);
    expect(t2.lanes[0].length).toBe(16);
  });

  it('totals run, steal and blocked time over a selection', () => {
    const t = new SchedTrace();
    t.ingest(rec(0, 0, 0, 0, 4, SLICE_END.PREEMPTED), OWNERS);
    t.ingest(rec(0, 1, 1, 4, 8, SLICE_END.WFI), OWNERS);
    t.ingest(rec(0, 0, 0, 8, 12, SLICE_END.WFI), OWNERS);
    t.ingest(rec(0, 1, 1, 20, 24, SLICE_END.PREEMPTED), OWNERS);
    const [a, b] = t.totals(2, 22);
    expect(a).toMatchObject({ key: 0, runMs: 2 + 4, stealMs: 4, blockedMs: 0 });
    expect(b).toMatchObject({ key: 1, runMs: 4 + 2, stealMs: 0, blockedMs: 12 });
  });

  it("gives each domain's share of busy pCPU time, and a reused slot a new key", () => {
    const t = new SchedTrace();
    for (let i = 0; i < 100; i++) {
      t.ingest(rec(0, 0, 0, i * 10, i * 10 + 6, 0), OWNERS);
      t.ingest(rec(0, 1, 1, i * 10 + 6, i * 10 + 8, 0), OWNERS);
      t.ingest(rec(1, 2, 1, i * 10, i * 10 + 2, 0), OWNERS);
    }
    const shares = t.shares(0, 1000);
    expect(shares.vm1).toBeCloseTo(0.6);
    expect(shares.vm2).toBeCloseTo(0.4);
    const owners = new Map(OWNERS).set(0, { domain: 'vm3', index: 0 });
    t.ingest(rec(0, 0, 5, 2000, 2004, 0), owners);
    expect(t.keys.at(-1)).toMatchObject({ domain: 'vm3', slot: 0, vm: 5 });
    expect(t.keys[0].domain).toBe('vm1');
  });
});
