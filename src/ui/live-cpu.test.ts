import { afterEach, describe, expect, it, vi } from 'vitest';
import { SchedState, VF } from '../hypervisor/host/sched-state';
import { VcpuScheduler } from '../hypervisor/host/scheduler';
import type { HostSession } from './host.svelte';
import { LiveCpu, liveCpu } from './live-cpu.svelte';

/**
 * LiveCpu over a real scheduler state: the CPU share and the MIPS it shows
 * are what the vCPUs' counters (VF.RUNTIME_MS, VF.INSTRUCTIONS) grew by
 * over the last second of (here simulated) frames.
 */
afterEach(() => vi.restoreAllMocks());

function rig() {
  const st = new SchedState();
  const sched = new VcpuScheduler(st);
  const slots = [sched.assign(0, 0, 0), sched.assign(0, 1, 0), sched.assign(1, 0, 0)];
  const host = {
    sched: st,
    domains: [
      { name: 'fast', state: 'running', vcpuSlots: slots.slice(0, 2) },
      { name: 'slow', state: 'running', vcpuSlots: [slots[2]] },
      { name: 'off', state: 'shut off' },
    ],
  } as unknown as HostSession;
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const frames: FrameRequestCallback[] = [];
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
  vi.stubGlobal('cancelAnimationFrame', () => undefined);
  const live = new LiveCpu(host);
  live.start();
  /** `ms` of frames 16 ms apart; each vCPU runs `busy` of every ms and retires `perMs[i]` instructions a ms. */
  const run = (ms: number, busy: number[], perMs: number[]) => {
    for (let t = 0; t < ms; t += 16) {
      now += 16;
      slots.forEach((slot, i) => {
        st.vcpuF(slot)[VF.RUNTIME_MS] += 16 * busy[i];
        st.vcpuF(slot)[VF.INSTRUCTIONS] += 16 * perMs[i];
      });
      frames.shift()?.(now);
    }
  };
  return { live, run };
}

describe('LiveCpu', () => {
  it("shows each running domain's CPU share and guest MIPS over the last second", () => {
    const { live, run } = rig();
    // fast: two vCPUs, one busy at 1000 MIPS, one idle; slow: one vCPU busy at 100 MIPS.
    run(2000, [1, 0, 1], [1_000_000, 0, 100_000]);
    const { fast, slow } = live.usage;
    expect(Object.keys(live.usage).sort()).toEqual(['fast', 'slow']);
    expect(fast.pct).toBeCloseTo(50, 0);
    expect(fast.mips).toBeCloseTo(1000, 0);
    expect(slow.pct).toBeCloseTo(100, 0);
    expect(slow.mips).toBeCloseTo(100, 0);
    expect(fast.mipsHistory.length).toBeGreaterThan(2);
    // The guest stops working: a second later its MIPS are gone, its history keeps the past.
    run(1200, [0, 0, 0], [0, 0, 0]);
    expect(live.usage.fast.mips).toBe(0);
    expect(Math.max(...live.usage.fast.mipsHistory)).toBeGreaterThan(900);
  });

  it('is one per host, its frame loop running while any view shows it', () => {
    const host = { sched: undefined, domains: [] } as unknown as HostSession;
    expect(liveCpu(host)).toBe(liveCpu(host));
    const frames: FrameRequestCallback[] = [];
    let cancelled = 0;
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => cancelled++);
    const cpu = liveCpu(host);
    cpu.start(); // the domain list
    cpu.start(); // the engines view
    expect(frames).toHaveLength(1); // one loop, not two
    cpu.stop();
    expect(cancelled).toBe(0);
    cpu.stop();
    expect(cancelled).toBe(1);
  });
});
