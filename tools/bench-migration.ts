/**
 * Live-migration benchmarks for `npm run bench` (issue [mobility] part 5):
 * an idle 64 MiB guest moved between two hosts (two control workers, the
 * stream over a MessageChannel): total time and downtime; then the same
 * guest under `stress --vm 1 --vm-bytes 8M --vm-keep` at 16 MiB/s with
 * auto-converge: rounds, throttle and downtime (it takes the max-iterations
 * fallback: ARCHITECTURE.md, "Live migration").
 */
import * as Comlink from 'comlink';
import type { MigrationTarget } from '../src/manage/control-api';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

type Report = (name: string, value: number, unit: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function channel(): [MigrationTarget, MigrationTarget] {
  const { port1, port2 } = new MessageChannel();
  return [
    Comlink.transfer({ kind: 'port', port: port1 }, [port1]),
    Comlink.transfer({ kind: 'port', port: port2 }, [port2]),
  ];
}

async function move(from: ControlClient, to: ControlClient, name: string, params = {}) {
  const [out, inn] = channel();
  const incoming = to.api.migrateIncoming(inn);
  const info = await from.api.migrate(name, out, params);
  await incoming;
  return info;
}

export async function migrationBenchmarks(report: Report): Promise<void> {
  const [a, b] = await Promise.all([
    startControl({ pcpus: 1, ramMiB: 256 }),
    startControl({ pcpus: 1, ramMiB: 256 }),
  ]);
  try {
    const s = await DomainSession.attach(a, 'mig64');
    await a.api.define({ name: 'mig64', vcpus: 1, memoryMiB: 64, bootargs: 'console=ttyS0' });
    await a.api.start('mig64');
    await s.waitFor(PROMPT, 0, 120_000);
    await sleep(3000); // the boot's last writes settle

    const idle = await move(a, b, 'mig64', { live: true });
    report('migrate_idle_64mib_total_time', idle.timeElapsedMs, 'ms');
    report('migrate_idle_64mib_downtime', idle.downtimeMs ?? NaN, 'ms');
    report('migrate_idle_64mib_data', idle.memProcessed / (1 << 20), 'MiB');

    const there = await DomainSession.attach(b, 'mig64');
    await b.api.consoleWrite('mig64', 'stress --vm 1 --vm-bytes 8M --vm-keep &\n');
    await there.waitFor(/vm worker \d+: \d+ bytes/, 0, 60_000);
    await sleep(1000);
    const busy = await move(b, a, 'mig64', {
      live: true,
      bandwidthMiBs: 16,
      autoConverge: true,
      maxIterations: 10,
    });
    report('migrate_stress_8mib_rounds', busy.iteration, '');
    report('migrate_stress_8mib_throttle', busy.autoConvergeThrottle, '%');
    report('migrate_stress_8mib_downtime', busy.downtimeMs ?? NaN, 'ms');
    report('migrate_stress_8mib_dirty_rate', busy.dirtyRate, 'pages/s');
    await a.api.destroy('mig64');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
