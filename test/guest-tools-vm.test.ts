import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, settle } from './helpers/hypervisor';

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
    const aux = await vm.exec('/bin/ps aux');
    expect(aux.split('\n')[0]).toBe(
      'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
    );
    expect(aux).toMatch(/^root +1 .* \/init$/m);
    expect(aux).toMatch(/^root +\d+ +\d+\.\d +\d+\.\d .* \/bin\/ps aux$/m);
    expect(aux).toMatch(/^root +\d+ .* \[kthreadd\]$/m);
    // The agent renames itself (comm), its command line stays /init's.
    expect(await vm.exec('/bin/ps -e')).toMatch(/^ +\d+ \? +00:00:\d\d virtlab-agent$/m);
    const ps = await vm.exec('/bin/ps');
    expect(ps.split('\n')[0]).toBe('  PID TTY          TIME CMD');
    expect(ps).toMatch(/^ +\d+ ttyS0 +00:00:\d\d sh$/m);
    expect(ps).toMatch(/^ +\d+ ttyS0 +00:00:\d\d ps$/m);
  });

  it('vmstat 1 2 and top -b -n 1 report both vCPUs with a steal column', async () => {
    const vmstat = (await vm.exec('/bin/vmstat 1 2')).split('\n');
    expect(vmstat[1]).toBe(
      ' r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st',
    );
    expect(vmstat[3].trim().split(/ +/)).toHaveLength(17);
    const top = (await vm.exec('/bin/top -b -n 1 -1')).split('\n');
    expect(top[0]).toMatch(/^top - \d\d:\d\d:\d\d up .* load average: /);
    expect(top[2]).toMatch(/^%Cpu0 {2}: .* st$/);
    expect(top[3]).toMatch(/^%Cpu1 {2}: .* st$/);
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

  it('stress --vm 1 --vm-bytes 4M --timeout 2 runs, is visible in ps, and ends', async () => {
    const out = await vm.exec('/bin/stress --vm 1 --vm-bytes 4M --timeout 2');
    expect(out).toMatch(/dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd/);
    expect(out).toMatch(/vm worker \d+: 4194304 bytes \(1024 pages\), pattern random/);
    expect(out).toMatch(/successful run completed in 2s/);
  });
});
