import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { atPrompt, consoleSince, running } from '../../world';
import { ensureRunning, typeAndWait, VM1_INSTALL } from '../shared/solve';

/** vm1 and its noisy neighbour, one vCPU each. */
const PAIR = ['vm1', 'noisy'] as const;
const use = (w: LessonWorld, name: string, ms = 2000) => w.cpuUse(name, ms) ?? 0;
const pct = (n: number) => Math.round(n * 100);
/** The two share one pCPU: together they use about one, each a fair part of it. */
const sharing = (w: LessonWorld, ms = 2000) =>
  use(w, 'vm1', ms) + use(w, 'noisy', ms) <= 1.15 && PAIR.every((n) => use(w, n, ms) >= 0.15);
/** vmstat's column header (procps-ng layout). */
const VMSTAT = /\bus\s+sy\s+id\s+wa\s+st\b/;

/** `spin` was started in `name` since its last boot. */
function spinning(w: LessonWorld, name: string): boolean {
  const out = w.console(name);
  return /spin: started/.test(out.slice(out.lastIndexOf('Run /init')));
}

function bothBusy(w: LessonWorld) {
  const down = PAIR.filter((n) => running(w, [n]).length === 0);
  if (down.length) return { reason: 'down', params: { who: down.join(', ') } };
  return true as const;
}

/** vCPU scheduling: overcommit, pinning, steal time, shares and caps on the live timeline. */
export const lesson: LessonDef = {
  id: 'scheduling',
  order: 5,
  steps: [
    step({
      id: 'overcommit',
      view: { view: 'scheduler' },
      check(w) {
        const up = bothBusy(w);
        if (up !== true) return up;
        const vcpus = w.infos.noisy?.vcpusCurrent ?? 1;
        if (vcpus !== 1) return { reason: 'noisy-vcpus', params: { vcpus } };
        const booting = PAIR.filter((n) => !atPrompt(w, n));
        if (booting.length) return { reason: 'booting', params: { who: booting.join(', ') } };
        const idle = PAIR.filter((n) => use(w, n) < 0.35);
        if (idle.length)
          return {
            reason: 'idle',
            params: { who: idle.map((n) => `${n} ${pct(use(w, n))} %`).join(', ') },
          };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await ensureRunning(a, 'noisy', '--memory 48');
        for (const name of PAIR) {
          if (!spinning(a.world(), name))
            await typeAndWait(a, name, 'spin 1 &', /spin: started/, 20_000, `spin in ${name}`);
        }
        await a.until((w) => PAIR.every((n) => use(w, n) >= 0.35), 20_000, 'both to be busy');
      },
    }),
    step({
      id: 'pin',
      view: { view: 'scheduler' },
      check(w) {
        const up = bothBusy(w);
        if (up !== true) return up;
        if (!sharing(w))
          return {
            reason: 'not-sharing',
            params: { vm1: pct(use(w, 'vm1')), noisy: pct(use(w, 'noisy')) },
          };
        return true;
      },
      async solve(a) {
        await a.runVirsh('vcpupin vm1 0 0');
        await a.runVirsh('vcpupin noisy 0 0');
        await a.until((w) => sharing(w), 20_000, 'vm1 and noisy to share pCPU 0');
      },
    }),
    step<number>({
      id: 'steal',
      view: { view: 'domain', name: 'vm1', tab: 'cpu' },
      baseline: (w) => w.console('vm1').length,
      check(w, from) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        if (!VMSTAT.test(consoleSince(w, 'vm1', from))) return { reason: 'no-vmstat' };
        return true;
      },
      async solve(a) {
        await typeAndWait(a, 'vm1', 'vmstat 1 5', VMSTAT, 20_000, 'vmstat in vm1');
      },
    }),
    step({
      id: 'shares',
      view: { view: 'scheduler' },
      check(w) {
        const up = bothBusy(w);
        if (up !== true) return up;
        const s1 = w.infos.vm1?.shares ?? 1024;
        const s2 = w.infos.noisy?.shares ?? 1024;
        if (s1 < 1.9 * s2) return { reason: 'shares', params: { vm1: s1, noisy: s2 } };
        if (!sharing(w, 3000))
          return {
            reason: 'not-sharing',
            params: { vm1: pct(use(w, 'vm1')), noisy: pct(use(w, 'noisy')) },
          };
        const ratio = use(w, 'vm1', 3000) / Math.max(0.01, use(w, 'noisy', 3000));
        if (ratio < 1.5) return { reason: 'ratio', params: { ratio: ratio.toFixed(1) } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('schedinfo vm1 --set cpu_shares=2048 --live');
        await a.until(
          (w) => use(w, 'vm1', 3000) >= 1.5 * use(w, 'noisy', 3000),
          20_000,
          'vm1 to get twice the CPU of noisy',
        );
      },
    }),
    step({
      id: 'cap',
      view: { view: 'scheduler' },
      check(w) {
        const up = bothBusy(w);
        if (up !== true) return up;
        const info = w.infos.vm1;
        const quota = info?.quotaUs ?? -1;
        if (!info || quota <= 0 || quota / info.periodUs > 0.3)
          return { reason: 'no-cap', params: { quota } };
        const u = use(w, 'vm1', 3000);
        if (u > 0.32) return { reason: 'over-cap', params: { pct: pct(u) } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('schedinfo vm1 --set vcpu_quota=25000 --live');
        await a.until((w) => use(w, 'vm1', 3000) <= 0.32, 20_000, 'vm1 to stay under its cap');
      },
    }),
  ],
};
