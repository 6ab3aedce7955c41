import { describe, expect, it } from 'vitest';
import { BalloonPolicy, POLICY, type PolicyGuest } from './balloon-policy';

const MiB = 256; // pages

function guest(name: string, freeMiB: number, over: Partial<PolicyGuest> = {}): PolicyGuest {
  return {
    name,
    maxPages: 64 * MiB,
    userPages: 0,
    actualPages: 0,
    freePages: freeMiB * MiB,
    statsPeriodS: 1,
    pausedForMemory: false,
    ...over,
  };
}

function recorder() {
  const targets = new Map<string, number>();
  const periods = new Map<string, number>();
  const resumed: string[] = [];
  return {
    targets,
    periods,
    resumed,
    act: {
      setBalloonTarget: (n: string, p: number) => void targets.set(n, p),
      setStatsPeriod: (n: string, s: number) => void periods.set(n, s),
      resume: (n: string) => void resumed.push(n),
    },
  };
}

describe('BalloonPolicy', () => {
  it('reclaims from the guest with the most free memory first, keeping its reserve', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    const total = 256 * MiB;
    const took = p.step(10 * MiB, total, [guest('a', 40), guest('b', 8)], r.act);
    expect(took).toBeGreaterThan(0);
    expect(r.targets.get('a')).toBe(Math.min(POLICY.STEP, total * POLICY.TARGET - 10 * MiB));
    expect(r.targets.has('b')).toBe(false);
  });

  it('never takes a guest below its reserve or floor, nor from one with no stats', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    p.step(0, 256 * MiB, [guest('a', 8), guest('n', NaN, { statsPeriodS: 0 })], r.act);
    expect(r.targets.size).toBe(0);
    expect(r.periods.get('n')).toBe(POLICY.STATS_PERIOD_S);
  });

  it('adds to the user target, waits for the balloon, and gives pages back when the host has plenty', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    const a = guest('a', 50, { userPages: 1000, actualPages: 1000 });
    p.step(0, 256 * MiB, [a], r.act);
    const first = r.targets.get('a')!;
    expect(first).toBe(1000 + POLICY.STEP);
    // The balloon has not reached the target yet: no second squeeze.
    p.step(0, 256 * MiB, [a], r.act);
    expect(r.targets.get('a')).toBe(first);
    // Plenty of memory again: deflate back to the user's target.
    p.step(200 * MiB, 256 * MiB, [{ ...a, actualPages: first }], r.act);
    expect(r.targets.get('a')).toBe(1000);
    expect(p.taken.size).toBe(0);
  });

  it('resumes guests paused for memory once free memory is back', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    p.step(0, 256 * MiB, [guest('x', 1, { pausedForMemory: true })], r.act);
    expect(r.resumed).toEqual([]);
    p.step(100 * MiB, 256 * MiB, [guest('x', 1, { pausedForMemory: true })], r.act);
    expect(r.resumed).toEqual(['x']);
  });
});
