import { describe, expect, it } from 'vitest';
import { SchedState, V, VCPU_STATE, VF } from './sched-state';
import { VcpuScheduler } from './scheduler';

function setup(n: number) {
  const st = new SchedState();
  const sched = new VcpuScheduler(st);
  const vcpus = Array.from({ length: n }, (_, i) => sched.assign(i, 0, 0));
  for (const v of vcpus) sched.start(v, 0);
  return { st, sched, vcpus };
}

/** Runs pCPU `pcpu` for `ms` of simulated time; every vCPU always uses its whole slice. */
function simulate(sched: VcpuScheduler, pcpus: number[], ms: number) {
  let now = 0;
  while (now < ms) {
    for (const p of pcpus) {
      const pick = sched.pick(p, now);
      if (pick.vcpu < 0) continue;
      sched.put(pick.vcpu, p, now + pick.sliceMs, pick.sliceMs, {
        halted: false,
        stopped: false,
        wakeAt: Infinity,
        stillHalted: () => false,
      });
    }
    now += 4;
  }
}

describe('VcpuScheduler', () => {
  it('shares one pCPU in proportion to shares (2048 : 1024)', () => {
    const { st, sched, vcpus } = setup(2);
    sched.setParams(vcpus[0], { shares: 2048 });
    simulate(sched, [0], 3000);
    const a = st.vcpuF(vcpus[0])[VF.RUNTIME_MS];
    const b = st.vcpuF(vcpus[1])[VF.RUNTIME_MS];
    expect(a / b).toBeGreaterThan(1.9);
    expect(a / b).toBeLessThan(2.1);
  });

  it('obeys pinning masks', () => {
    const { st, sched, vcpus } = setup(2);
    sched.setParams(vcpus[0], { pinMask: 1 << 1 });
    sched.setParams(vcpus[1], { pinMask: 1 << 1 });
    expect(sched.pick(0, 0).vcpu).toBe(-1);
    const pick = sched.pick(1, 0);
    expect(vcpus).toContain(pick.vcpu);
    expect(st.vcpu(pick.vcpu)[V.RUNNING_ON]).toBe(1);
  });

  it('caps a vCPU at its quota per period', () => {
    const { st, sched, vcpus } = setup(1);
    sched.setParams(vcpus[0], { quotaUs: 25_000, periodUs: 100_000 });
    let now = 0;
    while (now < 1000) {
      const pick = sched.pick(0, now);
      if (pick.vcpu >= 0) {
        sched.put(pick.vcpu, 0, now + pick.sliceMs, pick.sliceMs, {
          halted: false,
          stopped: false,
          wakeAt: Infinity,
          stillHalted: () => false,
        });
        now += pick.sliceMs;
      } else {
        expect(pick.wakeAt).toBeGreaterThan(now);
        now = pick.wakeAt;
      }
    }
    const used = st.vcpuF(vcpus[0])[VF.RUNTIME_MS];
    expect(used).toBeGreaterThan(240);
    expect(used).toBeLessThan(290);
  });

  it("sums each slice's retired instructions per vCPU, and starts over when the slot is reassigned", () => {
    const { st, sched, vcpus } = setup(2);
    const end = { halted: false, stopped: false, wakeAt: Infinity, stillHalted: () => false };
    for (const [now, n] of [
      [0, 1000],
      [4, 2500],
      [8, 0],
      [12, -7000], // a hart reset in the slice: counted as nothing, not subtracted
    ]) {
      const pick = sched.pick(0, now);
      sched.put(pick.vcpu, 0, now + 4, 4, { ...end, instructions: n });
    }
    const total = vcpus.map((v) => st.vcpuF(v)[VF.INSTRUCTIONS]);
    expect(total[0] + total[1]).toBe(3500);
    const ran = vcpus.find((v) => st.vcpuF(v)[VF.INSTRUCTIONS] > 0)!;
    expect(sched.release(ran)).toBe(true);
    expect(sched.assign(1, 0, 12)).toBe(ran);
    expect(st.vcpuF(ran)[VF.INSTRUCTIONS]).toBe(0);
  });

  it('blocks a halted vCPU until its timer or a kick', () => {
    const { st, sched, vcpus } = setup(1);
    const v = vcpus[0];
    const pick = sched.pick(0, 0);
    sched.put(v, 0, 1, 1, { halted: true, stopped: false, wakeAt: 50, stillHalted: () => true });
    expect(st.vcpu(v)[V.STATE]).toBe(VCPU_STATE.BLOCKED);
    expect(pick.vcpu).toBe(v);
    const idle = sched.pick(0, 10);
    expect(idle).toMatchObject({ vcpu: -1, wakeAt: 50 });
    expect(sched.pick(0, 50).vcpu).toBe(v); // its timer
    sched.put(v, 0, 51, 1, {
      halted: true,
      stopped: false,
      wakeAt: Infinity,
      stillHalted: () => true,
    });
    sched.kick(v);
    expect(sched.pick(0, 60).vcpu).toBe(v);
    expect(st.vcpuF(v)[VF.BLOCKED_MS]).toBeGreaterThan(0);
  });

  it('does not lose a wake-up that races with halting', () => {
    const { st, sched, vcpus } = setup(1);
    const v = vcpus[0];
    sched.pick(0, 0);
    // An interrupt became pending after the vCPU decided to halt: stillHalted() says no.
    sched.put(v, 0, 1, 1, {
      halted: true,
      stopped: false,
      wakeAt: Infinity,
      stillHalted: () => false,
    });
    expect(st.vcpu(v)[V.STATE]).toBe(VCPU_STATE.RUNNABLE);
  });

  it('counts migrations and steal time', () => {
    const { st, sched, vcpus } = setup(1);
    const v = vcpus[0];
    const end = { halted: false, stopped: false, wakeAt: Infinity, stillHalted: () => false };
    expect(sched.pick(0, 5).migrated).toBe(true);
    sched.put(v, 0, 9, 4, end);
    expect(sched.pick(1, 20).migrated).toBe(true);
    sched.put(v, 1, 24, 4, end);
    expect(st.vcpu(v)[V.MIGRATIONS]).toBe(1);
    expect(st.vcpuF(v)[VF.STEAL_MS]).toBe(5 + 11);
  });

  it('runs out of slots with -1', () => {
    const st = new SchedState();
    const sched = new VcpuScheduler(st);
    for (let i = 0; i < 128; i++) expect(sched.assign(0, i, 0)).toBe(i);
    expect(sched.assign(0, 128, 0)).toBe(-1);
  });
});
