import type { LessonDef } from '../../lesson';
import { step } from '../../lesson';
import { atPrompt, running } from '../../world';

/** The three guests of this lesson (the KSM scenario's names). */
const VMS = ['ksm1', 'ksm2', 'ksm3'] as const;

function sharing(w: Parameters<LessonDef['steps'][number]['check']>[0]): number {
  return w.ksm?.stats.pages_sharing ?? 0;
}

/** KSM (kernel samepage merging): 内存复用 by merging identical pages. */
export const lesson: LessonDef = {
  id: 'ksm',
  order: 6,
  steps: [
    step({
      id: 'three-vms',
      view: { view: 'memory' },
      check(w) {
        const up = running(w, VMS).filter((n) => atPrompt(w, n));
        if (up.length === VMS.length) return true;
        const missing = VMS.filter((n) => !up.includes(n));
        return { reason: 'need-vms', params: { missing: missing.join(', ') } };
      },
      async solve(a) {
        for (const name of VMS) {
          if (!a.world().domains.some((d) => d.name === name))
            await a.runVirsh(`virt-install --name ${name} --memory 48 --noautoconsole`);
        }
        await a.until((w) => VMS.every((n) => atPrompt(w, n)), 120_000, 'the guests to boot');
      },
    }),
    step({
      id: 'run-ksmd',
      view: { view: 'memory' },
      check(w) {
        if (w.ksm?.knobs.run !== 1)
          return { reason: 'ksmd-stopped', params: { run: w.ksm?.knobs.run ?? 0 } };
        const n = sharing(w);
        if (n < 256) return { reason: 'few-merged', params: { sharing: n } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('ksm --run 1 --pages-to-scan 1000 --sleep-millisecs 20');
        await a.until((w) => sharing(w) >= 256, 60_000, 'ksmd to merge pages');
      },
    }),
    step<number>({
      id: 'same-data',
      view: { view: 'memory' },
      baseline: (w) => sharing(w),
      check(w, base) {
        const down = VMS.filter((n) => !running(w, [n]).length);
        if (down.length) return { reason: 'need-vms', params: { missing: down.join(', ') } };
        const grown = sharing(w) - base;
        const per = VMS.map((n) => w.infos[n]?.ksm.ksm_merging_pages ?? 0);
        if (grown >= 4000 && per.every((p) => p >= 1500)) return true;
        return { reason: 'merging', params: { grown: Math.max(0, grown), per: per.join(' / ') } };
      },
      async solve(a) {
        for (const name of VMS) await a.typeInConsole(name, 'hog 8M --pattern same &');
        await a.until(
          (w) => VMS.every((n) => (w.infos[n]?.ksm.ksm_merging_pages ?? 0) >= 1500),
          90_000,
          'the identical pages to merge',
        );
      },
    }),
    step<number>({
      id: 'cow',
      view: { view: 'domain', name: 'ksm1', tab: 'memory' },
      baseline: (w) => w.infos.ksm1?.ksm.cow_ksm ?? 0,
      check(w, base) {
        if (!running(w, ['ksm1']).length)
          return { reason: 'need-vms', params: { missing: 'ksm1' } };
        const breaks = (w.infos.ksm1?.ksm.cow_ksm ?? 0) - base;
        if (breaks >= 1000) return true;
        return { reason: 'no-cow', params: { breaks } };
      },
      async solve(a) {
        await a.typeInConsole('ksm1', 'kill -USR2 $!');
        const base = a.world().infos.ksm1?.ksm.cow_ksm ?? 0;
        await a.until(
          (w) => (w.infos.ksm1?.ksm.cow_ksm ?? 0) - base >= 1000,
          30_000,
          'copy-on-write breaks in ksm1',
        );
      },
    }),
    step({
      id: 'unmerge',
      view: { view: 'memory' },
      check(w) {
        if (w.ksm?.knobs.run !== 2)
          return { reason: 'not-unmerged', params: { run: w.ksm?.knobs.run ?? 0 } };
        const n = sharing(w);
        if (n > 0) return { reason: 'unmerging', params: { sharing: n } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('ksm --run 2');
        await a.until((w) => sharing(w) === 0, 60_000, 'ksmd to unmerge');
      },
    }),
  ],
};
