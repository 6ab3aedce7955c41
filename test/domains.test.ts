import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { DEFAULT_KERNEL } from '../tools/lib/images';
import { TEST_BOOTARGS, boot, errorCode, settle, waitForPrompt } from './helpers/hypervisor';

/** The libvirt-facing parts of the domain layer: uuid, transient domains, lifecycle actions, vCPU counts. */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 2, ramMiB: 256 });
}, 60_000);
afterAll(async () => client?.close());

describe('domains', () => {
  it('gives every domain a uuid, keeps a given one, and refuses a duplicate', async () => {
    const api = client.api;
    const a = await api.define({ name: 'u1', memoryMiB: 32, vcpus: 1 });
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.persistent).toBe(true);
    const uuid = '6f1d3c0e-8a43-4c55-9d6e-2b7f0c9a1e11';
    await api.define({ name: 'u2', memoryMiB: 32, vcpus: 1, uuid });
    expect((await api.domainDef('u2')).uuid).toBe(uuid);
    expect(await errorCode(api.define({ name: 'u3', memoryMiB: 32, vcpus: 1, uuid }))).toBe(
      'domain-exists',
    );
    expect(await errorCode(api.define({ name: 'u4', memoryMiB: 32, vcpus: 1, uuid: 'nope' }))).toBe(
      'invalid-arg',
    );
    // A new definition (no uuid) may not take an existing name; with the domain's uuid it is an update.
    const before = await api.domainDef('u1');
    expect(await errorCode(api.define({ name: 'u1', memoryMiB: 64, vcpus: 2 }))).toBe(
      'domain-exists',
    );
    expect(await api.domainDef('u1')).toEqual(before);
    await api.define({ name: 'u1', memoryMiB: 64, vcpus: 2, uuid: a.uuid.toUpperCase() });
    expect(await api.domainDef('u1')).toMatchObject({ memoryMiB: 64, vcpus: 2, uuid: a.uuid });
    await api.undefine('u1');
    await api.undefine('u2');
  });

  it('creating a domain whose name exists fails and changes nothing, running or not', async () => {
    const api = client.api;
    const s = await boot(client, { name: 'dup', memoryMiB: 32 });
    await settle(s);
    const before = await api.domainDef('dup', { inactive: true });
    // The page's "New VM" defines then starts: the define must fail.
    expect(await errorCode(api.define({ name: 'dup', memoryMiB: 64, vcpus: 2 }))).toBe(
      'domain-exists',
    );
    expect(await errorCode(api.create({ name: 'dup', memoryMiB: 64, vcpus: 2 }))).toBe(
      'domain-exists',
    );
    await api.destroy('dup');
    expect(await api.domainDef('dup', { inactive: true })).toEqual(before);
    expect((await api.info('dup')).vcpus).toBe(1);
    await api.undefine('dup');
  });

  it('a create that fails to start leaves no trace, and says so in an event', async () => {
    const api = client.api;
    const events: string[] = [];
    await client.on((e) => {
      if (e.kind === 'lifecycle' && e.domain === 'huge') events.push(e.reason);
    });
    // More memory than this 256 MiB host has.
    expect(await errorCode(api.create({ name: 'huge', memoryMiB: 512, vcpus: 1 }))).toBe(
      'no-resources',
    );
    expect((await api.list()).map((d) => d.name)).not.toContain('huge');
    // Events cross threads after the call returns.
    await expect.poll(() => events, { timeout: 5_000 }).toEqual(['defined', 'undefined']);
  });

  it('keeps the live config apart from the persistent one (--live / --config)', async () => {
    const api = client.api;
    const s = await boot(client, { name: 'lc', memoryMiB: 48, shares: 1024 });
    await settle(s);
    await api.setSchedParams('lc', { shares: 512 }, { config: true });
    expect((await api.info('lc')).shares).toBe(1024);
    expect((await api.domainDef('lc', { inactive: true })).shares).toBe(512);
    await api.setSchedParams('lc', { shares: 2048 }); // current = live while running
    expect((await api.info('lc')).shares).toBe(2048);
    expect((await api.domainDef('lc', { inactive: true })).shares).toBe(512);
    await api.setMemory('lc', 32 * 1024, { config: true });
    expect((await api.domainDef('lc', { inactive: true })).currentMemoryKiB).toBe(32 * 1024);
    expect((await api.domainDef('lc')).currentMemoryKiB).toBe(48 * 1024);
    await api.pinVcpu('lc', 0, '1', { config: true });
    expect((await api.vcpuInfo('lc'))[0].affinity).toBe('0-1');
    expect((await api.domainDef('lc', { inactive: true })).vcpupin).toEqual({ 0: '1' });
    // define on the running domain (with its uuid) replaces its persistent definition only.
    const { uuid } = await api.domainDef('lc');
    await api.define({ name: 'lc', memoryMiB: 64, vcpus: 1, bootargs: TEST_BOOTARGS, uuid });
    expect((await api.info('lc')).memoryMiB).toBe(48);
    expect((await api.domainDef('lc', { inactive: true })).memoryMiB).toBe(64);
    await api.destroy('lc');
    expect((await api.info('lc')).memoryMiB).toBe(64);
    expect(await errorCode(api.setMemory('lc', 32 * 1024, { live: true }))).toBe(
      'operation-invalid',
    );
    await api.undefine('lc');
    // A transient domain has no persistent config.
    const t = await DomainSession.attach(client, 'tc');
    await api.create({ name: 'tc', memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
    await settle(t);
    expect(await errorCode(api.setSchedParams('tc', { shares: 100 }, { config: true }))).toBe(
      'operation-invalid',
    );
    await api.destroy('tc');
  });

  it('start --paused leaves the vCPUs waiting for resume', async () => {
    const api = client.api;
    const s = await DomainSession.attach(client, 'sp');
    await api.define({ name: 'sp', memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
    await api.start('sp', { paused: true });
    const info = await api.info('sp');
    expect([info.state, info.reason]).toEqual(['paused', 'user']);
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.info('sp')).instructions).toBe(0);
    await api.resume('sp');
    await settle(s);
    await api.destroy('sp');
    await api.undefine('sp');
  });

  it('create makes a transient domain that is gone once it stops', async () => {
    const api = client.api;
    const s = await DomainSession.attach(client, 't1');
    const sum = await api.create({ name: 't1', memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
    expect(sum.persistent).toBe(false);
    expect((await api.info('t1')).state).toBe('running');
    await settle(s);
    await api.destroy('t1');
    expect((await api.list()).some((d) => d.name === 't1')).toBe(false);
  });

  it('boots vcpusCurrent of vcpus online; setvcpus and setmaxmem work on a shut-off domain only', async () => {
    const api = client.api;
    const s = await boot(client, { name: 'v1', vcpus: 2, vcpusCurrent: 1 });
    await settle(s);
    expect((await s.exec('nproc')).trim()).toBe('1');
    expect((await api.vcpuInfo('v1'))[1].state).toBe('offline');
    expect((await api.info('v1')).vcpusCurrent).toBe(1);
    // Live: through the guest agent, the guest brings CPU 1 online (SBI HSM hart_start) and back offline.
    const agentSays = async (n: number) => {
      const from = s.output.length;
      await api.setVcpus('v1', n, { live: true });
      await s.waitFor(new RegExp(`virtlab-agent: ${n} vCPUs online`), from, 30_000);
      const mark = s.output.length;
      await s.type('\n');
      await waitForPrompt(s, mark);
    };
    await agentSays(2);
    expect((await s.exec('nproc')).trim()).toBe('2');
    expect((await api.vcpuInfo('v1'))[1].state).not.toBe('offline');
    expect((await api.info('v1')).vcpusCurrent).toBe(2);
    await agentSays(1);
    expect((await s.exec('nproc')).trim()).toBe('1');
    for (let i = 0; i < 50 && (await api.vcpuInfo('v1'))[1].state !== 'offline'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await api.vcpuInfo('v1'))[1].state).toBe('offline');
    expect(await errorCode(api.setVcpus('v1', 3, { live: true }))).toBe('invalid-arg');
    expect(await errorCode(api.setMaxMemory('v1', 64 * 1024))).toBe('operation-invalid');
    await api.destroy('v1');
    await api.setVcpus('v1', 2);
    expect((await api.domainDef('v1')).vcpusCurrent).toBeUndefined();
    expect(await errorCode(api.setVcpus('v1', 3))).toBe('invalid-arg');
    await api.setVcpus('v1', 3, { maximum: true });
    expect((await api.domainDef('v1')).vcpus).toBe(3);
    await api.setMaxMemory('v1', 64 * 1024);
    expect((await api.domainDef('v1')).memoryMiB).toBe(64);
    expect(await errorCode(api.setMaxMemory('v1', 0))).toBe('invalid-arg');
    // Kept to the KiB, as libvirt does; below what the machine boots, start says so.
    await api.setMaxMemory('v1', 1000);
    expect(await api.domainDef('v1')).toMatchObject({ memoryMiB: 1, memoryKiB: 1000 });
    expect(await errorCode(api.start('v1'))).toBe('config-unsupported');
    await api.setMaxMemory('v1', 64 * 1024);
    expect((await api.domainDef('v1')).memoryKiB).toBeUndefined();
    expect(await api.emulatorPin('v1')).toBe('0-1');
    expect(await api.emulatorPin('v1', '1')).toBe('1');
    expect(await errorCode(api.emulatorPin('v1', '7'))).toBe('invalid-arg');
    await api.undefine('v1');
  });

  it('applies cpuset and vcpupin from the definition', async () => {
    const api = client.api;
    await api.define({ name: 'p1', memoryMiB: 32, vcpus: 2, cpuset: '1', vcpupin: { 0: '0' } });
    expect((await api.domainDef('p1')).vcpupin).toEqual({ 0: '0' });
    expect(
      await errorCode(api.define({ name: 'p2', memoryMiB: 32, vcpus: 1, vcpupin: { 3: '0' } })),
    ).toBe('invalid-arg');
    await api.undefine('p1');
  });

  it('follows on_reboot=destroy and on_poweroff=restart', async () => {
    const api = client.api;
    const r = await boot(client, { name: 'r1', onReboot: 'destroy' });
    await settle(r);
    await r.type('reboot\n');
    await r.waitForState((state, reason) => state === 'shut off' && reason === 'shutdown', 60_000);
    const p = await boot(client, { name: 'p3', onPoweroff: 'restart' });
    await settle(p);
    const id = (await api.info('p3')).id;
    await p.type('poweroff\n');
    for (let i = 0; i < 200 && (await api.info('p3')).id === id; i++)
      await new Promise((r) => setTimeout(r, 50));
    const info = await api.info('p3');
    expect(info.state).toBe('running');
    expect(info.id).not.toBe(id);
    await api.destroy('p3');
  }, 120_000);
});

describe('the built-in kernel', () => {
  it('when it cannot be read, every start fails with why, and the host lives on', async () => {
    const broken = await startControl({
      pcpus: 1,
      ramMiB: 64,
      kernelUrl: '/nonexistent/linux-rv32.bin.gz',
    });
    try {
      await broken.api.define({ name: 'k', memoryMiB: 32, vcpus: 1 });
      // The read at init failed; each start tries again and says why.
      for (let k = 0; k < 2; k++) {
        await expect(broken.api.start('k')).rejects.toThrow(/cannot load the kernel 'built-in'/);
        expect((await broken.api.info('k')).state).toBe('shut off');
      }
      expect((await broken.api.hostInfo()).pcpus).toBe(1);
    } finally {
      await broken.close();
    }
  });

  it('handed over after init (the page begins its host so): a start waits for it, then boots it', async () => {
    // The URL leads nowhere: what boots is the image handed over.
    const host = await startControl({
      pcpus: 1,
      ramMiB: 64,
      kernelUrl: '/nonexistent/linux-rv32.bin.gz',
      kernelImageToFollow: true,
    });
    try {
      const session = await DomainSession.attach(host, 'h');
      await host.api.define({ name: 'h', memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
      let started = false;
      const start = host.api.start('h').then(() => (started = true));
      await sleep(300);
      expect(started).toBe(false);
      expect(session.output).toBe('');
      await host.api.provideKernelImage(new Uint8Array(readFileSync(DEFAULT_KERNEL)));
      await start;
      await waitForPrompt(session);
      // One image per init: a second handover is refused.
      expect(await errorCode(host.api.provideKernelImage(undefined))).toBe('operation-invalid');
    } finally {
      await host.close();
    }
  }, 90_000);

  it('is read from its URL when the client could not fetch it, and awaited by no host that has it', async () => {
    const host = await startControl({ pcpus: 1, ramMiB: 64, kernelImageToFollow: true });
    try {
      await host.api.provideKernelImage(undefined);
      await host.api.define({ name: 'u', memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
      const session = await DomainSession.attach(host, 'u');
      await host.api.start('u');
      await waitForPrompt(session);
    } finally {
      await host.close();
    }
    expect(await errorCode(client.api.provideKernelImage(undefined))).toBe('operation-invalid');
  }, 90_000);
});
