import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { ROOT } from '../tools/lib/images';
import { findProgram } from '../tools/lib/programs';
import { boot, settle } from './helpers/hypervisor';

/**
 * Differential test: the same static rv32 Linux program (tools/guest/
 * isa-selftest.c, also in the guest as /bin/isa-selftest) runs under QEMU's
 * user-mode emulator and inside our guest; the outputs must be identical.
 */
const ELF = join(ROOT, 'test', 'fixtures', 'isa-selftest.elf');
let client: ControlClient;
let vm: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 128 });
  vm = await boot(client, { name: 'diff', memoryMiB: 64 });
  await settle(vm);
}, 120_000);
afterAll(async () => client?.close());

describe('differential: qemu-riscv32 vs the VirtLab guest', () => {
  it('isa-selftest prints the same results', async () => {
    const reference = execFileSync(findProgram('qemu-riscv32'), [ELF], { encoding: 'utf8' });
    expect(reference).toContain('isa-selftest: done');
    const ours = await vm.exec('isa-selftest');
    expect(ours.replace(/\r/g, '')).toBe(reference);
  });
});
