import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDomainXml } from '../src/manage/xml/domain-xml';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, settle } from './helpers/hypervisor';

/**
 * The two engines on the same host: `<domain type='kvm'>` (the JIT) and
 * `<domain type='qemu'>` (the interpreter) boot the same Linux, SMP under
 * the JIT, and compute the same `bench` checksum.
 */
let client: ControlClient;
let kvm: DomainSession;
let qemu: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 2, ramMiB: 192 });
  kvm = await boot(client, { name: 'accel', type: 'kvm', vcpus: 2, memoryMiB: 64 });
  qemu = await boot(client, { name: 'emul', type: 'qemu', memoryMiB: 64 });
  await Promise.all([settle(kvm), settle(qemu)]);
}, 180_000);
afterAll(async () => client?.close());

describe('engines: kvm (JIT) and qemu (interpreter)', () => {
  it('reports the engine in the control API and dumpxml', async () => {
    const [a, b] = await Promise.all([client.api.info('accel'), client.api.info('emul')]);
    expect([a.type, a.engine]).toEqual(['kvm', 'jit']);
    expect([b.type, b.engine]).toEqual(['qemu', 'interpreter']);
    expect(formatDomainXml(await client.api.domainDef('emul'))).toMatch(/^<domain type='qemu'>/);
    expect(formatDomainXml(await client.api.domainDef('accel'))).toMatch(/^<domain type='kvm'>/);
  });

  it('computes the same bench checksum under both engines, SMP included', async () => {
    const [a, b] = await Promise.all([kvm.exec('bench 60'), qemu.exec('bench 60')]);
    const sum = (out: string) => out.match(/bench: result ([0-9a-f]+)/)?.[1];
    expect(sum(a)).toBeDefined();
    expect(sum(a)).toBe(sum(b));
    // Both vCPUs of the JIT guest run user code: the same work on each gives the same answer.
    const two = await kvm.exec('spin 2 --seconds 1');
    expect(two).toMatch(/total \d+ iterations/);
    expect(await kvm.exec('nproc')).toMatch(/^2\b/m);
  }, 120_000);

  it('shares compiled modules between the two pCPUs instead of compiling a page twice', async () => {
    // Both vCPUs of the JIT guest ran the same kernel code on both pCPUs: the second pCPU to
    // need a page took the module the first one compiled (cpu/jit/module-exchange.ts).
    const jit = (await client.api.hostInfo()).jit!;
    expect(jit.compiles).toBeGreaterThan(0);
    expect(jit.adopted).toBeGreaterThan(0);
    expect(jit.sharedModules).toBeGreaterThan(0);
  });

  it('a second JIT VM with the same kernel runs the translations made for the first', async () => {
    const sum = (out: string) => out.match(/bench: result ([0-9a-f]+)/)?.[1];
    const expected = sum(await kvm.exec('bench 30'));
    await client.api.destroy('emul'); // room in host RAM
    const before = (await client.api.hostInfo()).jit!;
    const again = await boot(client, { name: 'again', type: 'kvm', memoryMiB: 64 });
    await settle(again);
    const after = (await client.api.hostInfo()).jit!;
    // Its kernel sits in other host frames; the modules are found by (virtual page, bytes)
    // and bound to its frames (cpu/jit/module-exchange.ts), so it adopts more than it compiles.
    expect(after.adopted - before.adopted).toBeGreaterThan(after.compiles - before.compiles);
    expect(after.adopted - before.adopted).toBeGreaterThan(20);
    expect(sum(await again.exec('bench 30'))).toBe(expected);
  }, 120_000);
});
