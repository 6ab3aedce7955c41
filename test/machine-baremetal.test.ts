import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeVm, ROOT } from '../tools/lib/run-vm';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', name)));

describe('bare-metal programs (HTIF tohost)', () => {
  it('runs a self-checking M-mode program to a pass, with its UART output', async () => {
    const vm = await NodeVm.start({
      memoryMiB: 16,
      harts: 1,
      elf: fixture('baremetal-selftest.elf'),
    });
    const { reason } = await vm.stopped;
    expect(reason).toEqual({ kind: 'pass' });
    expect(vm.output).toBe('bare-metal selftest: ok\n');
  });

  it('reports the failing test number', async () => {
    const vm = await NodeVm.start({ memoryMiB: 16, harts: 1, elf: fixture('baremetal-fail.elf') });
    expect((await vm.stopped).reason).toEqual({ kind: 'fail', code: 3 });
  });

  it('refuses a 64-bit ELF with a clear error', async () => {
    const elf = fixture('baremetal-fail.elf').slice();
    elf[4] = 2; // ELFCLASS64
    const vm = await NodeVm.start({ memoryMiB: 16, harts: 1, elf });
    const { reason } = await vm.stopped;
    expect(reason.kind).toBe('error');
    expect(reason.kind === 'error' && reason.message).toMatch(/64-bit ELF/);
  });

  it('refuses a truncated ELF and a non-RISC-V kernel image', async () => {
    const truncated = await NodeVm.start({
      memoryMiB: 16,
      harts: 1,
      elf: fixture('baremetal-selftest.elf').slice(0, 200),
    });
    expect((await truncated.stopped).reason).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/truncated/),
    });
    const notLinux = await NodeVm.start({
      memoryMiB: 16,
      harts: 1,
      kernel: new TextEncoder().encode('#!/bin/sh\n'.repeat(20)),
    });
    expect((await notLinux.stopped).reason).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/not a RISC-V Linux Image/),
    });
  });

  it('a guest that jumps into garbage keeps trapping as the spec says, and can always be stopped', async () => {
    // A program whose first instruction jumps to an address with no memory, with mtvec = 0:
    // every fetch faults (instruction access fault) and traps to another unmapped address.
    const elf = fixture('baremetal-fail.elf').slice();
    const textOffset = 0x1000; // .text.init of the fixture sits at file offset 0x1000
    new DataView(elf.buffer).setUint32(textOffset, 0x000000e7 | (0 << 15), true); // jalr ra, 0(zero)
    const vm = await NodeVm.start({ memoryMiB: 16, harts: 1, elf });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await vm.destroy();
    expect((await vm.stopped).reason).toEqual({ kind: 'destroyed' });
  });
});
