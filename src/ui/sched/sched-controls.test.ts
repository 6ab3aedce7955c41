import { describe, expect, it } from 'vitest';
import { H, SchedState, V, VCPU_STATE, VF } from '../../hypervisor/host/sched-state';
import {
  changedParams,
  parsePin,
  parseQuota,
  parseShares,
  parseVcpuCount,
  schedinfoCommand,
  setvcpusCommand,
  vcpupinCommand,
} from './sched-commands';
import { formatDuration, readVcpuRows } from './vcpu-rows';
import { formatOffset, tickStep, TimelineView } from './timeline-view';

describe('scheduling controls', () => {
  it('shows the equivalent virsh commands', () => {
    expect(schedinfoCommand('vm1', { shares: 2048 })).toBe(
      'virsh schedinfo vm1 --set cpu_shares=2048 --live',
    );
    expect(schedinfoCommand('vm1', { periodUs: 100000, quotaUs: 50000 })).toBe(
      'virsh schedinfo vm1 --set vcpu_period=100000 --set vcpu_quota=50000 --live',
    );
    expect(vcpupinCommand('vm1', 0, '1')).toBe('virsh vcpupin vm1 0 1 --live');
    expect(vcpupinCommand('vm1', 1, '0-3,^2')).toBe("virsh vcpupin vm1 1 '0-3,^2' --live");
    expect(setvcpusCommand('my vm', 2)).toBe("virsh setvcpus 'my vm' 2 --live");
  });

  it('validates as cgroups and libvirt do', () => {
    expect(parseShares('2048')).toEqual({ ok: true, value: 2048 });
    expect(parseShares('1')).toMatchObject({
      ok: false,
      error: { key: 'sched:controls.sharesRange' },
    });
    expect(parseShares('1.5')).toMatchObject({ ok: false });
    expect(parseQuota('-1')).toEqual({ ok: true, value: -1 });
    expect(parseQuota('\u22121')).toEqual({ ok: true, value: -1 });
    expect(parseQuota('500')).toMatchObject({ ok: false });
    expect(parseVcpuCount('3', 2)).toMatchObject({ ok: false, error: { params: { max: 2 } } });
    expect(parsePin('0-1,^0', 2)).toEqual({ ok: true, value: '0-1,^0' });
    expect(parsePin('0-3', 2)).toMatchObject({ ok: false, message: /2 pCPU/ });
    expect(
      changedParams(
        { shares: 1024, quotaUs: 5000 },
        { shares: 1024, quotaUs: -1, periodUs: 100000 },
      ),
    ).toEqual({
      quotaUs: 5000,
    });
  });
});

describe('vCPU placement table', () => {
  it('reads state, placement and counters brought up to now', () => {
    const st = new SchedState();
    st.header[H.NPCPU] = 2;
    const a = st.vcpu(3);
    a[V.STATE] = VCPU_STATE.RUNNING;
    a[V.RUNNING_ON] = 1;
    a[V.LAST_PCPU] = 1;
    a[V.PIN_MASK] = -1;
    a[V.MIGRATIONS] = 4;
    st.vcpuF(3)[VF.RUNTIME_MS] = 100;
    st.vcpuF(3)[VF.SINCE] = 1000;
    const b = st.vcpu(5);
    b[V.STATE] = VCPU_STATE.BLOCKED;
    b[V.PIN_MASK] = 0b10;
    b[V.LAST_PCPU] = -1;
    st.vcpuF(5)[VF.BLOCKED_MS] = 10;
    st.vcpuF(5)[VF.SINCE] = 1040;
    st.vcpuF(5)[VF.INSTRUCTIONS] = 123_456_789;
    const rows = readVcpuRows(st, [3, 5], 1050);
    expect(rows[0]).toMatchObject({
      vcpu: 0,
      state: 'running',
      pcpu: 1,
      affinity: '0-1',
      runMs: 150,
      migrations: 4,
    });
    expect(rows[1]).toMatchObject({
      vcpu: 1,
      state: 'halted',
      pcpu: -1,
      affinity: '1',
      blockedMs: 20,
      instructions: 123_456_789,
    });
    b[V.PAUSED] = 1;
    expect(readVcpuRows(st, [5], 1050)[0].state).toBe('paused');
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
  });
});

describe('timeline view', () => {
  it('zooms around a point, pans out of live mode, never past the present', () => {
    const v = new TimelineView();
    expect(v.window(50_000)).toEqual([40_000, 50_000]);
    v.zoom(0.5, 1, 50_000);
    expect(v.window(50_000)).toEqual([45_000, 50_000]);
    v.key('a', 50_000);
    expect(v.live).toBe(false);
    expect(v.window(60_000)).toEqual([44_500, 49_500]);
    v.zoom(2, 0.5, 60_000); // around 47 000
    expect(v.window(60_000)).toEqual([42_000, 52_000]);
    v.pan(10, 60_000);
    expect(v.window(60_000)[1]).toBe(60_000);
  });

  it('labels the ruler at 1-2-5 steps', () => {
    expect(tickStep(10_000, 1000)).toBe(1000);
    expect(tickStep(10_000, 390)).toBe(5000);
    expect(formatOffset(-2000, 1000)).toBe('\u22122 s');
    expect(formatOffset(-250, 50)).toBe('\u2212250 ms');
    expect(formatOffset(0, 50)).toBe('0');
  });
});
