import { describe, expect, it } from 'vitest';
import { BalloonPolicy, POLICY, type PolicyGuest } from './balloon-policy';

const MiB = 256; // pages
const TOTAL = 256 * MiB;

function guest(name: string, freeMiB: number, over: Partial<PolicyGuest> = {}): PolicyGuest {
  return {
    name,
    maxPages: 64 * MiB,
    userPages: 0,
    actualPages: 0,
    freePages: freeMiB * MiB,
    availablePages: freeMiB * MiB,
    swapIns: 0,
    oomKills: NaN,
    statsAtMs: 1,
    statsPeriodS: 1,
    deflateOnOom: true,
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

/** A first report of each guest (host not short): the policy inflates only once free memory held steady. */
function observe(p: BalloonPolicy, guests: PolicyGuest[]) {
  p.step(
    0,
    TOTAL * 0.2,
    TOTAL,
    guests.map((g) => ({ ...g, statsAtMs: g.statsAtMs - 0.5 })),
    recorder().act,
  );
}

describe('BalloonPolicy', () => {
  it('reclaims from the guest with the most free memory first, keeping its margin, and says why', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    observe(p, [guest('a', 40), guest('b', 8)]);
    const out = p.step(10, 10 * MiB, TOTAL, [guest('a', 40), guest('b', 8)], r.act);
    expect(r.targets.get('a')).toBe(Math.min(POLICY.STEP, TOTAL * POLICY.TARGET - 10 * MiB));
    expect(r.targets.has('b')).toBe(false);
    expect(out).toEqual([
      expect.objectContaining({ domain: 'a', action: 'inflate', pages: r.targets.get('a') }),
    ]);
    expect(out[0].message).toMatch(/^inflated a by \d+ MiB: host free 4 %; it had 40 MiB free$/);
  });

  it('acts on its thresholds as tuned, and refuses thresholds out of order', () => {
    const p = new BalloonPolicy();
    // 20 % free is not short by default (low 10 %)…
    observe(p, [guest('a', 40)]);
    const r = recorder();
    expect(p.step(10, TOTAL * 0.2, TOTAL, [guest('a', 40)], r.act)).toEqual([]);
    // …but is once low is 30 %: it reclaims up to the new target.
    expect(p.setThresholds({ low: 0.3, target: 0.35, high: 0.5 })).toMatchObject({ low: 0.3 });
    const out = p.step(20, TOTAL * 0.2, TOTAL, [guest('a', 40, { statsAtMs: 15 })], r.act);
    expect(out).toEqual([expect.objectContaining({ domain: 'a', action: 'inflate' })]);
    expect(() => p.setThresholds({ low: 0.6 })).toThrow(/0 < low < target < high/);
    expect(() => p.setThresholds({ floor: 2 })).toThrow(
      /floor must be a fraction from 0 to 1, got 2/,
    );
    expect(p.thresholds).toMatchObject({ low: 0.3, target: 0.35, high: 0.5, floor: POLICY.FLOOR });
  });

  it('never touches a balloon without deflate-on-OOM (autodeflate off)', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    const out = p.step(
      10,
      0,
      TOTAL,
      [guest('a', 40, { deflateOnOom: false, statsPeriodS: 0 })],
      r.act,
    );
    expect(out).toEqual([]);
    expect(r.targets.size).toBe(0);
    expect(r.periods.size).toBe(0);
  });

  it('never takes a guest below its margin or floor, nor from one with no stats', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    p.step(
      10,
      0,
      TOTAL,
      [guest('a', 8), guest('n', NaN, { statsPeriodS: 0, statsAtMs: 0 })],
      r.act,
    );
    expect(r.targets.size).toBe(0);
    expect(r.periods.get('n')).toBe(POLICY.STATS_PERIOD_S);
  });

  it('acts only on statistics that arrived after its last change (never twice on the same figures)', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    let a = guest('a', 50, { statsAtMs: 100 });
    observe(p, [a]);
    p.step(200, 0, TOTAL, [a], r.act);
    expect(r.targets.get('a')).toBe(POLICY.STEP);
    // The balloon reached its target, but the stats are the old ones (the guest may have used that memory).
    a = { ...a, actualPages: POLICY.STEP };
    expect(p.step(700, 0, TOTAL, [a], r.act)).toEqual([]);
    expect(r.targets.get('a')).toBe(POLICY.STEP);
    // Fresh stats: the guest still has 34 MiB free, so another step.
    a = { ...a, freePages: 34 * MiB, statsAtMs: 900 };
    p.step(1000, 0, TOTAL, [a], r.act);
    expect(r.targets.get('a')).toBe(2 * POLICY.STEP);
  });

  it('adds to the user target, waits for the balloon, and gives pages back when the host has plenty', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    const a = guest('a', 50, { userPages: 1000, actualPages: 1000 });
    observe(p, [a]);
    p.step(10, 0, TOTAL, [a], r.act);
    const first = r.targets.get('a')!;
    expect(first).toBe(1000 + POLICY.STEP);
    // The balloon has not reached the target yet: no second squeeze, even on fresh stats.
    p.step(20, 0, TOTAL, [{ ...a, statsAtMs: 15 }], r.act);
    expect(r.targets.get('a')).toBe(first);
    // Plenty of memory again: deflate back to the user's target.
    const out = p.step(30, 200 * MiB, TOTAL, [{ ...a, actualPages: first }], r.act);
    expect(r.targets.get('a')).toBe(1000);
    expect(p.taken.size).toBe(0);
    expect(out[0]).toMatchObject({ action: 'deflate', pages: POLICY.STEP });
  });

  it('backs off when the guest deflates on OOM by itself: keeps what the guest took, leaves it alone', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    let a = guest('a', 50);
    observe(p, [a]);
    p.step(10, 0, TOTAL, [a], r.act);
    a = { ...a, actualPages: POLICY.STEP, statsAtMs: 20 };
    p.step(30, 0, TOTAL, [a], r.act); // a second step on fresh stats
    const target = r.targets.get('a')!;
    expect(target).toBeGreaterThan(POLICY.STEP);
    // The guest ran short and took 1 MiB back (virtballoon_oom_notify).
    a = { ...a, actualPages: POLICY.STEP - MiB, freePages: 40 * MiB, statsAtMs: 40 };
    const out = p.step(50, 0, TOTAL, [a], r.act);
    expect(out).toEqual([expect.objectContaining({ domain: 'a', action: 'deflate' })]);
    expect(out[0].message).toMatch(/deflated its balloon on OOM/);
    expect(r.targets.get('a')).toBe(0);
    // Within the back-off, the host is still short, fresh stats say free: it is left alone.
    a = { ...a, actualPages: 0, freePages: 40 * MiB, statsAtMs: 100 };
    expect(p.step(1_000, 0, TOTAL, [a], r.act)).toEqual([]);
    // After it, the policy may ask again.
    a = { ...a, statsAtMs: 40_000 };
    expect(p.step(40_100, 0, TOTAL, [a], r.act)[0]).toMatchObject({ action: 'inflate' });
  });

  it('gives pages back to a guest about to run out, even while the host is short', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    let a = guest('a', 50);
    observe(p, [a]);
    p.step(10, 0, TOTAL, [a], r.act);
    a = {
      ...a,
      actualPages: POLICY.STEP,
      availablePages: 2 * MiB,
      freePages: 1 * MiB,
      statsAtMs: 20,
    };
    const out = p.step(30, 0, TOTAL, [a], r.act);
    expect(out[0]).toMatchObject({ action: 'deflate', pages: POLICY.STEP });
    expect(out[0].message).toMatch(/has 2 MiB available/);
    expect(r.targets.get('a')).toBe(0);
  });

  it('treats rising swap-ins or OOM kills as pressure', () => {
    for (const over of [{ swapIns: 5 }, { oomKills: 1 }]) {
      const p = new BalloonPolicy();
      const r = recorder();
      let a = guest('a', 50, { oomKills: 0 });
      observe(p, [a]);
      p.step(10, 0, TOTAL, [a], r.act);
      a = { ...a, actualPages: POLICY.STEP, statsAtMs: 20, ...over };
      const out = p.step(30, 0, TOTAL, [a], r.act);
      expect(out[0]).toMatchObject({ action: 'deflate' });
      expect(r.targets.get('a')).toBe(0);
    }
  });

  it('resumes guests paused for memory once free memory is back', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    p.step(10, 0, TOTAL, [guest('x', 1, { pausedForMemory: true })], r.act);
    expect(r.resumed).toEqual([]);
    const out = p.step(20, 100 * MiB, TOTAL, [guest('x', 1, { pausedForMemory: true })], r.act);
    expect(r.resumed).toEqual(['x']);
    expect(out).toEqual([expect.objectContaining({ domain: 'x', action: 'resume' })]);
  });

  it('leaves a guest that is allocating alone: its free memory fell between two reports', () => {
    const p = new BalloonPolicy();
    const r = recorder();
    observe(p, [guest('a', 50)]);
    // The next report says 10 MiB less free: a process is allocating. No inflation.
    expect(p.step(10, 0, TOTAL, [guest('a', 40)], r.act)).toEqual([]);
    // Steady again: now it may.
    expect(p.step(20, 0, TOTAL, [guest('a', 40, { statsAtMs: 15 })], r.act)[0]).toMatchObject({
      action: 'inflate',
    });
  });
});
