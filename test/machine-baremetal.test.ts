import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { ROOT } from '../tools/lib/images';
import { errorCode } from './helpers/hypervisor';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', name)));
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 128 });
}, 60_000);
afterAll(async () => client?.close());

/** Runs a bare-metal ELF to its end; returns the session. */
async function run(name: string, elf: Uint8Array): Promise<DomainSession> {
  const session = await DomainSession.attach(client, name);
  await client.api.define({ name, memoryMiB: 16, vcpus: 1, elf });
  const ended = session.waitForState(
    (state, reason) => state !== 'running' && reason !== 'defined',
  );
  await client.api.start(name);
  await ended;
  return session;
}

describe('bare-metal programs (HTIF tohost)', () => {
  it('runs a self-checking M-mode program to a pass, with its UART output', async () => {
    const s = await run('selftest', fixture('baremetal-selftest.elf'));
    expect([s.state, s.reason, s.detail]).toEqual(['shut off', 'finished', 'the program passed']);
    expect(s.output).toBe('bare-metal selftest: ok\n');
  });

  it('reports the failing test number', async () => {
    const s = await run('fail', fixture('baremetal-fail.elf'));
    expect(s.detail).toBe('the program failed test 3');
  });

  it('refuses a 64-bit ELF, a truncated ELF and a non-RISC-V kernel with clear errors', async () => {
    const api = client.api;
    const elf64 = fixture('baremetal-fail.elf').slice();
    elf64[4] = 2; // ELFCLASS64
    await api.define({ name: 'elf64', memoryMiB: 16, vcpus: 1, elf: elf64 });
    await expect(api.start('elf64')).rejects.toThrow(/64-bit ELF/);
    expect((await api.info('elf64')).state).toBe('shut off');
    await api.define({
      name: 'short',
      memoryMiB: 16,
      vcpus: 1,
      elf: fixture('baremetal-selftest.elf').slice(0, 200),
    });
    expect(await errorCode(api.start('short'))).toBe('invalid-arg');
    await expect(api.start('short')).rejects.toThrow(/truncated/);
    const text = new TextEncoder().encode('#!/bin/sh\n'.repeat(20));
    await api.define({ name: 'script', memoryMiB: 16, vcpus: 1, kernel: text });
    await expect(api.start('script')).rejects.toThrow(/not a RISC-V Linux Image/);
  });

  it('a guest that jumps into garbage keeps trapping as the spec says, and can always be stopped', async () => {
    // The first instruction jumps to address 0, where there is no memory, with mtvec = 0:
    // every fetch faults (instruction access fault) and traps to another unmapped address.
    const elf = fixture('baremetal-fail.elf').slice();
    new DataView(elf.buffer).setUint32(0x1000, 0x000000e7, true); // jalr ra, 0(zero) at .text.init
    const session = await DomainSession.attach(client, 'runaway');
    await client.api.define({ name: 'runaway', memoryMiB: 16, vcpus: 1, elf });
    await client.api.start('runaway');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await client.api.info('runaway')).state).toBe('running');
    await client.api.destroy('runaway');
    await session.waitForState((state) => state === 'shut off');
    expect(session.reason).toBe('destroyed');
  });
});
