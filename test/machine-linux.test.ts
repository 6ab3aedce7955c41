import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCpio } from '../tools/lib/cpio';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { boot, settle } from './helpers/hypervisor';

/**
 * Boots the real guest (Linux 6.12 + our userland) and talks to it through
 * its serial console, as a user at a terminal would.
 */
let client: ControlClient;
let vm: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
  vm = await boot(client, { name: 'linux', memoryMiB: 64, bootargs: 'console=ttyS0 earlycon=sbi' });
  await settle(vm);
}, 120_000);
afterAll(async () => client?.close());

describe('Linux guest on one hart', () => {
  it('boots to the shell prompt through the ns16550a console', () => {
    expect(vm.output).toMatch(/Linux version 6\.12\.\d+/);
    expect(vm.output).toContain('Machine model: VirtLab riscv-virtio');
    expect(vm.output).toContain('VirtLab guest ready');
  });

  it('runs commands typed on the console', async () => {
    expect(await vm.exec('echo hello from the guest')).toBe('hello from the guest\n');
    expect(await vm.exec('uname -a')).toMatch(/^Linux virtlab 6\.12\.\d+ .*riscv32/);
    expect(await vm.exec('nproc')).toBe('1\n');
  });

  it('sees the board: memory, CPU ISA and the device tree', async () => {
    const meminfo = await vm.exec('cat /proc/meminfo');
    const total = Number(meminfo.match(/MemTotal:\s+(\d+) kB/)?.[1]);
    expect(total).toBeGreaterThan(50_000);
    expect(total).toBeLessThanOrEqual(65_536);
    const cpuinfo = await vm.exec('cat /proc/cpuinfo');
    expect(cpuinfo).toMatch(/isa\s*: rv32imac/);
    expect(cpuinfo).toMatch(/mmu\s*: sv32/);
  });

  it('keeps time from the 10 MHz timebase', async () => {
    const t0 = Date.now();
    await vm.exec('sleep 1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const uptime = Number((await vm.exec('cat /proc/uptime')).split(' ')[0]);
    expect(uptime).toBeGreaterThan(0.5);
  });

  it('powers off through SBI: the domain shuts off with reason shutdown', async () => {
    const other = await boot(client, { name: 'off' });
    await settle(other);
    await other.type('poweroff\n');
    await other.waitForState((state) => state === 'shut off', 30_000);
    expect(other.reason).toBe('shutdown');
  });

  it('unpacks a user initrd over the built-in initramfs (QEMU -initrd)', async () => {
    const initrd = buildCpio([
      { path: 'extra' },
      { path: 'extra/hello.txt', data: new TextEncoder().encode('hello from the initrd\n') },
    ]);
    const other = await boot(client, { name: 'initrd', initrd });
    await settle(other);
    expect(await other.exec('cat /extra/hello.txt')).toBe('hello from the initrd\n');
    expect(await other.exec('ls /bin')).toContain('sh');
    await client.api.destroy('initrd');
  });

  it('a guest panic crashes that domain (pvpanic); the first guest does not notice', async () => {
    const other = await boot(client, {
      name: 'panic',
      bootargs: 'console=ttyS0 rdinit=/does-not-exist root=/dev/none',
      onCrash: 'preserve', // stays 'crashed' for inspection
    });
    await other.waitForState((state) => state === 'crashed', 60_000);
    expect(other.output).toContain('Kernel panic');
    expect(await vm.exec('echo still here')).toBe('still here\n');
  });
});
