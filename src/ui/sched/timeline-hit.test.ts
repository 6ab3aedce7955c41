import { describe, expect, it } from 'vitest';
import { SLICE_END } from '../../hypervisor/host/sched-state';
import { SchedTrace, type SlotOwner } from './sched-trace';
import { hitTest, sharesJson, summarise } from './timeline-hit';
import { geometry } from './timeline-render';

const OWNERS = new Map<number, SlotOwner>([
  [0, { domain: 'vm1', index: 0 }],
  [1, { domain: 'vm2', index: 0 }],
]);

function trace(): SchedTrace {
  const t = new SchedTrace();
  // pCPU 0: vm1 [0, 40), vm2 [40, 60), vm1 [60, 100).
  t.ingest({ pcpu: 0, vcpu: 0, vm: 0, start: 0, end: 40, why: SLICE_END.PREEMPTED }, OWNERS);
  t.ingest({ pcpu: 0, vcpu: 1, vm: 1, start: 40, end: 60, why: SLICE_END.WFI }, OWNERS);
  t.ingest({ pcpu: 0, vcpu: 0, vm: 0, start: 60, end: 100, why: SLICE_END.PREEMPTED }, OWNERS);
  return t;
}

describe('timeline hit-testing and summaries', () => {
  it('finds the vCPU under the pointer in a lane, on a track and on a label', () => {
    const t = trace();
    const geo = geometry(1100, 1, [0, 1]);
    const lane = geo.rows[0];
    const track = geo.rows[2];
    const x = (ms: number) => geo.gutter + (ms / 100) * geo.plotW;
    expect(hitTest(t, undefined, geo, 0, 100, 100, x(20), lane.y + 5)).toBe(0);
    expect(hitTest(t, undefined, geo, 0, 100, 100, x(50), lane.y + 5)).toBe(1);
    expect(hitTest(t, undefined, geo, 0, 100, 100, x(50), track.y + 2)).toBe(1);
    expect(hitTest(t, undefined, geo, 0, 100, 100, 5, track.y + 2)).toBe(1);
    expect(hitTest(t, undefined, geo, 0, 100, 100, x(50), 2)).toBe(-1);
  });

  it('summarises each vCPU over the window and each domain share of busy time', () => {
    const t = trace();
    const rows = summarise(t, undefined, 0, 100);
    expect(rows.map((r) => [r.domain, r.run])).toEqual([
      ['vm1', 0.8],
      ['vm2', 0.2],
    ]);
    expect(rows[0].steal).toBeCloseTo(0.2);
    expect(summarise(t, 'vm2', 0, 100)).toHaveLength(1);
    expect(sharesJson(t.shares(0, 100))).toBe('{"vm1":0.8,"vm2":0.2}');
  });
});
