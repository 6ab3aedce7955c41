import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { consoleSince, MiB, running } from '../../world';
import { ensureRunning, typeAndWait, VM1_INSTALL } from '../shared/solve';

const userExits = (w: LessonWorld) => w.infos.vm1?.exits.mmio_exit_user ?? 0;
const rss = (w: LessonWorld) => w.infos.vm1?.rssKiB ?? 0;
/** bench's last line: "bench: 100 iterations in 421.02 ms (237.51 iterations/s)". */
const BENCH = /bench: \d+ iterations in [\d.]+ ms \(([\d.]+) iterations\/s\)/;
const ENGINES = ['vm1', 'emu1'] as const;

/** KVM and QEMU: CPU and memory in the kernel, devices in the VMM; hardware assist against emulation. */
export const lesson: LessonDef = {
  id: 'kvm-qemu',
  order: 2,
  steps: [
    step<number>({
      id: 'uart',
      view: { view: 'domain', name: 'vm1', tab: 'exits' },
      baseline: userExits,
      check(w, base) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        const exits = userExits(w) - base;
        if (exits < 1000) return { reason: 'few-exits', params: { exits } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        const base = userExits(a.world());
        await a.typeInConsole('vm1', 'dmesg');
        await a.until((w) => userExits(w) - base >= 1000, 30_000, 'exits to the VMM');
      },
    }),
    step<{ rss: number; exits: number }>({
      id: 'memory',
      view: { view: 'domain', name: 'vm1', tab: 'memory' },
      baseline: (w) => ({ rss: rss(w), exits: userExits(w) }),
      check(w, base) {
        if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
        const grown = rss(w) - base.rss;
        // A guest that already touched most of its RAM reuses backed pages: nothing new to map.
        const backed = rss(w) >= 0.6 * (w.infos.vm1?.memoryMiB ?? 64) * 1024;
        if (grown < 12 * 1024 && !backed)
          return { reason: 'no-touch', params: { mib: Math.max(0, Math.round(MiB(grown))) } };
        return true;
      },
      async solve(a) {
        await typeAndWait(a, 'vm1', 'hog 16M', /hog: \d+ holds/, 60_000, 'hog to touch 16 MiB');
        await a.api.consoleWrite('vm1', '\x03'); // Ctrl-C
      },
    }),
    step<Record<string, number>>({
      id: 'engines',
      view: { view: 'engines' },
      baseline: (w) => Object.fromEntries(ENGINES.map((n) => [n, w.console(n).length])),
      check(w, base) {
        const emu = w.infos.emu1;
        if (!emu) return { reason: 'no-emu1' };
        if (emu.type !== 'qemu') return { reason: 'emu1-not-qemu', params: { type: emu.type } };
        const down = ENGINES.filter((n) => running(w, [n]).length === 0);
        if (down.length) return { reason: 'down', params: { who: down.join(', ') } };
        if (w.infos.vm1?.type !== 'kvm') return { reason: 'vm1-not-kvm' };
        const missing = ENGINES.filter((n) => !BENCH.test(consoleSince(w, n, base[n] ?? 0)));
        if (missing.length) return { reason: 'no-bench', params: { who: missing.join(', ') } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await ensureRunning(a, 'emu1', '--memory 48 --virt-type qemu');
        await typeAndWait(a, 'vm1', 'bench', BENCH, 60_000, 'bench in vm1');
        await typeAndWait(a, 'emu1', 'bench', BENCH, 120_000, 'bench in emu1');
      },
    }),
  ],
};
