/**
 * Scheduler benchmarks for `npm run bench` (issue [fairness]), on a host
 * with one pCPU so the figures do not depend on the machine's cores:
 * - the wake-up latency of an idle guest while two others spin: a key typed
 *   into its serial console until the guest echoes it back (UART interrupt,
 *   vCPU woken from WFI, placed and picked, guest tty, UART output);
 * - the fairness error over a 10 s measurement: three spinning guests with
 *   cpu_shares 2048 : 1024 : 1024, the largest distance of a guest's share
 *   of the pCPU from its entitled share, in percentage points.
 */
import { performance } from 'node:perf_hooks';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

type Report = (name: string, value: number, unit: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function boot(client: ControlClient, name: string): Promise<DomainSession> {
  const s = await DomainSession.attach(client, name);
  await client.api.define({ name, vcpus: 1, memoryMiB: 32, bootargs: 'console=ttyS0' });
  await client.api.start(name);
  await s.waitFor(PROMPT, 0, 120_000);
  await sleep(500);
  return s;
}

async function spin(s: DomainSession): Promise<void> {
  const from = s.output.length;
  await s.type('spin 1 &\n');
  await s.waitFor(/spin: started/, from, 30_000);
  await sleep(200);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function schedulerBenchmarks(report: Report): Promise<void> {
  const client = await startControl({ pcpus: 1, ramMiB: 256 });
  try {
    const [idle, a, b] = [
      await boot(client, 'idle'),
      await boot(client, 'a'),
      await boot(client, 'b'),
    ];
    await spin(a);
    await spin(b);
    await sleep(3_000); // the spinners run ahead; the idle guest sleeps

    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const from = idle.output.length;
      const t0 = performance.now();
      await idle.type('x');
      await idle.waitFor(/x/, from, 10_000);
      latencies.push(performance.now() - t0);
      await idle.type('\x7f'); // erase it again
      await idle.waitFor(/\x08/, from, 10_000);
      await sleep(20 + Math.random() * 30); // let it go idle again
    }
    latencies.sort((x, y) => x - y);
    report('wake_latency_idle_vm_busy_host_median', percentile(latencies, 50), 'ms');
    report('wake_latency_idle_vm_busy_host_p99', percentile(latencies, 99), 'ms');
    report('wake_latency_idle_vm_busy_host_max', latencies[latencies.length - 1], 'ms');

    await idle.type('\n');
    await spin(idle);
    await client.api.setSchedParams('idle', { shares: 2048 });
    const names = ['idle', 'a', 'b'];
    const entitled = [0.5, 0.25, 0.25];
    const read = () => Promise.all(names.map(async (n) => (await client.api.info(n)).cpuTimeMs));
    await sleep(500);
    const before = await read();
    await sleep(10_000);
    const used = (await read()).map((t, i) => t - before[i]);
    const total = used.reduce((x, y) => x + y, 0);
    const error = Math.max(...used.map((u, i) => Math.abs(u / total - entitled[i])));
    report('fairness_error_10s_shares_2_1_1', 100 * error, 'percentage points');
  } finally {
    await client.close();
  }
}
