import { describe, expect, it } from 'vitest';
import { H, P, PF, SchedState, V, VCPU_STATE, VF } from './sched-state';
import { SLICE_MS, VcpuScheduler, WAKE_CREDIT_MS } from './scheduler';

/**
 * CFS placement (place_entity) and the monotonic run-queue clock: the
 * scenarios of the starvation report, replayed on simulated pCPUs. Each
 * vCPU either spins (uses every slice whole) or halts until a given time.
 */
type Behaviour = { sleepUntil?: number; haltsEvery?: number };

class Sim {
  readonly st = new SchedState();
  readonly sched = new VcpuScheduler(this.st);
  now = 0;
  readonly behaviour = new Map<number, Behaviour>();
  /** Per vCPU: the time it last started a slice, and the longest gap between slices while runnable. */
  readonly lastRun = new Map<number, number>();
  readonly maxGap = new Map<number, number>();
  readonly runnableSince = new Map<number, number>();

  constructor(readonly pcpus: number) {
    this.st.header[H.NPCPU] = pcpus;
  }

  add(vm: number, b: Behaviour = {}): number {
    const v = this.sched.assign(vm, 0, this.now);
    this.behaviour.set(v, b);
    this.sched.start(v, this.now);
    this.runnableSince.set(v, this.now);
    return v;
  }

  /** Runs every pCPU for `ms`, one slice at a time. */
  run(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      let stepMs = SLICE_MS;
      for (let p = 0; p < this.pcpus; p++) {
        const pick = this.sched.pick(p, this.now);
        if (pick.vcpu < 0) continue;
        const v = pick.vcpu;
        const since = this.runnableSince.get(v) ?? this.now;
        this.maxGap.set(v, Math.max(this.maxGap.get(v) ?? 0, this.now - since));
        const b = this.behaviour.get(v) ?? {};
        let ran = pick.sliceMs;
        let halted = false;
        let wakeAt = Infinity;
        if (b.sleepUntil !== undefined && this.now < b.sleepUntil) {
          ran = 0.1;
          halted = true;
          wakeAt = b.sleepUntil;
        } else if (b.haltsEvery !== undefined) {
          ran = 0.1;
          halted = true;
          wakeAt = this.now + b.haltsEvery;
        }
        stepMs = Math.min(stepMs, pick.sliceMs);
        this.sched.put(v, p, this.now + ran, ran, {
          halted,
          stopped: false,
          wakeAt,
          stillHalted: () => halted,
        });
        this.runnableSince.set(v, halted ? wakeAt : this.now + ran);
      }
      this.now += stepMs;
    }
  }

  runtime(v: number): number {
    return this.st.vcpuF(v)[VF.RUNTIME_MS];
  }
}

describe('VcpuScheduler placement (CFS min_vruntime)', () => {
  it('a vCPU that idled for a minute does not starve the spinners when it wakes', () => {
    const sim = new Sim(1);
    const idle = sim.add(1, { sleepUntil: 60_000 });
    const a = sim.add(2);
    const b = sim.add(3);
    sim.run(60_000);
    expect(sim.runtime(idle)).toBeLessThan(100);
    const ra = sim.runtime(a);
    const rb = sim.runtime(b);
    sim.run(3_000); // now all three spin
    const ga = sim.runtime(a) - ra;
    const gb = sim.runtime(b) - rb;
    const gi = sim.runtime(idle);
    for (const share of [ga, gb, gi]) {
      expect(share).toBeGreaterThan(900);
      expect(share).toBeLessThan(1100);
    }
    // Once it woke, no spinner waited more than n slices (n − 1 others, plus the sleeper credit).
    for (const v of [a, b]) expect(sim.maxGap.get(v)).toBeLessThanOrEqual(3 * SLICE_MS + 0.5);
  });

  it('the waking vCPU runs at the next pick (within one slice on a busy pCPU)', () => {
    const sim = new Sim(1);
    const sleeper = sim.add(1, { haltsEvery: 10 });
    sim.add(2);
    sim.add(3);
    sim.run(20_000);
    expect(sim.maxGap.get(sleeper)).toBeLessThanOrEqual(SLICE_MS + 0.5);
  });

  it('the run-queue clock only moves forward, even when the leading vCPU leaves', () => {
    const sim = new Sim(1);
    const a = sim.add(1);
    const b = sim.add(2);
    sim.run(1_000);
    const clock = sim.st.pcpuF(0)[PF.MIN_VRUNTIME];
    expect(clock).toBeGreaterThan(400);
    sim.sched.stop(a, sim.now);
    sim.sched.stop(b, sim.now);
    sim.sched.release(a);
    sim.sched.release(b);
    expect(sim.sched.pick(0, sim.now).vcpu).toBe(-1);
    expect(sim.st.pcpuF(0)[PF.MIN_VRUNTIME]).toBe(clock);
    // A new vCPU starts at the clock, not at 0.
    const c = sim.add(3);
    expect(sim.st.vcpuF(c)[VF.VRUNTIME]).toBe(clock);
  });

  it('a new VM started while nothing runs is placed at the clock, then shares fairly', () => {
    const sim = new Sim(1);
    const a = sim.add(1);
    sim.run(30_000);
    const b = sim.add(2);
    expect(sim.st.vcpuF(b)[VF.VRUNTIME]).toBeGreaterThanOrEqual(
      sim.st.vcpuF(a)[VF.VRUNTIME] - SLICE_MS,
    );
    const ra = sim.runtime(a);
    sim.run(2_000);
    expect(sim.runtime(a) - ra).toBeGreaterThan(900);
    expect(sim.runtime(b)).toBeGreaterThan(900);
  });

  it('a VM resumed after a long pause gets only the sleeper credit', () => {
    const sim = new Sim(1);
    const a = sim.add(1);
    const b = sim.add(2);
    sim.sched.setPaused(a, true, sim.now);
    sim.run(20_000);
    expect(sim.runtime(a)).toBe(0);
    sim.sched.setPaused(a, false, sim.now);
    expect(sim.st.vcpuF(a)[VF.VRUNTIME]).toBeGreaterThanOrEqual(
      sim.st.pcpuF(0)[PF.MIN_VRUNTIME] - WAKE_CREDIT_MS,
    );
    const rb = sim.runtime(b);
    sim.run(2_000);
    expect(sim.runtime(b) - rb).toBeGreaterThan(900);
    // Paused time is not steal time: the vCPU was not waiting for a pCPU.
    expect(sim.st.vcpuF(a)[VF.STEAL_MS]).toBeLessThan(1_100);
  });

  it('a paused vCPU does not hold the clock back', () => {
    const sim = new Sim(1);
    const a = sim.add(1);
    sim.add(2);
    sim.sched.setPaused(a, true, 0);
    sim.run(5_000);
    expect(sim.st.pcpuF(0)[PF.MIN_VRUNTIME]).toBeGreaterThan(4_000);
  });

  it('pinned vCPUs on different pCPUs: a sleeper pinned to the lightly loaded pCPU does not starve it', () => {
    const sim = new Sim(2);
    // pCPU 0: one spinner; pCPU 1: three spinners (its clock advances 3× slower).
    const alone = sim.add(1);
    sim.sched.setParams(alone, { pinMask: 1 });
    const crowd = [sim.add(2), sim.add(3), sim.add(4)];
    for (const v of crowd) sim.sched.setParams(v, { pinMask: 2 });
    const sleeper = sim.add(5, { sleepUntil: 20_000 });
    sim.sched.setParams(sleeper, { pinMask: 1 });
    sim.run(20_000);
    const r = sim.runtime(alone);
    sim.run(2_000);
    // Both on pCPU 0 now spin: half each, not the sleeper alone.
    expect(sim.runtime(alone) - r).toBeGreaterThan(900);
    expect(sim.runtime(sleeper)).toBeGreaterThan(900);
  });

  it('re-pinning keeps a vCPU’s lag against its new pCPU, not its old vruntime', () => {
    const sim = new Sim(2);
    const a = sim.add(1);
    sim.sched.setParams(a, { pinMask: 1 });
    const crowd = [sim.add(2), sim.add(3), sim.add(4)];
    for (const v of crowd) sim.sched.setParams(v, { pinMask: 2 });
    sim.run(10_000);
    // a has run 10 s alone on pCPU 0; the crowd ~3.3 s each. Move a among them.
    sim.sched.setParams(a, { pinMask: 2 });
    const before = crowd.map((v) => sim.runtime(v));
    sim.run(4_000);
    crowd.forEach((v, i) => expect(sim.runtime(v) - before[i]).toBeGreaterThan(800));
    expect(sim.st.vcpu(a)[V.STATE]).not.toBe(VCPU_STATE.FREE);
  });

  it('shares split CPU time 3:2:1 while VMs start, pause and wake mid-measurement', () => {
    const sim = new Sim(1);
    const a = sim.add(1);
    sim.sched.setParams(a, { shares: 3072 });
    const b = sim.add(2);
    sim.sched.setParams(b, { shares: 2048 });
    sim.run(5_000);
    const c = sim.add(3, { sleepUntil: 8_000 });
    sim.sched.setPaused(b, true, sim.now);
    sim.run(2_000);
    sim.sched.setPaused(b, false, sim.now);
    sim.run(1_000);
    const start = [a, b, c].map((v) => sim.runtime(v));
    sim.run(6_000);
    const got = [a, b, c].map((v, i) => sim.runtime(v) - start[i]);
    const total = got.reduce((x, y) => x + y, 0);
    [3 / 6, 2 / 6, 1 / 6].forEach((want, i) =>
      expect(Math.abs(got[i] / total - want)).toBeLessThan(0.03),
    );
  });

  it('a kick for a halted vCPU asks the busiest pCPU to preempt, unless a pCPU it may use is idle', () => {
    const sim = new Sim(2);
    const a = sim.add(1);
    const b = sim.add(2);
    const sleeper = sim.add(3, { haltsEvery: 1_000 });
    sim.run(40);
    const end = { halted: false, stopped: false, wakeAt: Infinity, stillHalted: () => false };
    // Both pCPUs run a spinner; the sleeper is blocked.
    const p0 = sim.sched.pick(0, sim.now);
    const p1 = sim.sched.pick(1, sim.now);
    expect([p0.vcpu, p1.vcpu].sort()).toEqual([a, b].sort());
    expect(sim.st.vcpu(sleeper)[V.STATE]).toBe(VCPU_STATE.BLOCKED);
    sim.st.vcpuF(a)[VF.VRUNTIME] += 10; // a has run the most
    sim.sched.kick(sleeper);
    const onA = p0.vcpu === a ? 0 : 1;
    expect(sim.st.pcpu(onA)[P.RESCHED]).toBe(1);
    expect(sim.st.pcpu(1 - onA)[P.RESCHED]).toBe(0);
    // The pick that follows clears it and runs the sleeper.
    sim.sched.put(a, onA, sim.now + 1, 1, end);
    expect(sim.sched.pick(onA, sim.now + 1).vcpu).toBe(sleeper);
    expect(sim.st.pcpu(onA)[P.RESCHED]).toBe(0);
    // With a pCPU idle, nobody is preempted: the idle one takes the woken vCPU.
    sim.sched.put(sleeper, onA, sim.now + 2, 0.1, {
      ...end,
      halted: true,
      wakeAt: Infinity,
      stillHalted: () => true,
    });
    sim.sched.pcpuIdle(onA, sim.now + 2, true);
    sim.st.pcpu(onA)[P.STATE] = 0;
    sim.sched.kick(sleeper);
    expect(sim.st.pcpu(1 - onA)[P.RESCHED]).toBe(0);
  });
});
