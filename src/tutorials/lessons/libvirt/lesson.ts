import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { atPrompt, consoleSince, MiB } from '../../world';
import { defineFrom, ensureRunning, typeAndWait } from '../shared/solve';

/** The domain of this lesson, from the virsh panel's example file ksm-demo.xml. */
const DOM = 'ksm-demo';
const summary = (w: LessonWorld, name: string) => w.domains.find((d) => d.name === name);
const UNAME = /^Linux virtlab /m;

/** libvirt and its tools: virsh, virt-manager (the page), virt-install, virt-viewer (the console). */
export const lesson: LessonDef = {
  id: 'libvirt',
  order: 3,
  steps: [
    step({
      id: 'define',
      view: { view: 'host' },
      check(w) {
        const d = summary(w, DOM);
        if (!d) return { reason: 'not-defined' };
        if (!d.persistent) return { reason: 'transient' };
        return true;
      },
      async solve(a) {
        await defineFrom(a, `${DOM}.xml`, DOM);
        await a.runVirsh('list --all');
      },
    }),
    step({
      id: 'start',
      view: { view: 'domain', name: DOM, tab: 'details' },
      check(w) {
        const d = summary(w, DOM);
        if (!d) return { reason: 'not-defined' };
        if (d.state !== 'running') return { reason: 'not-running', params: { state: d.state } };
        if (!atPrompt(w, DOM)) return { reason: 'booting' };
        return true;
      },
      async solve(a) {
        await defineFrom(a, `${DOM}.xml`, DOM);
        await ensureRunning(a, DOM, '--memory 48');
        await a.runVirsh(`dominfo ${DOM}`);
      },
    }),
    step<number>({
      id: 'console',
      view: { view: 'domain', name: DOM, tab: 'console' },
      baseline: (w) => w.console(DOM).length,
      check(w, from) {
        if (summary(w, DOM)?.state !== 'running') return { reason: 'not-running-now' };
        if (!UNAME.test(consoleSince(w, DOM, from))) return { reason: 'no-uname' };
        return true;
      },
      async solve(a) {
        await typeAndWait(a, DOM, 'uname -a', UNAME, 20_000, 'uname in the guest');
      },
    }),
    step({
      id: 'setmem',
      view: { view: 'domain', name: DOM, tab: 'memory' },
      check(w) {
        const info = w.infos[DOM];
        if (!info || info.state !== 'running') return { reason: 'not-running-now' };
        if (info.currentMemoryKiB > 32 * 1024 + 256)
          return { reason: 'memory', params: { current: Math.round(MiB(info.currentMemoryKiB)) } };
        return true;
      },
      async solve(a) {
        await a.runVirsh(`dumpxml ${DOM}`);
        await a.runVirsh(`setmem ${DOM} 32M --live`);
        await a.until(
          (w) => (w.infos[DOM]?.currentMemoryKiB ?? Infinity) <= 32 * 1024 + 256,
          60_000,
          'the balloon to inflate',
        );
      },
    }),
    step({
      id: 'virt-install',
      view: { view: 'host' },
      check(w) {
        const info = w.infos.web1;
        if (!info) return { reason: 'no-web1' };
        if (info.state !== 'running') return { reason: 'web1-off', params: { state: info.state } };
        if (info.vcpus < 2) return { reason: 'web1-vcpus', params: { vcpus: info.vcpus } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'web1', '--memory 48 --vcpus 2');
      },
    }),
    step({
      id: 'lifecycle',
      view: { view: 'host' },
      check(w) {
        const d = summary(w, DOM);
        if (!d) return { reason: 'undefined' };
        if (d.state !== 'shut off') return { reason: 'still-up', params: { state: d.state } };
        if (summary(w, 'web1')) return { reason: 'web1-left' };
        return true;
      },
      async solve(a) {
        if (summary(a.world(), DOM)?.state === 'running') await a.runVirsh(`shutdown ${DOM}`);
        const web1 = summary(a.world(), 'web1');
        if (web1 && web1.state !== 'shut off') await a.runVirsh('destroy web1');
        if (web1) await a.runVirsh('undefine web1');
        await a.until(
          (w) => summary(w, DOM)?.state === 'shut off' && !summary(w, 'web1'),
          60_000,
          `${DOM} to power off`,
        );
      },
    }),
  ],
};
