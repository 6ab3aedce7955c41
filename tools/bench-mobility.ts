/**
 * Mobility benchmarks for `npm run bench` (issue [mobility]): save and
 * restore of an idle 64 MiB guest (file size and time each), a snapshot,
 * a clone, and quick boot (a VM from the snapshot taken at the shell
 * prompt: from the start call to its prompt answering). Every figure comes
 * from the real hypervisor running the real guest.
 */
import { performance } from 'node:perf_hooks';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

type Report = (name: string, value: number, unit: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function boot(client: ControlClient, name: string, memoryMiB: number, quick = false) {
  const s = await DomainSession.attach(client, name);
  await client.api.define({ name, vcpus: 1, memoryMiB, bootargs: 'console=ttyS0' });
  await client.api.start(name, { quick });
  await s.waitFor(PROMPT, 0, 120_000);
  return s;
}

/** Time from `action` to a prompt drawn after it in `s` (the VM answers its console). */
async function untilPrompt(s: DomainSession, action: () => Promise<unknown>): Promise<number> {
  const from = s.output.length;
  const t0 = performance.now();
  await action();
  await s.waitFor(PROMPT, from, 60_000);
  return performance.now() - t0;
}

export async function mobilityBenchmarks(report: Report): Promise<void> {
  const client = await startControl({ pcpus: 1, ramMiB: 512 });
  try {
    const api = client.api;
    const s = await boot(client, 'idle64', 64);
    await sleep(3000); // settle: the boot's last writes, ksmd off by default

    const t0 = performance.now();
    const image = await api.save('idle64');
    report('save_idle_64mib_time', performance.now() - t0, 'ms');
    report('save_idle_64mib_file_size', image.length / (1 << 20), 'MiB');
    const restore = await untilPrompt(s, async () => {
      const t = performance.now();
      await api.restore(image);
      report('restore_idle_64mib_time', performance.now() - t, 'ms');
      await api.consoleWrite('idle64', '\n');
    });
    report('restore_idle_64mib_to_prompt', restore, 'ms');

    const t1 = performance.now();
    await api.snapshotCreate('idle64', { name: 'bench' });
    report('snapshot_create_idle_64mib_time', performance.now() - t1, 'ms');
    const clone = await DomainSession.attach(client, 'clone64');
    const cloned = await untilPrompt(clone, async () => {
      await api.clone('idle64', { name: 'clone64', snapshot: 'bench' });
      await api.consoleWrite('clone64', '\n');
    });
    report('clone_from_snapshot_to_prompt', cloned, 'ms');
    await api.destroy('clone64');
    await api.destroy('idle64');

    // Quick boot: the first VM of the page's default configuration boots and leaves a
    // template at its prompt; the next one is usable (prompt answers) this long after start.
    await boot(client, 'quick0', 64, true);
    while ((await api.hostInfo()).quickBootKiB === 0) await sleep(20);
    const times: number[] = [];
    for (let i = 1; i <= 5; i++) {
      // Clicks a second apart, as a person makes them: the host's spare VMM worker is ready.
      await sleep(1000);
      const q = await DomainSession.attach(client, `quick${i}`);
      await api.define({ name: `quick${i}`, vcpus: 1, memoryMiB: 64, bootargs: 'console=ttyS0' });
      const from = q.output.length;
      const t = performance.now();
      await api.start(`quick${i}`, { quick: true });
      await q.waitFor(PROMPT, from, 60_000);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    report('quick_boot_start_to_prompt_median', times[2], 'ms');
    report('quick_boot_start_to_prompt_max', times[4], 'ms');
  } finally {
    await client.close();
  }
}
