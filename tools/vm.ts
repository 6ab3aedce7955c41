/**
 * `npm run vm -- [options]`: boots a VM in Node (a worker thread, the same
 * hypervisor code as the browser) with its serial console on this terminal.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_KERNEL, NodeVm, execInGuest, readImage } from './lib/run-vm';
import type { MachineConfig } from '../src/hypervisor/vm/virt-machine';

const USAGE = `usage: npm run vm -- [options]
  --mem MiB        guest memory (default 64)
  --smp N          vCPUs (default 1)
  --kernel FILE    Linux Image, raw or gzip (default public/images/linux-rv32.bin.gz)
  --append ARGS    kernel command line (default "console=ttyS0 earlycon=sbi")
  --initrd FILE    an initramfs (cpio, raw or gzip) unpacked over the built-in one
  --elf FILE       run a bare-metal rv32 ELF in M-mode (HTIF tohost ends it)
  --exec 'LINE'    wait for the shell, run LINE, print its output, power off
  --verbose        with --exec: also print the boot console
Interactive: Ctrl-A X quits (as in QEMU).`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        mem: { type: 'string', default: '64' },
        smp: { type: 'string', default: '1' },
        kernel: { type: 'string' },
        append: { type: 'string' },
        initrd: { type: 'string' },
        elf: { type: 'string' },
        exec: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config: MachineConfig = {
    memoryMiB: Number(args.mem),
    harts: Number(args.smp),
    bootargs: args.append,
  };
  try {
    if (args.elf) config.elf = await readImage(args.elf);
    else config.kernel = await readImage(args.kernel ?? DEFAULT_KERNEL);
    if (args.initrd) config.initrd = await readImage(args.initrd);
  } catch (error) {
    console.error(`vm: ${(error as Error).message}`);
    return 2;
  }

  const vm = await NodeVm.start(config);
  const exec = args.exec;
  if (exec !== undefined) {
    if (args.verbose) vm.onOutput((t) => process.stdout.write(t));
    try {
      const out = await execInGuest(vm, exec);
      if (!args.verbose) process.stdout.write(out);
      vm.type('poweroff\n');
    } catch (error) {
      console.error(`vm: ${(error as Error).message}`);
      const stopped = await Promise.race([vm.stopped, Promise.resolve(undefined)]);
      if (stopped) console.error(`vm: ${describe(stopped.reason)}`);
      await vm.destroy();
      return 1;
    }
  } else {
    vm.onOutput((t) => process.stdout.write(t));
    interactive(vm);
  }
  const { reason, stats } = await vm.stopped;
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdin.pause();
  const mips = stats.instret / stats.seconds / 1e6;
  const summary = `vm: ${describe(reason)} after ${stats.seconds.toFixed(2)} s (${(stats.instret / 1e6).toFixed(0)} M instructions, ${mips.toFixed(0)} MIPS)`;
  if (exec === undefined || args.verbose || reason.kind !== 'poweroff') console.error(summary);
  switch (reason.kind) {
    case 'poweroff':
    case 'reboot':
    case 'pass':
      return 0;
    case 'fail':
      return Math.min(255, reason.code) || 1;
    default:
      return 1;
  }
}

function describe(reason: import('../src/hypervisor/vm/virt-machine').StopReason): string {
  switch (reason.kind) {
    case 'poweroff':
      return 'guest powered off';
    case 'reboot':
      return 'guest asked to reboot (stopped)';
    case 'panic':
      return 'guest panicked';
    case 'pass':
      return 'bare-metal program passed';
    case 'fail':
      return `bare-metal program failed with code ${reason.code}`;
    case 'error':
      return `error: ${reason.message}`;
    case 'destroyed':
      return 'stopped from the host';
  }
}

function interactive(vm: NodeVm): void {
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  let ctrlA = false;
  stdin.on('data', (chunk: Buffer) => {
    for (const byte of chunk) {
      if (ctrlA) {
        ctrlA = false;
        if (byte === 0x78 || byte === 0x58) {
          console.error('\nvm: quit (Ctrl-A X)');
          void vm.destroy().then(() => process.exit(0));
          return;
        }
        if (byte !== 0x01) vm.type(Uint8Array.of(0x01));
      } else if (byte === 0x01) {
        ctrlA = true;
        continue;
      }
      vm.type(Uint8Array.of(byte));
    }
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
