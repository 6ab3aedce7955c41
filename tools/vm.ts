/**
 * `npm run vm -- [options]`: boots a VM in Node (a worker thread, the same
 * hypervisor code as the browser) with its serial console on this terminal.
 */
import { parseArgs } from 'node:util';
import { startControl, type ControlClient } from './lib/control-client';
import { DomainSession } from './lib/domain-session';
import { readImage } from './lib/images';
import type { DomainDef } from '../src/manage/control-api';

const USAGE = `usage: npm run vm -- [options]
  --mem MiB        guest memory (default 64)
  --smp N          vCPUs (default 1)
  --pcpus N        pCPU worker threads of the host (default: cores - 1)
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
        pcpus: { type: 'string' },
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
  const def: DomainDef = {
    name: 'vm',
    memoryMiB: Number(args.mem),
    vcpus: Number(args.smp),
    bootargs: args.append,
  };
  try {
    if (args.elf) def.elf = await readImage(args.elf);
    else if (args.kernel) def.kernel = await readImage(args.kernel);
    if (args.initrd) def.initrd = await readImage(args.initrd);
  } catch (error) {
    console.error(`vm: ${(error as Error).message}`);
    return 2;
  }

  const started = performance.now();
  let client: ControlClient;
  try {
    client = await startControl({
      pcpus: args.pcpus === undefined ? undefined : Number(args.pcpus),
    });
  } catch (error) {
    console.error(`vm: ${(error as Error).message}`);
    return 2;
  }
  try {
    const session = await DomainSession.attach(client, def.name);
    await client.api.define(def);
    const ended = session.waitForState(
      (state, reason) => state !== 'running' && reason !== 'defined',
      24 * 3600_000,
    );
    await client.api.start(def.name);
    const exec = args.exec;
    if (exec !== undefined) {
      if (args.verbose) session.onOutput((t) => process.stdout.write(t));
      try {
        const out = await session.exec(exec);
        if (!args.verbose) process.stdout.write(out);
        await session.type('poweroff\n');
      } catch (error) {
        console.error(`vm: ${(error as Error).message}`);
        if (session.state === 'running' || session.state === 'paused')
          await client.api.destroy(def.name);
        return 1;
      }
    } else {
      session.onOutput((t) => process.stdout.write(t));
      interactive(session, () => client.api.destroy(def.name));
    }
    await ended;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    const seconds = (performance.now() - started) / 1000;
    const summary = `vm: ${session.state} (${session.reason}${session.detail ? `: ${session.detail}` : ''}) after ${seconds.toFixed(2)} s`;
    if (exec === undefined || args.verbose || session.reason !== 'shutdown') console.error(summary);
    if (session.reason === 'shutdown' || session.reason === 'destroyed') return 0;
    if (session.reason === 'finished') {
      const code = Number(session.detail?.match(/failed test (\d+)/)?.[1] ?? 0);
      return Math.min(255, code);
    }
    return 1;
  } finally {
    await client.close();
  }
}

function interactive(session: DomainSession, quit: () => Promise<void>): void {
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  let ctrlA = false;
  stdin.on('data', (chunk: Buffer) => {
    const out: number[] = [];
    for (const byte of chunk) {
      if (ctrlA) {
        ctrlA = false;
        if (byte === 0x78 || byte === 0x58) {
          console.error('\nvm: quit (Ctrl-A X)');
          void quit();
          return;
        }
        if (byte !== 0x01) out.push(0x01);
      } else if (byte === 0x01) {
        ctrlA = true;
        continue;
      }
      out.push(byte);
    }
    if (out.length) void session.type(Uint8Array.from(out));
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    // A typed error (bad image, bad option, no resources) is the user's: one line, no stack.
    const e = error as Error;
    console.error(e.name === 'VirtError' || e.name === 'ImageError' ? `vm: ${e.message}` : e);
    process.exit(1);
  },
);
