import type { DomainDef } from '../manage/control-api';
import type { HostSession } from './host.svelte';
import type { Route } from './router.svelte';
import { PAIR, WORKLOADS } from './engines/engine-pair';

/**
 * One-click situations to watch (the first screen's scenario picker). Each
 * creates the VMs it needs (leaving others alone), starts the work inside
 * them through their serial consoles, and says which view shows it.
 */
export interface Scenario {
  id: 'ksm' | 'sched' | 'balloon' | 'engines';
  titleKey: string;
  textKey: string;
  view: Route;
  run(host: HostSession, progress: (text: string) => void): Promise<void>;
}

const PROMPT = /root@virtlab:[^\n#]*# $/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function consoleText(host: HostSession, name: string): string {
  const decoder = new TextDecoder();
  return host
    .consoleHistory(name)
    .map((b) => decoder.decode(b, { stream: true }))
    .join('');
}

/** Waits until the guest's shell shows its prompt (boot done), up to `ms`. */
async function waitForPrompt(host: HostSession, name: string, ms = 60_000): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (PROMPT.test(consoleText(host, name).replace(/\r/g, ''))) return;
    await sleep(200);
  }
  throw new Error(`${name} did not reach its shell prompt`);
}

/** Defines and starts `def` unless a domain of that name exists; starts it if it is shut off. */
async function ensure(host: HostSession, def: DomainDef): Promise<void> {
  const existing = host.domain(def.name);
  if (!existing) await host.call(host.api.define(def));
  if (!existing || existing.state === 'shut off' || existing.state === 'crashed')
    await host.call(host.api.start(def.name));
  await host.refresh();
}

/** Types `line` into the domain's serial console once its shell has shown a prompt. */
export async function typeLine(host: HostSession, name: string, line: string): Promise<void> {
  await waitForPrompt(host, name);
  await host.call(host.api.consoleWrite(name, `${line}\n`));
}

/** Defines and starts the engines view's kvm and qemu domains (those missing or shut off). */
export async function ensurePair(host: HostSession, progress: (name: string) => void) {
  for (const def of [PAIR.kvm, PAIR.qemu]) {
    progress(def.name);
    await ensure(host, def);
  }
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'ksm',
    titleKey: 'app:scenarioKsm',
    textKey: 'app:scenarioKsmText',
    view: { view: 'memory' },
    async run(host, progress) {
      for (const name of ['ksm1', 'ksm2', 'ksm3']) {
        progress(name);
        await ensure(host, { name, memoryMiB: 48, vcpus: 1, balloon: { autodeflate: true } });
      }
      await host.call(host.api.setKsm({ run: 1, pages_to_scan: 1000, sleep_millisecs: 20 }));
    },
  },
  {
    id: 'sched',
    titleKey: 'app:scenarioSched',
    textKey: 'app:scenarioSchedText',
    view: { view: 'scheduler' },
    async run(host, progress) {
      const defs: DomainDef[] = [
        { name: 'heavy', memoryMiB: 48, vcpus: 2, shares: 2048 },
        { name: 'light', memoryMiB: 48, vcpus: 2, shares: 1024 },
      ];
      for (const def of defs) {
        progress(def.name);
        await ensure(host, def);
      }
      for (const def of defs) await typeLine(host, def.name, 'spin 2 &');
    },
  },
  {
    id: 'balloon',
    titleKey: 'app:scenarioBalloon',
    textKey: 'app:scenarioBalloonText',
    view: { view: 'memory' },
    async run(host, progress) {
      const ram = host.info?.ramMiB ?? 512;
      const idle = Math.floor((ram * 0.35) / 16) * 16;
      const busy = Math.floor((ram * 0.5) / 16) * 16;
      const balloon = { autodeflate: true, statsPeriodS: 1 };
      progress('idle');
      await ensure(host, { name: 'idle', memoryMiB: idle, vcpus: 1, balloon });
      progress('busy');
      await ensure(host, { name: 'busy', memoryMiB: busy, vcpus: 1, balloon });
      if (!host.info?.balloonPolicy) await host.call(host.api.setBalloonPolicy(true));
      // idle touches most of its memory and frees it again: free in the guest, backed on the host.
      await typeLine(host, 'idle', `hog ${idle - 32}M`);
      await sleep(4000);
      await host.call(host.api.consoleWrite('idle', '\x03')); // Ctrl-C: the hog exits, its memory is free
      await typeLine(host, 'busy', `hog ${busy - 24}M &`);
    },
  },
  {
    id: 'engines',
    titleKey: 'app:scenarioEngines',
    textKey: 'app:scenarioEnginesText',
    view: { view: 'engines' },
    async run(host, progress) {
      await ensurePair(host, progress);
      // Both at once: the same program for the same time.
      await Promise.all([PAIR.kvm, PAIR.qemu].map((d) => typeLine(host, d.name, WORKLOADS.spin)));
    },
  },
];
