import type { LessonDef, LessonWorld } from '../../lesson';
import { step } from '../../lesson';
import { consoleSince, MiB, running } from '../../world';
import { ensureRunning, idleShell, typeAndWait, VM1_INSTALL } from '../shared/solve';

const MAX_KIB = 64 * 1024;
/** The balloon target of the inflate step: vm1 keeps 24 MiB of its 64. */
const TARGET_KIB = 24 * 1024;
const HOLDS = /hog: \d+ holds \d+ bytes/;

const vm1 = (w: LessonWorld) => w.infos.vm1;
const deflated = (w: LessonWorld) => vm1(w)?.balloon?.deflatedPages ?? 0;
const newestPolicy = (w: LessonWorld) => w.policyLog[0]?.atMs ?? 0;

/** vm1 runs and has a balloon; otherwise why not. */
function vm1Ready(w: LessonWorld) {
  if (running(w, ['vm1']).length === 0) return { reason: 'vm1-down' };
  if (!vm1(w)?.balloon) return { reason: 'no-balloon' };
  return true as const;
}

/** Memory ballooning: virtio-balloon inflate and deflate, the guest's view, deflate-on-OOM, the policy. */
export const lesson: LessonDef = {
  id: 'balloon',
  order: 7,
  steps: [
    step({
      id: 'touch',
      view: { view: 'domain', name: 'vm1', tab: 'memory' },
      check(w) {
        const ready = vm1Ready(w);
        if (ready !== true) return ready;
        const rss = vm1(w)!.rssKiB;
        if (rss < 40 * 1024) return { reason: 'untouched', params: { rss: Math.round(MiB(rss)) } };
        if (!idleShell(w, 'vm1')) return { reason: 'hog-running' };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await typeAndWait(a, 'vm1', 'hog 40M', HOLDS, 60_000, 'hog to touch 40 MiB');
        await a.api.consoleWrite('vm1', '\x03'); // Ctrl-C in the console
        await a.until((w) => idleShell(w, 'vm1'), 10_000, 'the shell prompt of vm1');
      },
    }),
    step({
      id: 'inflate',
      view: { view: 'domain', name: 'vm1', tab: 'memory' },
      check(w) {
        const ready = vm1Ready(w);
        if (ready !== true) return ready;
        const info = vm1(w)!;
        const current = Math.round(MiB(info.currentMemoryKiB));
        if (info.balloon!.targetPages * 4 < MAX_KIB - TARGET_KIB)
          return { reason: 'not-inflated', params: { current } };
        if (info.currentMemoryKiB > TARGET_KIB + 256)
          return { reason: 'inflating', params: { current } };
        if (info.rssKiB > 28 * 1024)
          return { reason: 'rss-high', params: { rss: Math.round(MiB(info.rssKiB)) } };
        return true;
      },
      async solve(a) {
        await ensureRunning(a, 'vm1', VM1_INSTALL);
        await a.runVirsh('setmem vm1 24M --live');
        await a.until(
          (w) => (vm1(w)?.currentMemoryKiB ?? MAX_KIB) <= TARGET_KIB + 256,
          60_000,
          'the balloon to inflate',
        );
      },
    }),
    step<number>({
      id: 'guest-view',
      view: { view: 'domain', name: 'vm1', tab: 'console' },
      baseline: (w) => w.console('vm1').length,
      check(w, from) {
        const out = consoleSince(w, 'vm1', from);
        const rows = [...out.matchAll(/^Mem:\s+(\d+)\s+(\d+)/gm)];
        if (rows.length === 0) return { reason: 'no-free' };
        const [, total, used] = rows[rows.length - 1].map(Number);
        // free -m prints MiB, free alone KiB. With deflate-on-OOM the balloon's
        // 40 MiB show as used; without it MemTotal itself shrinks.
        const scale = total > 4096 ? 1024 : 1;
        if (used / scale >= 30 || total / scale <= 30) return true;
        return { reason: 'not-used', params: { used: Math.round(used / scale) } };
      },
      async solve(a) {
        await typeAndWait(a, 'vm1', 'free -m', /^Mem:/m, 20_000, 'free to print');
        await a.typeInConsole('vm1', 'cat /proc/meminfo');
      },
    }),
    step<number>({
      id: 'oom-deflate',
      view: { view: 'domain', name: 'vm1', tab: 'memory' },
      baseline: deflated,
      check(w, base) {
        const ready = vm1Ready(w);
        if (ready !== true) return ready;
        const pages = deflated(w) - base;
        if (pages < 1024) return { reason: 'no-deflate', params: { mib: Math.round(pages / 256) } };
        return true;
      },
      async solve(a) {
        const base = deflated(a.world());
        await typeAndWait(a, 'vm1', 'hog 36M', HOLDS, 90_000, 'hog to get 36 MiB');
        await a.until((w) => deflated(w) - base >= 1024, 30_000, 'the balloon to deflate');
        await a.api.consoleWrite('vm1', '\x03');
        await a.until((w) => idleShell(w, 'vm1'), 10_000, 'the shell prompt of vm1');
      },
    }),
    step({
      id: 'deflate',
      view: { view: 'domain', name: 'vm1', tab: 'memory' },
      check(w) {
        const ready = vm1Ready(w);
        if (ready !== true) return ready;
        const info = vm1(w)!;
        if (info.currentMemoryKiB < MAX_KIB || info.balloon!.actualPages > 0)
          return {
            reason: 'not-deflated',
            params: { current: Math.round(MiB(info.currentMemoryKiB)) },
          };
        return true;
      },
      async solve(a) {
        await a.runVirsh('setmem vm1 64M --live');
        await a.until(
          (w) => (vm1(w)?.currentMemoryKiB ?? 0) >= MAX_KIB,
          60_000,
          'the balloon to deflate',
        );
      },
    }),
    step<number>({
      id: 'policy',
      view: { view: 'memory' },
      baseline: newestPolicy,
      check(w, since) {
        if (!w.host?.balloonPolicy) return { reason: 'policy-off' };
        if (w.policyLog.some((e) => e.action === 'inflate' && e.atMs > since)) return true;
        const free = w.host.freeMiB;
        return {
          reason: 'no-decision',
          params: { free, pct: Math.round((100 * free) / w.host.ramMiB) },
        };
      },
      async solve(a) {
        const since = newestPolicy(a.world());
        if (!a.world().host?.balloonPolicy) await a.api.setBalloonPolicy(true); // the Memory view's switch
        // The page's "Memory pressure" scenario, by hand: sized from the host's RAM.
        const ram = a.world().host?.ramMiB ?? 512;
        const idle = Math.floor((ram * 0.35) / 16) * 16;
        const busy = Math.floor((ram * 0.5) / 16) * 16;
        const balloon = '--memballoon virtio,autodeflate=on,stats.period=1';
        await ensureRunning(a, 'idle', `--memory ${idle} ${balloon}`);
        await ensureRunning(a, 'busy', `--memory ${busy} ${balloon}`);
        await typeAndWait(a, 'idle', `hog ${idle - 32}M`, HOLDS, 120_000, 'hog in idle');
        await a.api.consoleWrite('idle', '\x03');
        await a.typeInConsole('busy', `hog ${busy - 24}M &`);
        await a.until(
          (w) => w.policyLog.some((e) => e.action === 'inflate' && e.atMs > since),
          120_000,
          'the balloon policy to inflate a balloon',
        );
      },
    }),
  ],
};
