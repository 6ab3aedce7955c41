import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCpio } from '../tools/lib/cpio';
import { DEFAULT_KERNEL, NodeVm, PROMPT, execInGuest, readImage } from '../tools/lib/run-vm';

/**
 * Boots the real guest (Linux 6.1 + our userland) in a Node worker and talks
 * to it through its serial console, as a user at a terminal would.
 */
let kernel: Uint8Array;
let vm: NodeVm;

beforeAll(async () => {
  kernel = await readImage(DEFAULT_KERNEL);
  vm = await NodeVm.start({ memoryMiB: 64, harts: 1, kernel });
  await vm.waitFor(PROMPT, 0, 120_000);
});
afterAll(async () => {
  await vm?.destroy();
});

const run = (line: string) => execInGuest(vm, line);

describe('Linux guest on one hart', () => {
  it('boots to the shell prompt through the ns16550a console', () => {
    expect(vm.output).toMatch(/Linux version 6\.1\.\d+/);
    expect(vm.output).toContain('Machine model: VirtLab riscv-virtio');
    expect(vm.output).toContain('VirtLab guest ready');
  });

  it('runs commands typed on the console', async () => {
    expect(await run('echo hello from the guest')).toBe('hello from the guest\n');
    expect(await run('uname -a')).toMatch(/^Linux virtlab 6\.1\.\d+ .*riscv32/);
    expect(await run('nproc')).toBe('1\n');
  });

  it('sees the board: memory, CPU ISA and the device tree', async () => {
    const meminfo = await run('cat /proc/meminfo');
    const total = Number(meminfo.match(/MemTotal:\s+(\d+) kB/)?.[1]);
    expect(total).toBeGreaterThan(50_000);
    expect(total).toBeLessThanOrEqual(65_536);
    const cpuinfo = await run('cat /proc/cpuinfo');
    expect(cpuinfo).toMatch(/isa\s*: rv32imac/);
    expect(cpuinfo).toMatch(/mmu\s*: sv32/);
  });

  it('keeps time from the 10 MHz timebase', async () => {
    const t0 = Date.now();
    await run('sleep 1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const uptime = Number((await run('cat /proc/uptime')).split(' ')[0]);
    expect(uptime).toBeGreaterThan(0.5);
  });

  it('powers off through SBI and stops with reason poweroff', async () => {
    const other = await NodeVm.start({ memoryMiB: 32, harts: 1, kernel });
    await other.waitFor(PROMPT, 0, 120_000);
    other.type('poweroff\n');
    expect((await other.stopped).reason).toEqual({ kind: 'poweroff' });
  });

  it('unpacks a user initrd over the built-in initramfs (QEMU -initrd)', async () => {
    const initrd = buildCpio([
      { path: 'extra' },
      { path: 'extra/hello.txt', data: new TextEncoder().encode('hello from the initrd\n') },
    ]);
    const other = await NodeVm.start({ memoryMiB: 32, harts: 1, kernel, initrd });
    await other.waitFor(PROMPT, 0, 120_000);
    expect(await execInGuest(other, 'cat /extra/hello.txt')).toBe('hello from the initrd\n');
    expect(await execInGuest(other, 'ls /bin')).toContain('sh');
    await other.destroy();
  });

  it('boots SMP on one thread, with every hart online', async () => {
    const other = await NodeVm.start({ memoryMiB: 32, harts: 2, kernel });
    await other.waitFor(PROMPT, 0, 120_000);
    expect(await execInGuest(other, 'nproc')).toBe('2\n');
    await other.destroy();
  });

  it('a guest panic stops that VM with reason panic (pvpanic)', async () => {
    const other = await NodeVm.start({
      memoryMiB: 32,
      harts: 1,
      kernel,
      bootargs: 'console=ttyS0 rdinit=/does-not-exist root=/dev/none',
    });
    expect((await other.stopped).reason).toEqual({ kind: 'panic' });
    expect(other.output).toContain('Kernel panic');
    // The first VM did not notice.
    expect(await run('echo still here')).toBe('still here\n');
  });
});
