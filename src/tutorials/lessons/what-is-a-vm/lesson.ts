import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { atPrompt, running } from '../../world';
import { ensureRunning, typeAndWait, VM1_INSTALL } from '../shared/solve';

/** CPU use of a domain over the last 2 s, in pCPUs (0 when not running). */
const use = (w: LessonWorld, name: string, ms = 2000) => w.cpuUse(name, ms) ?? 0;
const pct = (n: number) => Math.round(n * 100);
const STARTED = /spin: started \d+ workers/;

/** What a VM is: a process with a thread per vCPU (KVM); here a VMM worker plus vCPUs on pCPU workers. */
export const lesson: LessonDef = {
  id: 'what-is-a-vm',
  order: 1,
  steps: [
    step({
      id: 'find-vm1',
      view: { view: 'host' },
      check(w) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        if (!atPrompt(w, 'vm1')) return { reason: 'booting' };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await a.runVirsh('dominfo vm1');
      },
    }),
    step({
      id: 'busy',
      view: { view: 'host' },
      check(w) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        const u = use(w, 'vm1');
        if (u < 0.5) return { reason: 'idle', params: { pct: pct(u) } };
        return true;
      },
      async solve(a) {
        await typeAndWait(a, 'vm1', 'spin 1 &', STARTED, 20_000, 'spin to start in vm1');
        await a.until((w) => use(w, 'vm1') >= 0.5, 20_000, 'vm1 to use a pCPU');
      },
    }),
    step({
      id: 'two-vcpus',
      view: { view: 'scheduler' },
      check(w) {
        if (running(w, ['vm2']).length === 0) return { reason: 'vm2-down' };
        if (!atPrompt(w, 'vm2')) return { reason: 'vm2-booting' };
        const vcpus = w.infos.vm2?.vcpusCurrent ?? 0;
        if (vcpus < 2) return { reason: 'one-vcpu', params: { vcpus } };
        const u = use(w, 'vm2', 3000);
        if (u < 0.5) return { reason: 'vm2-idle', params: { pct: pct(u) } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm2', '--memory 48 --vcpus 2');
        await typeAndWait(a, 'vm2', 'spin 2 &', STARTED, 20_000, 'spin to start in vm2');
        await a.until((w) => use(w, 'vm2', 3000) >= 0.5, 20_000, 'vm2 to use the pCPUs');
      },
    }),
    step({
      id: 'halt',
      view: { view: 'host' },
      check(w) {
        const busy = running(w, ['vm1', 'vm2']).filter((n) => use(w, n) >= 0.1);
        if (busy.length) return { reason: 'still-busy', params: { who: busy.join(', ') } };
        return true;
      },
      async solve(a) {
        for (const name of running(a.world(), ['vm1', 'vm2'])) {
          if (use(a.world(), name) >= 0.1) await a.typeInConsole(name, 'kill $!');
        }
        await a.until(
          (w) => running(w, ['vm1', 'vm2']).every((n) => use(w, n) < 0.1),
          20_000,
          'the guests to go idle',
        );
      },
    }),
  ],
};
