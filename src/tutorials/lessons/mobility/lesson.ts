import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { consoleSince, running } from '../../world';
import { ensureRunning, typeAndWait, VM1_INSTALL } from '../shared/solve';

/** What the learner writes into vm1's RAM (tmpfs) before saving it. */
const NOTE = 'written-before-save';
const vm1 = (w: LessonWorld) => w.domains.find((d) => d.name === 'vm1');

/** Encapsulation and hardware independence: save to a file, restore anywhere, snapshots, clones. */
export const lesson: LessonDef = {
  id: 'mobility',
  order: 8,
  steps: [
    step<number>({
      id: 'mark',
      view: { view: 'domain', name: 'vm1', tab: 'console' },
      baseline: (w) => w.console('vm1').length,
      check(w, from) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        if (!consoleSince(w, 'vm1', from).includes(`echo ${NOTE} > /tmp/note`))
          return { reason: 'no-note' };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await typeAndWait(a, 'vm1', `echo ${NOTE} > /tmp/note`, /# $/, 20_000, 'the note');
      },
    }),
    step({
      id: 'save',
      view: { view: 'domain', name: 'vm1', tab: 'details' },
      check(w) {
        const d = vm1(w);
        if (!d) return { reason: 'no-vm1' };
        if (d.state === 'shut off' && d.reason === 'saved') return true;
        if (d.reason === 'restored') return true; // saved here and already restored (another tab)
        return { reason: 'not-saved', params: { state: d.state } };
      },
      async solve(a) {
        await a.runVirsh('save vm1 vm1.vlsave');
        await a.until((w) => vm1(w)?.reason === 'saved', 60_000, 'vm1 to be saved');
      },
    }),
    step({
      id: 'restore',
      view: { view: 'host' },
      check(w) {
        const d = vm1(w);
        if (!d) return { reason: 'no-vm1-yet' };
        if (d.state !== 'running' || d.reason !== 'restored')
          return { reason: 'not-restored', params: { state: d.state } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('restore vm1.vlsave');
        await a.until(
          (w) => vm1(w)?.state === 'running' && vm1(w)?.reason === 'restored',
          60_000,
          'vm1 to be restored',
        );
      },
    }),
    step<number>({
      id: 'continues',
      view: { view: 'domain', name: 'vm1', tab: 'console' },
      baseline: (w) => w.console('vm1').length,
      check(w, from) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        if (!new RegExp(`^${NOTE}$`, 'm').test(consoleSince(w, 'vm1', from)))
          return { reason: 'note-not-shown' };
        return true;
      },
      async solve(a) {
        await typeAndWait(
          a,
          'vm1',
          'cat /tmp/note',
          new RegExp(`^${NOTE}$`, 'm'),
          20_000,
          'the note',
        );
      },
    }),
    step({
      id: 'migrate',
      view: { view: 'migration' },
      check(w) {
        const d = vm1(w);
        if (!d) return { reason: 'no-vm1' };
        if (d.state === 'running' && d.reason === 'migrated') return true;
        if (d.state === 'shut off' && d.reason === 'migrated') return { reason: 'on-host2' };
        return { reason: 'not-migrated', params: { state: d.state } };
      },
      async solve(a) {
        const d = vm1(a.world());
        // Already on the second host (shut off here, reason migrated): only the way back is left.
        if (!(d?.state === 'shut off' && d.reason === 'migrated')) {
          await ensureRunning(a, 'vm1', VM1_INSTALL);
          await a.migrateInPage('vm1', 'second');
          await a.until((w) => vm1(w)?.reason === 'migrated', 30_000, 'vm1 to leave');
        }
        await a.migrateInPage('vm1', 'first');
        await a.until(
          (w) => vm1(w)?.state === 'running' && vm1(w)?.reason === 'migrated',
          30_000,
          'vm1 to come back',
        );
      },
    }),
    step({
      id: 'snapshot',
      view: { view: 'domain', name: 'vm1', tab: 'console' },
      check(w) {
        const d = vm1(w);
        if (!d || d.state !== 'running') return { reason: 'vm1-down' };
        if (d.reason !== 'from snapshot') return { reason: 'not-reverted' };
        return true;
      },
      async solve(a) {
        await a.runVirsh('snapshot-create-as vm1 clean');
        await a.typeInConsole('vm1', 'rm /tmp/note');
        await a.runVirsh('snapshot-revert vm1 clean');
        await a.until((w) => vm1(w)?.reason === 'from snapshot', 30_000, 'the revert');
      },
    }),
    step({
      id: 'clone',
      view: { view: 'memory' },
      check(w) {
        const c = w.domains.find((d) => d.name === 'vm1-clone');
        if (!c) return { reason: 'no-clone' };
        if (c.state !== 'running') return { reason: 'clone-off', params: { state: c.state } };
        return true;
      },
      async solve(a) {
        await a.runVirsh('virt-clone --original vm1 --name vm1-clone');
        await a.until(
          (w) => w.domains.some((d) => d.name === 'vm1-clone' && d.state === 'running'),
          30_000,
          'the clone',
        );
      },
    }),
  ],
};
