import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import type { MigrationJobInfo, MigrationTarget } from '../src/manage/control-api';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { boot, errorCode, settle } from './helpers/hypervisor';

/**
 * virsh migrate through the control API: two control workers (two hosts,
 * as two libvirtds), the stream over a MessageChannel whose ends are
 * transferred to them, as the page does for two hosts in one tab.
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

function channel(): [MigrationTarget, MigrationTarget] {
  const { port1, port2 } = new MessageChannel();
  return [
    Comlink.transfer({ kind: 'port', port: port1 }, [port1]),
    Comlink.transfer({ kind: 'port', port: port2 }, [port2]),
  ];
}

const ticks = (text: string) => [...text.matchAll(/tick (\d+)\r?\n/g)].map((m) => Number(m[1]));

describe('migrate between two control workers', () => {
  it('the domain runs on there (migrated), shuts off here (migrated), and keeps counting', async () => {
    const here = await boot(src, { name: 'wanderer' });
    await settle(here);
    const from = here.output.length;
    await here.type('i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.1; done &\n');
    await here.waitFor(/tick 5\r?\n/, from);

    const there = await DomainSession.attach(dst, 'wanderer');
    const [out, inn] = channel();
    const incoming = dst.api.migrateIncoming(inn);
    const info = await src.api.migrate('wanderer', out, { maxDowntimeMs: 300 });
    const arrived = await incoming;
    expect(arrived.name).toBe('wanderer');
    expect(info.type).toBe('completed');
    expect(info.operation).toBe('outgoing migration');
    expect(info.downtimeMs).toBeGreaterThan(0);

    const local = await src.api.info('wanderer');
    expect([local.state, local.reason]).toEqual(['shut off', 'migrated']);
    const remote = await dst.api.info('wanderer');
    expect([remote.state, remote.reason]).toEqual(['running', 'migrated']);
    expect((await src.api.jobInfo('wanderer', { completed: true }))?.type).toBe('completed');
    expect((await dst.api.jobInfo('wanderer', { completed: true }))?.operation).toBe(
      'incoming migration',
    );
    expect(await src.api.jobInfo('wanderer')).toBeNull();

    await there.waitFor(/tick \d+\r?\n[^]*tick \d+\r?\n/);
    // One console stream across both hosts (a line may start here and end there).
    const seen = ticks(here.output.slice(from) + there.output);
    const join = `${JSON.stringify(here.output.slice(from).slice(-30))} then ${JSON.stringify(there.output.slice(0, 30))}`;
    expect(seen, join).toEqual(seen.map((_, k) => seen[0] + k));
    // The console follows: the shell on the destination takes a job-control command and a line.
    const before = there.output.length;
    await there.type('kill %1\n');
    await there.waitFor(/root@virtlab:[^\n#]*# $/, before); // the counter stopped
    expect(await there.exec('echo "over $((6*7))"')).toMatch(/^over 42$/m);
    // Its definition came along (dumpxml there names the same uuid).
    expect((await dst.api.domainDef('wanderer')).uuid).toBe(
      (await src.api.domainDef('wanderer')).uuid,
    );
    await dst.api.destroy('wanderer');
  }, 180_000);

  it('refuses a domain the destination already has, and the source runs on', async () => {
    const here = await boot(src, { name: 'twin' });
    await settle(here);
    await dst.api.define({ name: 'twin', memoryMiB: 32, vcpus: 1 }); // another uuid
    const [out, inn] = channel();
    const incoming = errorCode(dst.api.migrateIncoming(inn));
    expect(await errorCode(src.api.migrate('twin', out))).toBe('operation-failed');
    expect(await incoming).toBe('operation-failed');
    expect((await src.api.info('twin')).state).toBe('running');
    expect(await here.exec('echo still')).toBe('still\n');
    await expect(src.api.jobAbort('twin')).rejects.toThrow(/no job is active/);
    await src.api.destroy('twin');
  }, 120_000);

  it('a job refused before it begins tells the destination waiting for it', async () => {
    await src.api.define({ name: 'idle', memoryMiB: 32, vcpus: 1 });
    const [out, inn] = channel();
    const incoming = dst.api.migrateIncoming(inn).catch((e: Error) => e);
    expect(await errorCode(src.api.migrate('idle', out))).toBe('operation-invalid');
    // Not left waiting for a begin that never comes.
    const outcome = await incoming;
    expect(outcome).toBeInstanceOf(Error);
    expect(String(outcome)).toMatch(/domain is not running/);
    await src.api.undefine('idle');
  }, 30_000);

  it('over a BroadcastChannel between the two workers (as between two tabs)', async () => {
    const here = await boot(src, { name: 'tabhopper' });
    await settle(here);
    const target = { kind: 'broadcast', channel: `tabs-${Math.random()}` } as const;
    const incoming = dst.api.migrateIncoming(target);
    // No wait for the destination: begin is repeated until a listener answers.
    const migration = src.api.migrate('tabhopper', target, { bandwidthMiBs: 8 });
    // domjobinfo while it runs (~6 MiB of touched RAM at 8 MiB/s): an unbounded outgoing job.
    let live: MigrationJobInfo | null = null;
    for (let i = 0; i < 100 && !live?.memProcessed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      live = await src.api.jobInfo('tabhopper');
    }
    expect(live).toMatchObject({ type: 'unbounded', operation: 'outgoing migration' });
    expect(live!.memTotal).toBe(32 << 20);
    expect(live!.memRemaining).toBeGreaterThan(0);
    expect((await dst.api.jobInfo('tabhopper'))?.operation).toBe('incoming migration');
    const info = await migration;
    expect((await incoming).name).toBe('tabhopper');
    expect(info.memBps).toBeLessThanOrEqual(8 * 1.1 * 1024 * 1024);
    expect(info.memBps).toBeGreaterThan(4 * 1024 * 1024);
    expect((await dst.api.info('tabhopper')).state).toBe('running');
    const there = await DomainSession.attach(dst, 'tabhopper');
    await there.type('\n');
    expect(await there.exec('echo hopped')).toBe('hopped\n');
    await dst.api.destroy('tabhopper');
  }, 120_000);

  it('migrate-setspeed and migrate-setmaxdowntime are kept per domain', async () => {
    await src.api.define({ name: 'tuned', memoryMiB: 32, vcpus: 1 });
    expect(await src.api.migrateGetMaxDowntime('tuned')).toBe(300);
    await src.api.migrateSetSpeed('tuned', 12);
    await src.api.migrateSetMaxDowntime('tuned', 50);
    expect([
      await src.api.migrateGetSpeed('tuned'),
      await src.api.migrateGetMaxDowntime('tuned'),
    ]).toEqual([12, 50]);
    expect(await errorCode(src.api.migrateSetMaxDowntime('tuned', 0))).toBe('invalid-arg');
    expect(await errorCode(src.api.migrateGetSpeed('nope'))).toBe('no-domain');
  });
});
