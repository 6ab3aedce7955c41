import { describe, expect, it } from 'vitest';
import { MigrationDestination } from './destination';
import { FakeDestinationHost, FakeSourceHost } from './fake-hosts.test-helper';
import { migrationParams, type MigrationParams } from './params';
import { MigrationError, MigrationSource } from './source';
import type { MigrationMessage } from './messages';
import { broadcastTransport, transportPair, type MigrationTransport } from './transport';

const MIB = 4;
const PAGES = MIB * 256;

function migrate(src: FakeSourceHost, given: Partial<MigrationParams> = {}) {
  const dst = new FakeDestinationHost(PAGES);
  const [a, b] = transportPair();
  const destination = new MigrationDestination(dst, b);
  const source = new MigrationSource(src, a, migrationParams(given), {
    name: 'g',
    domainXml: '<domain/>',
    memoryMiB: MIB,
  });
  return { dst, source, destination, run: source.run() };
}

describe('pre-copy live migration (host doubles)', () => {
  it('an idle guest converges: the destination gets the final memory, the source goes after "running"', async () => {
    const src = new FakeSourceHost(PAGES, 0.01, 600);
    const { dst, run, destination } = migrate(src);
    const info = await run;
    expect(info.type).toBe('completed');
    const received = (await destination.done).info.rounds;
    expect(received.map((r) => r.pages)).toEqual(
      info.rounds.filter((r) => !r.final).map((r) => r.pages),
    );
    expect(src.destroyed).toBe(true);
    expect(src.logging).toBe(true); // destroyed with the VM, not stopped first
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
    expect(info.iteration).toBeGreaterThanOrEqual(1);
    expect(info.constantPages).toBe(0); // unbacked pages are never sent: they read as zeroes there too
    expect(info.normalPages).toBeGreaterThanOrEqual(600);
    expect(info.downtimeMs).toBeGreaterThan(0);
    expect(info.memTotal).toBe(MIB << 20);
    expect((await destination.done).info.type).toBe('completed');
  });

  it('a guest dirtying faster than the link stops after maxIterations and still arrives whole', async () => {
    const src = new FakeSourceHost(PAGES, 5); // 20 MiB/s of dirt against a 4 MiB/s link
    const { dst, run } = migrate(src, { bandwidthMiBs: 4, maxIterations: 3, maxDowntimeMs: 10 });
    const info = await run;
    expect(info.iteration).toBe(3);
    // The view's record: three pre-copy passes, then stop-and-copy; round 0 sent every touched page.
    expect(info.rounds.map((r) => [r.round, !!r.final])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(info.rounds[0]!.pages).toBeGreaterThanOrEqual(src.backedPages().length - 1);
    expect(info.rounds[1]!.pages).toBe(info.rounds[0]!.dirtyPages);
    expect(info.rounds.every((r) => r.ms! >= 0)).toBe(true);
    expect(info.expectedDowntimeMs).toBeGreaterThan(10);
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
    expect(info.autoConvergeThrottle).toBe(0);
  }, 30_000);

  it('auto-converge throttles the vCPUs step by step until the rounds fit the downtime', async () => {
    const src = new FakeSourceHost(PAGES, 1);
    const { dst, run } = migrate(src, {
      bandwidthMiBs: 4,
      maxDowntimeMs: 40,
      autoConverge: true,
      maxIterations: 60,
    });
    const info = await run;
    expect(src.throttleSteps[0]).toBe(20);
    for (let i = 1; i < src.throttleSteps.length; i++)
      expect(src.throttleSteps[i] - src.throttleSteps[i - 1]).toBe(10);
    expect(info.autoConvergeThrottle).toBeGreaterThanOrEqual(20);
    expect(info.iteration).toBeLessThan(60);
    expect(info.expectedDowntimeMs).toBeLessThanOrEqual(40);
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
  }, 30_000);

  it('domjobabort on the source: the destination discards, the source runs on with logging off', async () => {
    const src = new FakeSourceHost(PAGES, 2);
    const { dst, source, run, destination } = migrate(src, { bandwidthMiBs: 1 });
    setTimeout(() => source.abort(), 300);
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    await expect(destination.done).rejects.toBeInstanceOf(MigrationError);
    expect(source.info.type).toBe('cancelled');
    expect(destination.info.type).toBe('cancelled');
    expect(dst.memory).toBeUndefined();
    expect(dst.discarded).toBe(1);
    expect([src.destroyed, src.paused, src.logging]).toEqual([false, false, false]);
    src.stopGuest();
  });

  it('an abort during stop-and-copy resumes the paused source and removes the throttle', async () => {
    const src = new FakeSourceHost(PAGES, 0.01);
    const { source, run } = migrate(src);
    const pause = src.pause.bind(src);
    src.pause = async () => {
      await pause();
      src.throttle(30); // as if auto-converge had stepped
      source.info.autoConvergeThrottle = 30;
      source.abort();
    };
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect([src.paused, src.frozen, src.destroyed, src.throttlePercent]).toEqual([
      false,
      false,
      false,
      0,
    ]);
    src.stopGuest();
  });

  it('a destination that cannot take the domain fails the job before anything is sent', async () => {
    const src = new FakeSourceHost(PAGES, 0.01);
    const dst = new FakeDestinationHost(PAGES);
    dst.refuse = "domain 'g' already exists with uuid 1234";
    const [a, b] = transportPair();
    new MigrationDestination(dst, b);
    const source = new MigrationSource(src, a, migrationParams(), {
      name: 'g',
      domainXml: '<domain/>',
      memoryMiB: MIB,
    });
    await expect(source.run()).rejects.toThrow(/already exists/);
    expect(source.info.type).toBe('failed');
    expect([src.logging, src.paused, source.info.memProcessed]).toEqual([false, false, 0]);
    src.stopGuest();
  });

  it('a destination that fails to restore leaves the source running (resumed after the pause)', async () => {
    const src = new FakeSourceHost(PAGES, 0.01);
    const { dst, run } = migrate(src);
    dst.failRestore = 'no memory for the saved RAM';
    await expect(run).rejects.toThrow(/no memory for the saved RAM/);
    expect([src.paused, src.frozen, src.destroyed, src.logging]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    src.stopGuest();
  });

  it('a VM destroyed during the job fails it with the reason, whatever the rollback meets', async () => {
    const src = new FakeSourceHost(PAGES, 1);
    const gone = () => {
      throw new Error('no VM 3');
    };
    src.collectDirtyLog = gone;
    src.stopDirtyLog = gone;
    const { run, destination } = migrate(src);
    await expect(run).rejects.toMatchObject({ code: 'failed', message: /no VM 3/ });
    await expect(destination.done).rejects.toMatchObject({ code: 'failed' });
    src.stopGuest();
  });

  it('a connection lost after the hand-over leaves the source paused, never two copies running', async () => {
    const src = new FakeSourceHost(PAGES, 0.01);
    const dst = new FakeDestinationHost(PAGES);
    dst.restore = () => new Promise(() => {}); // the destination is starting it…
    const [a, b] = transportPair();
    new MigrationDestination(dst, b);
    let deliver: (m: MigrationMessage) => void = () => {};
    const sourceEnd: MigrationTransport = {
      send(m) {
        a.send(m);
        if (m.kind === 'device-state')
          // …when the link breaks.
          setTimeout(() => deliver({ kind: 'error', message: 'connection closed', lost: true }), 5);
      },
      onMessage(h) {
        deliver = h;
        a.onMessage(h);
      },
      close: () => a.close(),
    };
    const source = new MigrationSource(src, sourceEnd, migrationParams(), {
      name: 'g',
      domainXml: '<domain/>',
      memoryMiB: MIB,
    });
    await expect(source.run()).rejects.toThrow(/may be running the domain, so it stays paused/);
    expect([src.paused, src.destroyed, src.logging]).toEqual([true, false, false]);
    source.abort(); // too late to abort: nothing changes
    expect(src.paused).toBe(true);
    src.stopGuest();
  });

  it('without --live the guest is paused first and copied in one pass', async () => {
    const src = new FakeSourceHost(PAGES, 1);
    const { dst, run } = migrate(src, { live: false });
    const info = await run;
    expect(info.iteration).toBe(0);
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
    expect(info.downtimeMs).toBeGreaterThanOrEqual(info.timeElapsedMs - info.setupTimeMs - 5);
  });

  it('migrate-setspeed caps the bandwidth', async () => {
    const src = new FakeSourceHost(PAGES, 0, 512); // 2 MiB to send at 4 MiB/s: ≥ 0.5 s
    const { run, source } = migrate(src, { bandwidthMiBs: 4 });
    // The bandwidth figure is live during the first round, as QEMU's (every 100 ms).
    await new Promise((r) => setTimeout(r, 300));
    expect(source.info.iteration).toBe(0);
    expect(source.info.memBps).toBeGreaterThan(1024 * 1024);
    expect(source.info.memBps).toBeLessThan(6 * 1024 * 1024);
    const info = await run;
    expect(info.timeElapsedMs).toBeGreaterThan(450);
    expect(info.memBps).toBeLessThan(4.5 * 1024 * 1024);
  });

  it('runs over a BroadcastChannel (two tabs), each side ignoring its own messages', async () => {
    const src = new FakeSourceHost(PAGES, 0.05);
    const dst = new FakeDestinationHost(PAGES);
    const channel = `test-${Math.random()}`;
    const destination = new MigrationDestination(dst, broadcastTransport(channel, 'destination'));
    const sourceEnd = broadcastTransport(channel, 'source');
    const source = new MigrationSource(src, sourceEnd, migrationParams(), {
      name: 'g',
      domainXml: '<domain/>',
      memoryMiB: MIB,
    });
    const info = await source.run();
    await destination.done;
    sourceEnd.close();
    destination.transport.close();
    expect(info.type).toBe('completed');
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
  });
});
