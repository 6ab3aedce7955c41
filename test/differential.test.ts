import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KERNEL, NodeVm, PROMPT, ROOT, execInGuest, readImage } from '../tools/lib/run-vm';

/**
 * Differential test: the same static rv32 Linux program (tools/guest/userland/
 * isa-selftest.c, also in the guest as /bin/isa-selftest) runs under QEMU's
 * user-mode emulator and inside our guest; the outputs must be identical.
 */
const QEMU = process.env.QEMU_RISCV32 ?? '/usr/bin/qemu-riscv32';
const ELF = join(ROOT, 'test', 'fixtures', 'isa-selftest.elf');
let vm: NodeVm;

beforeAll(async () => {
  vm = await NodeVm.start({ memoryMiB: 64, harts: 1, kernel: await readImage(DEFAULT_KERNEL) });
  await vm.waitFor(PROMPT, 0, 120_000);
});
afterAll(async () => vm?.destroy());

describe('differential: qemu-riscv32 vs the VirtLab guest', () => {
  it('isa-selftest prints the same results', async () => {
    if (!existsSync(QEMU)) {
      throw new Error(
        `qemu-riscv32 not found at ${QEMU}: install Debian's qemu-user (sudo apt-get install -y qemu-user) or set QEMU_RISCV32`,
      );
    }
    const reference = execFileSync(QEMU, [ELF], { encoding: 'utf8' });
    expect(reference).toContain('isa-selftest: done');
    const ours = await execInGuest(vm, 'isa-selftest');
    expect(ours.replace(/\r/g, '')).toBe(reference);
  });
});
