import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { atPrompt, consoleSince, running } from '../../world';
import { defineFrom, ensureRunning, typeAndWait, VM1_INSTALL } from '../shared/solve';

const PAIR = ['vm1', 'vm2'] as const;
/** The guest's default command line plus vm.panic_on_oom=1 (Linux reads sysctl.* at boot). */
const PANIC_CMDLINE = 'console=ttyS0 earlycon=sbi sysctl.vm.panic_on_oom=1';
const cpuMs = (w: LessonWorld) => w.infos.vm1?.cpuTimeMs ?? 0;
const crashed = (w: LessonWorld) =>
  w.domains.filter((d) => d.reason === 'crashed' && d.name !== 'vm1').map((d) => d.name);

/** The four properties of virtualization: 分区, 隔离, 封装, 相对于硬件独立. */
export const lesson: LessonDef = {
  id: 'four-properties',
  order: 4,
  steps: [
    step({
      id: 'partition',
      view: { view: 'memory' },
      check(w) {
        const missing = PAIR.filter((n) => running(w, [n]).length === 0 || !atPrompt(w, n));
        if (missing.length) return { reason: 'need-vms', params: { missing: missing.join(', ') } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await ensureRunning(a, 'vm2', '--memory 48');
        await a.runVirsh('nodeinfo');
      },
    }),
    step<number>({
      id: 'isolation',
      view: { view: 'host' },
      baseline: cpuMs,
      check(w, base) {
        const gone = crashed(w);
        if (gone.length === 0) return { reason: 'none-crashed' };
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        const ms = Math.round(cpuMs(w) - base);
        if (ms < 1000) return { reason: 'vm1-idle', params: { ms } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await typeAndWait(a, 'vm1', 'spin 1 &', /spin: started/, 20_000, 'spin in vm1');
        // The setting also goes on the kernel command line (the hint's way), so a new crash1
        // panics whichever shell the guest has.
        await ensureRunning(a, 'crash1', `--memory 48 --boot cmdline="${PANIC_CMDLINE}"`);
        await a.typeInConsole('crash1', 'echo 1 > /proc/sys/vm/panic_on_oom');
        await a.typeInConsole('crash1', 'hog 40M');
        await a.until((w) => crashed(w).length > 0, 60_000, 'crash1 to crash');
      },
    }),
    step({
      id: 'encapsulation',
      view: { view: 'host' },
      check(w) {
        const d = w.domains.find((x) => x.name === 'pinned');
        if (!d) return { reason: 'no-pinned' };
        if (d.state !== 'running') return { reason: 'pinned-off', params: { state: d.state } };
        if (!atPrompt(w, 'pinned')) return { reason: 'pinned-booting' };
        return true;
      },
      async solve(a) {
        await a.runVirsh('dumpxml vm1');
        await defineFrom(a, 'pinned.xml', 'pinned');
        await ensureRunning(a, 'pinned', '--memory 32 --vcpus 2');
      },
    }),
    step<number>({
      id: 'independence',
      view: { view: 'scheduler' },
      baseline: (w) => w.console('pinned').length,
      check(w, from) {
        if (running(w, ['pinned']).length === 0) return { reason: 'pinned-down' };
        const out = consoleSince(w, 'pinned', from);
        const cpus = (out.match(/^processor\s*:/gm) ?? []).length;
        if (!/^2$/m.test(out) && cpus < 2) return { reason: 'no-cpus' };
        return true;
      },
      async solve(a) {
        await typeAndWait(a, 'pinned', 'nproc', /^2$/m, 30_000, 'nproc in pinned');
      },
    }),
  ],
};
