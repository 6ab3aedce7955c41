/**
 * `npm run bench`: one JSON object per line, {"name", "value", "unit"}.
 * Every figure is measured on the real hypervisor running the real guest.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { DEFAULT_KERNEL, NodeVm, PROMPT, ROOT, execInGuest, readImage } from './lib/run-vm';
import { asm } from '../src/hypervisor/cpu/asm.test-helper';
import { F } from '../src/hypervisor/cpu/hart-state';
import { RAM_BASE, makeHart } from '../src/hypervisor/cpu/hart.test-helper';

function report(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Number(value.toFixed(2)), unit }));
}

/** Boot to the shell prompt, then run the guest's own CPU benchmark and count instructions. */
async function guestBenchmarks(kernel: Uint8Array): Promise<void> {
  const t0 = performance.now();
  const vm = await NodeVm.start({ memoryMiB: 64, harts: 1, kernel });
  await vm.waitFor(PROMPT, 0, 120_000);
  report('boot_to_shell_prompt', (performance.now() - t0) / 1000, 's');

  // Guest MIPS on a CPU-bound guest program (the `bench` workload in user mode).
  const i0 = vm.instret();
  const c0 = performance.now();
  const out = await execInGuest(vm, 'bench', 0, 300_000);
  const seconds = (performance.now() - c0) / 1000;
  const mips = (vm.instret() - i0) / seconds / 1e6;
  report('guest_mips_bench_1hart', mips, 'MIPS');
  const ms = out.match(/in (\d+) ms/);
  if (ms) report('guest_bench_time_reported_by_guest', Number(ms[1]), 'ms');
  vm.type('poweroff\n');
  await vm.stopped;
}

/** The interpreter alone: a bare-metal ALU/load/store/branch loop in M-mode. */
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

/** Compiled rv32imac code (CRC-32, sieve, sort) run bare-metal in M-mode, in a VM worker. */
async function compiledBaremetal(): Promise<void> {
  const elf = await readImage(join(ROOT, 'test', 'fixtures', 'baremetal-cpubench.elf'));
  const vm = await NodeVm.start({ memoryMiB: 16, harts: 1, elf });
  const { reason, stats } = await vm.stopped;
  if (reason.kind !== 'pass') throw new Error(`cpubench did not pass: ${JSON.stringify(reason)}`);
  report('guest_mips_cpubench_baremetal', stats.instret / stats.seconds / 1e6, 'MIPS');
}

async function main(): Promise<void> {
  interpreterPeak();
  await compiledBaremetal();
  await guestBenchmarks(await readImage(DEFAULT_KERNEL));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
