/**
 * `npm run bench`: one JSON object per line, {"name", "value", "unit"}.
 * Every figure is measured on the real hypervisor (control worker, pCPU
 * workers, VMM workers) running the real guest, except the first two, which
 * measure the engines alone. Figures suffixed _qemu and _kvm are the same
 * measurement under the interpreter (type='qemu') and the JIT (type='kvm').
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { asm } from '../src/hypervisor/cpu/asm';
import { F } from '../src/hypervisor/cpu/hart-state';
import { CODE, RAM_BASE, makeMachine } from '../src/hypervisor/cpu/jit/jit.test-helper';
import type { DomainType } from '../src/manage/control-api';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';
import { ROOT, readImage } from './lib/images';
import { memoryBenchmarks } from './bench-memory';
import { migrationBenchmarks } from './bench-migration';
import { mobilityBenchmarks } from './bench-mobility';
import { schedulerBenchmarks } from './bench-sched';
import { browserBenchmarks } from './bench-browser';

function report(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Number(value.toFixed(2)), unit }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The engines alone, on this thread: a bare-metal ALU/load/store/branch loop in M-mode. */
function enginePeak(): void {
  const loop = [
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
  ];
  for (const engine of ['interpreter', 'jit'] as const) {
    const m = makeMachine(engine);
    m.poke32(CODE, ...loop);
    report(`${engine}_mips_baremetal_loop`, peakMips(m), 'MIPS');
  }
  // Code shaped like a kernel's: a loop calling 24 functions of 17 instructions (twice ALU, a
  // load, a store and a branch, then a return), eight to a page over three pages, so every call
  // and return leaves one translated region for another (through the trampoline, dispatch-table.ts).
  const fn = (f: number) => RAM_BASE + 0x3000 + f * 0x200;
  for (const engine of ['interpreter', 'jit'] as const) {
    const m = makeMachine(engine);
    const main = [...asm.li(8, RAM_BASE + 0x10000)];
    for (let f = 0; f < 24; f++) main.push(asm.jal(1, fn(f) - (CODE + 4 * main.length)));
    main.push(asm.jal(0, -4 * 24));
    m.poke32(CODE, ...main);
    for (let f = 0; f < 24; f++) {
      const body = [
        asm.lw(5, 8, 4 * f),
        asm.add(6, 5, 10),
        asm.xor(7, 6, 5),
        asm.slli(10, 7, 3),
        asm.sw(6, 8, 4 * f),
        asm.beq(5, 0, 8),
        asm.addi(5, 5, 1),
        asm.addi(11, 11, 1),
      ];
      m.poke32(fn(f), ...body, ...body, asm.jalr(0, 1, 0));
    }
    report(`${engine}_mips_baremetal_calls`, peakMips(m), 'MIPS');
  }
}

/** Guest MIPS of machine `m` over 2 s of running, after a warm-up (for the JIT, a tier-up). */
function peakMips(m: ReturnType<typeof makeMachine>): number {
  for (let k = 0; k < 400; k++) m.hart.run(50_000);
  const i0 = m.hart.f[F.INSTRET];
  const c0 = performance.now();
  while (performance.now() - c0 < 2000) for (let k = 0; k < 100; k++) m.hart.run(50_000);
  const seconds = (performance.now() - c0) / 1000;
  return (m.hart.f[F.INSTRET] - i0) / seconds / 1e6;
}

async function boot(
  client: ControlClient,
  name: string,
  vcpus: number,
  memoryMiB = 64,
  type: DomainType = 'kvm',
): Promise<DomainSession> {
  const session = await DomainSession.attach(client, name);
  await client.api.define({ name, vcpus, memoryMiB, type });
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

/** Boot and the guest's `bench` under one engine, on a fresh 1-pCPU host; returns the figures. */
async function engineRun(
  type: DomainType,
): Promise<{ boot: number; bench: number; warm: number; second: number }> {
  const client = await startControl({ pcpus: 1, ramMiB: 256 });
  try {
    const t0 = performance.now();
    const s = await boot(client, 'one', 1, 64, type);
    const bootS = (performance.now() - t0) / 1000;
    report(`boot_to_shell_prompt_${type}`, bootS, 's');
    const jitBoot = (await client.api.hostInfo()).jit;
    if (type === 'kvm' && jitBoot) {
      report('jit_compile_time_during_boot', jitBoot.compileMs, 'ms');
      report('jit_code_cache_after_boot', jitBoot.codeBytes / 1024, 'KiB');
    }
    // Guest MIPS on a CPU-bound guest program (the guest's own `bench`), per second of vCPU time.
    const info0 = await client.api.info('one');
    const out = await s.exec('bench 300');
    const info1 = await client.api.info('one');
    report(
      `guest_mips_bench_1vcpu_${type}`,
      (info1.instructions - info0.instructions) / (info1.cpuTimeMs - info0.cpuTimeMs) / 1000,
      'MIPS',
    );
    const ms = Number(out.match(/in ([\d.]+) ms/)?.[1] ?? NaN);
    report(`guest_bench_time_${type}`, ms, 'ms');
    // Again, warm: the JIT's code compiled and tiered up (V8 compiles hot wasm again, optimized).
    const again = await s.exec('bench 300');
    const warm = Number(again.match(/in ([\d.]+) ms/)?.[1] ?? NaN);
    report(`guest_bench_time_warm_${type}`, warm, 'ms');
    const sum = out.match(/bench: result ([0-9a-f]+)/)?.[1];
    report(`guest_bench_checksum_${type}`, parseInt(sum ?? 'NaN', 16), 'checksum');
    const jit = (await client.api.hostInfo()).jit;
    if (type === 'kvm' && jit) {
      report('jit_compile_time_total', jit.compileMs, 'ms');
      report('jit_code_cache', jit.codeBytes / 1024, 'KiB');
      report('jit_blocks', jit.blocks, 'blocks');
      const total = (await client.api.info('one')).instructions;
      report('jit_translated_share', (100 * jit.translatedInstructions) / total, '%');
    }
    // A second VM with the same kernel on this host, alone: under the JIT it runs the
    // modules compiled for the first (module-exchange.ts), wherever its frames are.
    await client.api.destroy('one');
    const t1 = performance.now();
    await boot(client, 'two', 1, 64, type);
    const second = (performance.now() - t1) / 1000;
    report(`boot_to_shell_prompt_second_vm_${type}`, second, 's');
    return { boot: bootS, bench: ms, warm, second };
  } finally {
    await client.close();
  }
}

/**
 * The JIT on 2 pCPUs: a 2-vCPU guest boots and runs `bench` on both; a page
 * module compiled on one pCPU is adopted by the other (module-exchange.ts).
 */
async function jitSharing(): Promise<void> {
  const client = await startControl({ pcpus: 2, ramMiB: 256 });
  try {
    const s = await boot(client, 'smp', 2, 64, 'kvm');
    await s.exec('bench 60');
    const jit = (await client.api.hostInfo()).jit;
    if (!jit) throw new Error('no JIT telemetry');
    report('jit_smp_modules_compiled', jit.compiles, 'modules');
    report('jit_smp_modules_adopted', jit.adopted, 'modules');
    report('jit_smp_compile_time', jit.compileMs, 'ms');
    report('jit_smp_code_cache', jit.codeBytes / 1024, 'KiB');
    report('jit_smp_shared_module_table', jit.sharedBytes / 1024, 'KiB');
  } finally {
    await client.close();
  }
}

/** The two engines in the same run: pure emulation (type='qemu') and the JIT (type='kvm'). */
async function engines(): Promise<void> {
  const qemu = await engineRun('qemu');
  const kvm = await engineRun('kvm');
  await jitSharing();
  report('jit_speedup_guest_bench', qemu.bench / kvm.bench, 'x');
  report('jit_speedup_guest_bench_warm', qemu.warm / kvm.warm, 'x');
  report('jit_boot_time_ratio', kvm.boot / qemu.boot, 'x');
  report('jit_boot_time_ratio_second_vm', kvm.second / qemu.second, 'x');
}

async function onOnePcpu(): Promise<void> {
  const client = await startControl({ pcpus: 1, ramMiB: 1024 });
  try {
    const one = await boot(client, 'one', 1);
    await sleep(1000);
    report('host_memory_per_idle_64mib_guest', (await client.api.info('one')).rssKiB / 1024, 'MiB');

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
    for (const type of ['qemu', 'kvm'] as const) {
      const iterations: number[] = [];
      for (const vcpus of [1, 2]) {
        const name = `smp${vcpus}${type}`;
        const s = await boot(client, name, vcpus, 64, type);
        const out = await s.exec('spin 2 --seconds 3');
        iterations.push(Number(out.match(/total (\d+) iterations/)?.[1] ?? NaN));
        await client.api.destroy(name);
      }
      report(`spin2_iterations_1vcpu_${type}`, iterations[0], 'iterations');
      report(`spin2_iterations_2vcpus_${type}`, iterations[1], 'iterations');
      report(`smp_speedup_spin_2vcpus_vs_1_${type}`, iterations[1] / iterations[0], 'x');
    }

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
  if (process.env.VIRTLAB_BENCH_ONLY === 'mobility') return mobilityBenchmarks(report);
  if (process.env.VIRTLAB_BENCH_ONLY === 'memory') {
    // Memory, then mobility and migration: the part after the page's figures.
    await memoryBenchmarks(report);
    await mobilityBenchmarks(report);
    return migrationBenchmarks(report);
  }
  if (process.env.VIRTLAB_BENCH_ONLY === 'migration') return migrationBenchmarks(report);
  if (process.env.VIRTLAB_BENCH_ONLY === 'page') return browserBenchmarks(report);
  enginePeak();
  await engines();
  if (process.env.VIRTLAB_BENCH_ONLY === 'engines') return; // the two engines' figures alone
  await onOnePcpu();
  await onTwoPcpus();
  await schedulerBenchmarks(report);
  await browserBenchmarks(report);
  await memoryBenchmarks(report);
  await mobilityBenchmarks(report);
  await migrationBenchmarks(report);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
