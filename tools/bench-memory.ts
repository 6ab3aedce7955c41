/**
 * Memory benchmarks for `npm run bench` (issue [memory]): ksmd's scan rate
 * and its cost to running vCPUs, the COW fault, the balloon's inflate and
 * deflate rates, and what KSM saves on identical idle guests. Every figure
 * comes from the real hypervisor running the real guest.
 */
import { performance } from 'node:perf_hooks';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

type Report = (name: string, value: number, unit: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 120_000): Promise<T> {
  let v = await read();
  for (const end = Date.now() + ms; !ok(v); v = await read()) {
    if (Date.now() > end) throw new Error(`bench: timed out (${JSON.stringify(v)})`);
    await sleep(20);
  }
  return v;
}

async function boot(client: ControlClient, name: string, memoryMiB: number) {
  const s = await DomainSession.attach(client, name);
  await client.api.define({ name, vcpus: 1, memoryMiB, balloon: { statsPeriodS: 0 } });
  await client.api.start(name);
  await s.waitFor(PROMPT, 0, 120_000);
  return s;
}

/** Starts a background command and returns the first match of `line` after it. */
async function background(
  s: DomainSession,
  command: string,
  line: RegExp,
): Promise<RegExpMatchArray> {
  await fresh(s);
  const from = s.output.length;
  await s.type(`${command} &\n`);
  const { match } = await s.waitFor(line, from, 120_000);
  await s.type('\n');
  await sleep(100);
  return match;
}

/** A fresh prompt (background jobs may have printed after the last one). */
async function fresh(s: DomainSession): Promise<void> {
  const mark = s.output.length;
  await s.type('\n');
  await s.waitFor(PROMPT, mark, 60_000);
}

async function signal(s: DomainSession, pid: number, sig: string, line: RegExp) {
  await fresh(s);
  const from = s.output.length;
  await s.type(`kill -${sig} ${pid}\n`);
  return (await s.waitFor(line, from, 120_000)).match;
}

async function mips(client: ControlClient, name: string, ms: number): Promise<number> {
  const i0 = (await client.api.info(name)).instructions;
  const t0 = performance.now();
  await sleep(ms);
  const i1 = (await client.api.info(name)).instructions;
  return (i1 - i0) / ((performance.now() - t0) / 1000) / 1e6;
}

export async function memoryBenchmarks(report: Report): Promise<void> {
  const client = await startControl({ pcpus: 1, ramMiB: 1024 });
  const api = client.api;
  try {
    // KSM on three identical idle guests.
    const guests = [];
    for (const name of ['m1', 'm2', 'm3']) guests.push(await boot(client, name, 64));
    await sleep(1000);
    await api.setKsm({ run: 1, pages_to_scan: 1000, sleep_millisecs: 0 });
    const s0 = (await api.ksm()).stats;
    await until(
      async () => (await api.ksm()).stats,
      (s) => s.full_scans >= s0.full_scans + 4,
    );
    const s1 = (await api.ksm()).stats;
    report(
      'ksmd_scan_rate',
      ((s1.pages_scanned - s0.pages_scanned) / (s1.scan_ms - s0.scan_ms)) * 1000,
      'pages/s',
    );
    report('ksm_saved_3_idle_64mib_guests', (s1.pages_sharing * 4096) / 2 ** 20, 'MiB');

    // What ksmd costs a running vCPU (1 pCPU; ksmd is its own thread): at Linux's
    // defaults (100 pages every 20 ms) and scanning flat out.
    const [a, b] = guests;
    await api.setKsm({ run: 0 });
    await a.type('spin 1 --seconds 11 &\n');
    await sleep(500);
    const off = await mips(client, 'm1', 3000);
    await api.setKsm({ run: 1, pages_to_scan: 100, sleep_millisecs: 20 });
    const defaults = await mips(client, 'm1', 3000);
    await api.setKsm({ run: 1, pages_to_scan: 1000, sleep_millisecs: 0 });
    const flat = await mips(client, 'm1', 3000);
    report('guest_mips_with_ksmd_off', off, 'MIPS');
    report('ksmd_cost_to_running_vcpu_at_defaults', ((off - defaults) / off) * 100, '%');
    report('ksmd_cost_to_running_vcpu_flat_out', ((off - flat) / off) * 100, '%');
    await sleep(2000); // the spin ends

    // COW fault: merge two 8 MiB same-pattern hogs, stop ksmd, write one word of every page.
    const pages = 2048;
    // hog prints its pid: "hog: PID holds N bytes".
    const hogA = await background(a, 'hog 8M --pattern same', /hog: (\d+) holds/);
    await background(b, 'hog 8M --pattern same', /hog: (\d+) holds/);
    const pid = Number(hogA[1]);
    await until(
      async () => (await api.info('m1')).ksm.ksm_merging_pages,
      (n) => n >= pages,
    );
    await api.setKsm({ run: 0 });
    const first = await signal(a, pid, 'USR2', /hog: touched \d+ pages in (\d+) us/);
    const again = await signal(a, pid, 'USR2', /hog: touched \d+ pages in (\d+) us/);
    report('cow_fault', (Number(first[1]) - Number(again[1])) / pages, 'us');
    for (const name of ['m1', 'm2', 'm3']) await api.destroy(name);

    // Balloon: a 160 MiB guest touches 128 MiB, frees it, then the balloon takes 128 MiB and gives it back.
    const g = await boot(client, 'bal', 160);
    const hog = await background(g, 'hog 128M --pattern same', /hog: (\d+) holds/);
    await g.exec(`kill ${hog[1]}`);
    await sleep(300);
    const used0 = (await api.hostInfo()).usedKiB;
    let t0 = performance.now();
    await api.setMemory('bal', 32 * 1024);
    await until(
      () => api.info('bal'),
      (i) => i.currentMemoryKiB === 32 * 1024,
    );
    const inflate = (performance.now() - t0) / 1000;
    const freedMiB = (used0 - (await api.hostInfo()).usedKiB) / 1024;
    t0 = performance.now();
    await api.setMemory('bal', 160 * 1024);
    await until(
      () => api.info('bal'),
      (i) => i.currentMemoryKiB === 160 * 1024,
    );
    const deflate = (performance.now() - t0) / 1000;
    report('balloon_inflate_rate', 128 / inflate, 'MiB/s');
    report('balloon_inflate_host_memory_freed', freedMiB, 'MiB');
    report('balloon_deflate_rate', 128 / deflate, 'MiB/s');
  } finally {
    await client.close();
  }
}
