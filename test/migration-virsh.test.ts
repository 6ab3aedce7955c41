import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import { CaptureIo } from '../src/manage/virsh/fake-api';
import { Virsh } from '../src/manage/virsh/virsh';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { openSocketMigration } from '../tools/lib/migration-socket';
import { boot, settle, sleep } from './helpers/hypervisor';

/**
 * `virsh migrate --live DOMAIN unix:PATH` between two virsh sessions, each
 * with its own control worker (as two `npm run virsh` processes), the
 * stream over a real Unix socket bridged into each control worker.
 */
let src: ControlClient;
let dst: ControlClient;

beforeAll(async () => {
  [src, dst] = await Promise.all([
    startControl({ pcpus: 1, ramMiB: 64 + VM_OVERHEAD_MIB }),
    startControl({ pcpus: 1, ramMiB: 64 + VM_OVERHEAD_MIB }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([src?.close(), dst?.close()]);
});

function shell(client: ControlClient) {
  const io = new CaptureIo({});
  io.openMigration = openSocketMigration;
  return { io, virsh: new Virsh(client.api, io, { subscribe: client.on }) };
}

describe('virsh migrate over a Unix socket', () => {
  it('moves a running domain; domjobinfo --completed on both sides; the guest answers there', async () => {
    const here = await boot(src, { name: 'sock' });
    await settle(here);
    const path = join(mkdtempSync(join(tmpdir(), 'virtlab-mig-')), 'sock');
    const a = shell(src);
    const b = shell(dst);
    const incoming = b.virsh.run(`migrate-incoming unix:${path}`);
    while (!existsSync(path)) await sleep(10);
    expect(await a.virsh.run(`migrate --live --verbose sock unix:${path}`)).toBe(0);
    expect(await incoming).toBe(0);
    expect(b.io.take().stdout).toMatch(/Domain 'sock' migrated here/);
    expect(a.io.take().stderr).toMatch(/Migration: \[100 %\]/);

    expect(await a.virsh.run('domjobinfo sock --completed')).toBe(0);
    const out = a.io.take().stdout;
    expect(out).toMatch(/^Job type: {9}Completed$/m);
    expect(out).toMatch(/^Operation: {8}Outgoing migration$/m);
    expect(out).toMatch(/^Total downtime: {3}\d+ +ms$/m);
    expect(out).toMatch(/^Normal pages: {5}[1-9]\d*$/m);
    expect(await b.virsh.run('domjobinfo sock --completed')).toBe(0);
    expect(b.io.take().stdout).toMatch(/^Operation: {8}Incoming migration$/m);
    expect(await a.virsh.run('domstate sock --reason')).toBe(0);
    expect(a.io.take().stdout).toBe('shut off (migrated)\n\n');
    expect(await b.virsh.run('domstate sock --reason')).toBe(0);
    expect(b.io.take().stdout).toBe('running (migrated)\n\n');

    const there = await DomainSession.attach(dst, 'sock');
    await there.type('\n');
    expect(await there.exec('echo "arrived $((40+2))"')).toMatch(/arrived 42/);
    await dst.api.destroy('sock');
  }, 180_000);
});
