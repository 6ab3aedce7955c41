import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, runInBackground, settle, sleep, waitForPrompt } from './helpers/hypervisor';

/**
 * The guest's tools (/bin/box and its /bin/NAME links) in the real guest,
 * typed on its serial console. Each command is run by its path: today's
 * shell still has built-ins of the same names (free, ps, uname...) that
 * would otherwise answer first. test/guest-tools.test.ts checks the same
 * binary's output formats under qemu-riscv32; this checks what only the
 * guest has: its /proc and /sys, its kernel, its two vCPUs.
 */
let client: ControlClient;
let vm: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 2, ramMiB: 256 });
  vm = await boot(client, { name: 'tools', memoryMiB: 64, vcpus: 2 });
  await settle(vm);
}, 180_000);
afterAll(async () => client?.close());

describe('guest tools in the VirtLab guest', () => {
  it('/bin holds the box and a link per applet', async () => {
    // On the console (a terminal) ls colours names, as with --color=auto.
    expect(await vm.exec('/bin/ls -d /bin')).toBe('\x1b[01;34m/bin\x1b[0m\n');
    const ls = await vm.exec('/bin/ls -l --color=never /bin');
    expect(ls).toMatch(/^total \d+\n/);
    expect(ls).toMatch(/^-rwxr-xr-x 1 root root +\d+ \w{3} [ \d]\d +[\d:]+ box$/m);
    expect(ls).toMatch(/^lrwxrwxrwx 1 root root +3 .* free -> box$/m);
    expect(ls).toMatch(/^lrwxrwxrwx 1 root root +2 .* hog -> sh$/m);
    const list = (await vm.exec('/bin/box --list')).trim().split('\n');
    expect(list.length).toBeGreaterThan(50);
    for (const name of list) expect(ls).toContain(` ${name} -> box\n`);
  });

  it('free -m: the guest memory in MiB, procps layout', async () => {
    const out = (await vm.exec('/bin/free -m')).split('\n');
    expect(out[0]).toBe(
      '               total        used        free      shared  buff/cache   available',
    );
    const mem = /^Mem: +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$/.exec(out[1]);
    expect(mem, out[1]).not.toBeNull();
    expect(Number(mem![1])).toBeGreaterThan(48);
    expect(Number(mem![1])).toBeLessThanOrEqual(64);
    expect(out[2]).toMatch(/^Swap: +0 +0 +0$/);
  });

  it('ps and ps aux list init, the agent and the shell', async () => {
    // A kernel message ("[   42.1] hrtimer: interrupt took ...") may land among the lines.
    const own = (out: string) => out.split('\n').filter((l) => !/^\[ *\d+\.\d+\] /.test(l));
    const aux = await vm.exec('/bin/ps aux');
    expect(own(aux)[0]).toBe(
      'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
    );
    expect(aux).toMatch(/^root +1 .* \/init$/m);
    expect(aux).toMatch(/^root +\d+ +\d+\.\d +\d+\.\d .* \/bin\/ps aux$/m);
    expect(aux).toMatch(/^root +\d+ .* \[kthreadd\]$/m);
    // The agent renames itself (comm), its command line stays /init's.
    expect(await vm.exec('/bin/ps -e')).toMatch(/^ +\d+ \? +00:00:\d\d virtlab-agent$/m);
    const ps = await vm.exec('/bin/ps');
    expect(own(ps)[0]).toBe('  PID TTY          TIME CMD');
    expect(ps).toMatch(/^ +\d+ ttyS0 +00:00:\d\d sh$/m);
    expect(ps).toMatch(/^ +\d+ ttyS0 +00:00:\d\d ps$/m);
  });

  it('vmstat 1 2 and top -b -n 1 report both vCPUs with a steal column', async () => {
    // A kernel message (e.g. "hrtimer: interrupt took ...") may land on the console
    // among the lines: find the tools' own lines instead of counting from the top.
    const vmstat = (await vm.exec('/bin/vmstat 1 2')).split('\n');
    const header = vmstat.indexOf(
      ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st',
    );
    expect(header, vmstat.join('\n')).toBeGreaterThan(0);
    const rows = vmstat.slice(header + 1).filter((l) => /^ *\d+ +\d+ /.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.trim().split(/ +/)).toHaveLength(17);
    const top = (await vm.exec('/bin/top -b -n 1 -1')).split('\n');
    const first = top.findIndex((l) => l.startsWith('top - '));
    expect(top[first]).toMatch(/^top - \d\d:\d\d:\d\d up .* load average: /);
    expect(top[first + 2]).toMatch(/^%Cpu0 {2}: .* st$/);
    expect(top[first + 3]).toMatch(/^%Cpu1 {2}: .* st$/);
    expect(top.join('\n')).toMatch(/^ +1 root +20 +0 .* init$/m);
  });

  it('uname, nproc, taskset, dmesg, df and mount see this kernel and board', async () => {
    expect(await vm.exec('/bin/uname -a')).toMatch(
      /^Linux virtlab 6\.\d+\.\d+ #1 SMP .* riscv32 Linux\n$/,
    );
    expect(await vm.exec('/bin/nproc')).toBe('2\n');
    expect(await vm.exec('/bin/taskset -p 1')).toBe("pid 1's current affinity mask: 3\n");
    expect(await vm.exec('/bin/taskset -cp 1')).toBe("pid 1's current affinity list: 0-1\n");
    const dmesg = await vm.exec('/bin/dmesg');
    expect(dmesg).toMatch(/^\[ +0\.000000\] Linux version 6\./m);
    expect(dmesg).not.toMatch(/^<\d>/m);
    expect(await vm.exec('/bin/mount')).toMatch(/^proc on \/proc type proc \(rw/m);
    expect((await vm.exec('/bin/df')).split('\n')[0]).toMatch(
      /^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$/,
    );
  });

  it('stress --vm-pattern same pages merge under the host KSM; random ones do not', async () => {
    const api = client.api;
    await api.setKsm({ run: 1, pages_to_scan: 4000, sleep_millisecs: 5 });
    const merging = async () => (await api.info('tools')).ksm.ksm_merging_pages;
    const settleKsm = async () => {
      // a page merges on the scan after the one that saw it unchanged: wait four
      const start = (await api.ksm()).stats.full_scans;
      while ((await api.ksm()).stats.full_scans < start + 4) await sleep(100);
      return merging();
    };
    /** Starts stress in the background; returns its parent's pid once the worker has touched every page (-v says so). */
    const start = async (pattern: string) =>
      (
        await runInBackground(
          vm,
          `/bin/stress -v --vm 1 --vm-bytes 8M --vm-pattern ${pattern} --vm-hang 0`,
          /\[(\d+)\] vm worker \d+: touched 2048 pages/,
        )
      )[1];
    /** SIGTERM to stress: it stops its worker and says so; then a quiet prompt again. */
    const stop = async (pid: string) => {
      const from = vm.output.length;
      await vm.type(`/bin/kill ${pid}\n`);
      await vm.waitFor(/interrupted run completed in \d+s\r?\n/, from, 30_000);
      const mark = vm.output.length; // the message came after the prompt: ask for a new one
      await vm.type('\n');
      await waitForPrompt(vm, mark);
    };
    const base = await settleKsm();
    const random = await start('random');
    const afterRandom = await settleKsm();
    // distinct pages stay apart (the idle kernel merges a few of its own meanwhile)
    expect(afterRandom - base).toBeLessThan(600);
    await stop(random);
    const same = await start('same');
    const afterSame = await settleKsm();
    // its 2048 identical pages collapse into one
    expect(afterSame - afterRandom).toBeGreaterThan(1800);
    await stop(same);
    await api.setKsm({ run: 0 });
  }, 240_000);

  it('stress --vm 1 --vm-bytes 4M --timeout 2 runs, is visible in ps, and ends', async () => {
    const out = await vm.exec('/bin/stress --vm 1 --vm-bytes 4M --timeout 2');
    expect(out).toMatch(/dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd/);
    expect(out).toMatch(/vm worker \d+: 4194304 bytes \(1024 pages\), pattern random/);
    expect(out).toMatch(/successful run completed in 2s/);
  });
});
