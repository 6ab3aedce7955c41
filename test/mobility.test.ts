import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import { boot, errorCode, settle, sleep } from './helpers/hypervisor';

/**
 * Save and restore, internal snapshots and clones on the real guest: a
 * counting job in the guest, files written before and after, checksums of
 * guest memory, and host frames to see the copy-on-write sharing.
 */
let client: ControlClient;
let vm: DomainSession;

/** snapshot-save of s1 (taken in the first test), restored on a second host in the save test. */
let s1Image: Uint8Array | undefined;
let s1Count = 0;

/** The job's count. It rewrites the file (truncate, then write): a read in between finds it empty. */
async function counter(s: DomainSession): Promise<number> {
  for (let tries = 1; ; tries++) {
    const text = (await s.exec('cat /tmp/count')).trim();
    if (text !== '' || tries === 5) return Number(text);
    await sleep(30);
  }
}

beforeAll(async () => {
  client = await startControl({ pcpus: 2, ramMiB: 384 });
  vm = await boot(client, { name: 'snap', memoryMiB: 64 });
  await settle(vm);
  // A job that counts in the guest (0.1 s per step) and leaves its count in a file.
  await vm.exec('(i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done) &');
  await sleep(500);
}, 180_000);
afterAll(async () => client?.close());

describe('snapshots', () => {
  it('snapshot-create-as keeps the guest running, and revert returns to that instant', async () => {
    const api = client.api;
    const taken = await api.snapshotCreate('snap', { name: 's1', description: 'counting' });
    expect(taken).toMatchObject({ name: 's1', state: 'running', current: true, children: 0 });
    expect(taken.memoryPages).toBeGreaterThan(1000);
    expect((await api.info('snap')).state).toBe('running');
    const atSnapshot = await counter(vm);
    s1Count = atSnapshot;
    await vm.exec('echo after > /tmp/after');
    // A snapshot written as a save image after the guest moved on still holds the instant it was taken.
    s1Image = await api.snapshotSave('snap', 's1');
    expect(new TextDecoder().decode(s1Image.subarray(0, 16))).toBe('VirtLabSaveImage');
    expect((await api.snapshotInfo('snap', 's1')).name).toBe('s1');
    await sleep(1000);
    const later = await counter(vm);
    expect(later).toBeGreaterThan(atSnapshot + 3);

    const from = vm.output.length;
    await api.snapshotRevert('snap', 's1');
    const info = await api.info('snap');
    expect(info).toMatchObject({ state: 'running', reason: 'from snapshot' });
    // The console still works and the guest is back where it was: no /tmp/after, an
    // earlier count that goes on counting.
    await vm.type('\n');
    await vm.waitFor(/# $/, from, 30_000);
    expect(await vm.exec('cat /tmp/after 2>&1')).toMatch(/No such file/);
    const reverted = await counter(vm);
    expect(reverted).toBeLessThan(later);
    await sleep(600);
    expect(await counter(vm)).toBeGreaterThan(reverted);

    // Reverting twice works: the snapshot's frames are never written.
    await vm.exec('echo again > /tmp/after');
    await api.snapshotRevert('snap', 's1');
    await vm.type('\n');
    await sleep(300);
    expect(await vm.exec('cat /tmp/after 2>&1')).toMatch(/No such file/);
  }, 120_000);

  it('lists, describes, dumps and deletes snapshots with libvirt parentage', async () => {
    const api = client.api;
    await api.snapshotCreate('snap', { name: 's2' });
    const list = await api.snapshotList('snap');
    expect(list.map((s) => [s.name, s.parent ?? '-', s.current])).toEqual([
      ['s1', '-', false],
      ['s2', 's1', true],
    ]);
    expect((await api.snapshotInfo('snap', 's1')).descendants).toBe(1);
    expect((await api.snapshotDef('snap', 's2')).def.name).toBe('snap');
    expect(await errorCode(api.snapshotInfo('snap', 'nope'))).toBe('no-snapshot');
    expect(await errorCode(api.snapshotCreate('snap', { name: 's2' }))).toBe('operation-invalid');
    const freeBefore = (await api.hostInfo()).freeMiB;
    expect(await api.snapshotDelete('snap', 's1')).toEqual(['s1']);
    expect((await api.snapshotInfo('snap', 's2')).parent).toBeUndefined();
    await api.snapshotDelete('snap', 's2');
    expect(await api.snapshotList('snap')).toEqual([]);
    // Their frames went back to the host (the ones the running VM no longer maps).
    expect((await api.hostInfo()).freeMiB).toBeGreaterThanOrEqual(freeBefore);
  }, 60_000);
});

describe('one job at a time', () => {
  it('two snapshots asked for at once are taken one after the other', async () => {
    const api = client.api;
    const [a, b] = await Promise.all([
      api.snapshotCreate('snap', { name: 'c1' }),
      api.snapshotCreate('snap', { name: 'c2' }),
    ]);
    expect([a.name, b.name]).toEqual(['c1', 'c2']);
    expect((await api.snapshotInfo('snap', 'c2')).parent).toBe('c1');
    expect((await api.info('snap')).state).toBe('running');
    expect(await counter(vm)).toBeGreaterThan(0);
    await api.snapshotDelete('snap', 'c1', { children: true });
    expect(await api.snapshotList('snap')).toEqual([]);
  }, 60_000);
});

describe('clones', () => {
  it('a clone runs from the source state and shares its RAM until it writes', async () => {
    const api = client.api;
    const rss = (await api.info('snap')).rssKiB;
    const freeBefore = (await api.hostInfo()).freeMiB;
    const session = await DomainSession.attach(client, 'snap-clone');
    const made = await api.clone('snap', { name: 'snap-clone' });
    expect(made).toMatchObject({ name: 'snap-clone', state: 'running', persistent: true });
    expect(made.uuid).not.toBe((await api.info('snap')).uuid);
    const freeAfter = (await api.hostInfo()).freeMiB;
    // The clone's own workers cost 18 MiB; its RAM (rss above, MiBs) is shared, not copied.
    expect(rss / 1024).toBeGreaterThan(5);
    expect(freeBefore - freeAfter).toBeLessThan(18 + 2);
    expect((await api.info('snap-clone')).rssKiB).toBeGreaterThan(rss * 0.9);

    await session.type('\n');
    await session.waitFor(/# $/, 0, 30_000);
    const count = await counter(session);
    expect(count).toBeGreaterThan(0);
    // A new VM generation id (libvirt <genid>, the vmgenid device): the clone's guest got
    // the vmgenid interrupt and mixed the new id into its RNG (add_vmfork_randomness, which
    // also reseeds once the crng is ready), so it does not draw the numbers the source draws.
    const genid = async (n: string) => (await api.domainDef(n)).genid;
    expect(await genid('snap-clone')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await genid('snap-clone')).not.toBe(await genid('snap'));
    const notified = async (s: DomainSession) =>
      Number(/^\s*\d+:\s+(\d+)\s.*vmgenid$/m.exec(await s.exec('cat /proc/interrupts'))?.[1]);
    // One more than the source had when cloned (its own revert, in an earlier test, was one).
    const sourceCount = await notified(vm);
    expect(sourceCount).toBe(1);
    expect(await notified(session)).toBe(sourceCount + 1);
    expect(await vm.exec('ls /sys/bus/platform/drivers/vmgenid')).toMatch(/103000\.vmgenid/);
    // The clone writes 8 MiB of its own: now it diverges and takes frames of its own.
    await session.exec('dd if=/dev/zero of=/tmp/big bs=65536 count=128 2>/dev/null; echo done');
    const freeDiverged = (await api.hostInfo()).freeMiB;
    expect(freeAfter - freeDiverged).toBeGreaterThanOrEqual(8);
    // Those copies broke sharing with a snapshot, not with KSM (ksmd is off here).
    expect((await api.info('snap-clone')).ksm.cow_ksm).toBe(0);
    // The source never sees the clone's file.
    expect(await vm.exec('ls /tmp/big 2>&1')).toMatch(/No such file/);
    await api.destroy('snap-clone');
    await api.undefine('snap-clone');
  }, 120_000);

  it('refuses an existing name', async () => {
    expect(await errorCode(client.api.clone('snap', { name: 'snap' }))).toBe('domain-exists');
  });
});

describe('managed save', () => {
  it('managedsave stops the domain, start resumes it where it was', async () => {
    const api = client.api;
    const before = await counter(vm);
    await api.managedSave('snap');
    expect(await api.info('snap')).toMatchObject({ state: 'shut off', reason: 'saved' });
    expect(await api.hasManagedSave('snap')).toBe(true);
    await sleep(500);
    await api.start('snap');
    expect(await api.info('snap')).toMatchObject({ state: 'running', reason: 'restored' });
    expect(await api.hasManagedSave('snap')).toBe(false);
    await vm.type('\n');
    await sleep(300);
    const after = await counter(vm);
    // It went on from where it stopped (not from a fresh boot, where /tmp/count is gone).
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThan(before + 30);
  }, 120_000);
});

describe('save and restore', () => {
  it('save writes one image and stops the domain; restore continues it exactly, here and on another host', async () => {
    const api = client.api;
    await vm.exec('dd if=/dev/urandom of=/tmp/r bs=1024 count=1024 2>/dev/null');
    const sum = await vm.exec('md5sum /tmp/r');
    const before = await counter(vm);
    const image = await api.save('snap');
    expect(await api.info('snap')).toMatchObject({ state: 'shut off', reason: 'saved' });
    expect(image.length).toBeLessThan(8 << 20);
    expect(new TextDecoder().decode(image.subarray(0, 16))).toBe('VirtLabSaveImage');
    expect(await api.saveImageXml(image)).toMatch(/^<domain type='kvm'>\n  <name>snap<\/name>/);

    // A corrupt image is refused whole: nothing runs, the domain stays shut off.
    const bad = image.slice();
    bad[bad.length >> 1] ^= 0x40;
    expect(await errorCode(api.restore(bad))).toBe('invalid-arg');
    expect((await api.info('snap')).state).toBe('shut off');

    const summary = await api.restore(image);
    expect(summary).toMatchObject({ name: 'snap', state: 'running', reason: 'restored' });
    // Restoring next to the running domain is refused, as libvirt does.
    expect(await errorCode(api.restore(image))).toBe('operation-invalid');
    await vm.type('\n');
    await sleep(300);
    expect(await vm.exec('md5sum /tmp/r')).toBe(sum);
    const after = await counter(vm);
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThan(before + 30);

    // The same file on a second host: a transient domain there, with the same memory.
    const other = await startControl({ pcpus: 1, ramMiB: 256 });
    try {
      const session = await DomainSession.attach(other, 'snap');
      expect(await other.api.restore(image, { paused: true })).toMatchObject({
        state: 'paused',
        persistent: false,
      });
      await other.api.resume('snap');
      await session.type('\n');
      await session.waitFor(/# $/, 0, 30_000);
      expect(await session.exec('md5sum /tmp/r')).toBe(sum);
      expect(await counter(session)).toBeGreaterThanOrEqual(before);

      // s1's file (written before s1 was deleted) brings back the guest of that instant.
      await other.api.destroy('snap');
      const from = session.output.length;
      expect(await other.api.restore(s1Image!)).toMatchObject({ name: 'snap', state: 'running' });
      await session.type('\n');
      await session.waitFor(/# $/, from, 30_000);
      expect(await session.exec('cat /tmp/after 2>&1')).toMatch(/No such file/);
      const count = await counter(session);
      expect(count).toBeGreaterThanOrEqual(s1Count);
      expect(count).toBeLessThan(s1Count + 30);
    } finally {
      await other.close();
    }
  }, 180_000);
});

describe('quick boot', () => {
  it('the first start boots and keeps a snapshot at its prompt; the next resumes from it', async () => {
    const api = client.api;
    const def = { memoryMiB: 48, vcpus: 1, bootargs: 'console=ttyS0' };
    const first = await DomainSession.attach(client, 'quick1');
    await api.define({ name: 'quick1', ...def });
    await api.start('quick1', { quick: true });
    expect(await api.info('quick1')).toMatchObject({ state: 'running', reason: 'booted' });
    await first.waitFor(/# $/, 0, 60_000);
    // The template is taken at the first prompt (the host holds its pages).
    for (let i = 0; i < 100 && (await api.hostInfo()).quickBootKiB === 0; i++) await sleep(100);
    expect((await api.hostInfo()).quickBootKiB).toBeGreaterThan(1024);
    expect((await api.info('quick1')).state).toBe('running');

    const second = await DomainSession.attach(client, 'quick2');
    await api.define({ name: 'quick2', ...def });
    await api.start('quick2', { quick: true });
    expect(await api.info('quick2')).toMatchObject({ state: 'running', reason: 'from snapshot' });
    // No boot log: the shell's prompt, drawn again by the Enter the host typed.
    await second.waitFor(/root@virtlab:[^\n#]*# $/, 0, 10_000);
    expect(second.output).not.toMatch(/Linux version/);
    expect(await second.exec('echo quick')).toBe('quick\n');
    // A different configuration boots for real.
    await api.define({ name: 'quick3', ...def, memoryMiB: 40 });
    await api.start('quick3', { quick: true });
    expect((await api.info('quick3')).reason).toBe('booted');
    for (const n of ['quick1', 'quick2', 'quick3']) await api.destroy(n);
  }, 120_000);
});
