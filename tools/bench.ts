/**
 * `npm run bench`: one JSON object per line, {"name", "value", "unit"}.
 * Every figure is measured on the real hypervisor (control worker, pCPU
 * workers, VMM workers) running the real guest, except the first, which
 * measures the interpreter alone.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { asm } from '../src/hypervisor/cpu/asm.test-helper';
import { F } from '../src/hypervisor/cpu/hart-state';
import { RAM_BASE, makeHart } from '../src/hypervisor/cpu/hart.test-helper';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';
import { ROOT, readImage } from './lib/images';
import { memoryBenchmarks } from './bench-memory';
import { schedulerBenchmarks } from './bench-sched';
import { browserBenchmarks } from './bench-browser';

function report(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Number(value.toFixed(2)), unit }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The interpreter alone: a bare-metal ALU/load/store/branch loop in M-mode, on this thread. */
function interpreterPeak(): void {
  const t = makeHart();
  t.load([
    ...asm.li(1, RAM_BASE + 0x10000),
    asm.addi(2, 0, 0),
    asm.addi(5, 0, 1),
    asm.lw(3, 1, 0),
    asm.add(3, 3, 2),
    asm.xor(3, 3, 5),
    asm.slli(4, 3, 3),
    asm.srli(6, 3, 5),
    asm.or(4, 4, 6),
    asm.sw(4, 1, 0),
    asm.addi(1, 1, 4),
    asm.andi(7, 1, 0x3ff),
    asm.bne(7, 0, 8),
    ...asm.li(1, RAM_BASE + 0x10000),
    asm.addi(2, 2, 1),
    asm.jal(0, -4 * 14),
  ]);
  t.hart.run(20_000_000); // warm up
  const i0 = t.hart.f[F.INSTRET];
  const c0 = performance.now();
  t.hart.run(200_000_000);
  const seconds = (performance.now() - c0) / 1000;
  report('interpreter_mips_baremetal_loop', (t.hart.f[F.INSTRET] - i0) / seconds / 1e6, 'MIPS');
}

async function boot(
  client: ControlClient,
  name: string,
  vcpus: number,
  memoryMiB = 64,
): Promise<DomainSession> {
  const session = await DomainSession.attach(client, name);
  await client.api.define({ name, vcpus, memoryMiB });
  await client.api.start(name);
  await session.waitFor(PROMPT, 0, 120_000);
  return session;
}

/** Guest instructions per second of a domain over `ms`, from its harts' instret. */
async function mips(client: ControlClient, names: string[], ms: number): Promise<number> {
  const count = async () =>
    (await Promise.all(names.map((n) => client.api.info(n)))).reduce(
      (s, i) => s + i.instructions,
      0,
    );
  const i0 = await count();
  const t0 = performance.now();
  await sleep(ms);
  const i1 = await count();
  return (i1 - i0) / ((performance.now() - t0) / 1000) / 1e6;
}

async function bareMetal(
  client: ControlClient,
  name: string,
  file: string,
): Promise<{ session: DomainSession; seconds: number }> {
  const session = await DomainSession.attach(client, name);
  await client.api.define({
    name,
    vcpus: 1,
    memoryMiB: 16,
    elf: await readImage(join(ROOT, 'test', 'fixtures', file)),
  });
  const t0 = performance.now();
  const done = session.waitForState((state, reason) => state !== 'running' && reason !== 'defined');
  await client.api.start(name);
  await done;
  if (session.detail !== 'the program passed')
    throw new Error(`${file}: ${session.state} ${session.detail}`);
  return { session, seconds: (performance.now() - t0) / 1000 };
}

async function onOnePcpu(): Promise<void> {
  const client = await startControl({ pcpus: 1, ramMiB: 1024 });
  try {
    const t0 = performance.now();
    const one = await boot(client, 'one', 1);
    report('boot_to_shell_prompt', (performance.now() - t0) / 1000, 's');
    await sleep(1000);
    report('host_memory_per_idle_64mib_guest', (await client.api.info('one')).rssKiB / 1024, 'MiB');

    // Guest MIPS on a CPU-bound guest program (the guest's own `bench`), per second of vCPU time.
    const info0 = await client.api.info('one');
    const out = await one.exec('bench 300');
    const info1 = await client.api.info('one');
    report(
      'guest_mips_bench_1vcpu',
      (info1.instructions - info0.instructions) / (info1.cpuTimeMs - info0.cpuTimeMs) / 1000,
      'MIPS',
    );
    const ms = out.match(/in ([\d.]+) ms/);
    if (ms) report('guest_bench_time_reported_by_guest', Number(ms[1]), 'ms');

    // Scheduling overhead: 1 vCPU alone on 1 pCPU vs 4 vCPUs sharing it.
    await one.type('spin 1 &\n');
    await sleep(500);
    report('guest_mips_1vcpu_on_1pcpu', await mips(client, ['one'], 2000), 'MIPS');
    await client.api.destroy('one');
    const four = await boot(client, 'four', 4);
    await four.type('spin 4 &\n');
    await sleep(500);
    report('guest_mips_4vcpus_on_1pcpu', await mips(client, ['four'], 2000), 'MIPS');
    await client.api.destroy('four');

    // MMIO exit round trip: 100000 UART register reads from a bare-metal program, timed by the guest.
    const mmio = await bareMetal(client, 'mmio', 'baremetal-mmiobench.elf');
    const ticks = parseInt(mmio.session.output.match(/mmiobench: ([0-9a-f]+)/)![1], 16);
    report('mmio_exit_round_trip', ticks / 10 / 100_000, 'us');
  } finally {
    await client.close();
  }
}

async function onTwoPcpus(): Promise<void> {
  const client = await startControl({ pcpus: 2, ramMiB: 1024 });
  try {
    // SMP speed-up: the same `spin 2` on a 1-vCPU and a 2-vCPU guest over 2 pCPUs.
    const iterations: number[] = [];
    for (const vcpus of [1, 2]) {
      const name = `smp${vcpus}`;
      const s = await boot(client, name, vcpus);
      const out = await s.exec('spin 2 --seconds 3');
      iterations.push(Number(out.match(/total (\d+) iterations/)?.[1] ?? NaN));
      await client.api.destroy(name);
    }
    report('spin2_iterations_1vcpu', iterations[0], 'iterations');
    report('spin2_iterations_2vcpus', iterations[1], 'iterations');
    report('smp_speedup_spin_2vcpus_vs_1', iterations[1] / iterations[0], 'x');

    // Boot time of 8 VMs at once.
    const t0 = performance.now();
    const sessions = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const s = await DomainSession.attach(client, `vm${i}`);
        await client.api.define({ name: `vm${i}`, vcpus: 1, memoryMiB: 32 });
        await client.api.start(`vm${i}`);
        return s;
      }),
    );
    await Promise.all(sessions.map((s) => s.waitFor(PROMPT, 0, 300_000)));
    report('boot_8_vms_at_once', (performance.now() - t0) / 1000, 's');
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  interpreterPeak();
  await onOnePcpu();
  await onTwoPcpus();
  await schedulerBenchmarks(report);
  await browserBenchmarks(report);
  await memoryBenchmarks(report);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
