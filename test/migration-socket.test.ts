import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MigrationDestination } from '../src/manage/migration/destination';
import {
  FakeDestinationHost,
  FakeSourceHost,
} from '../src/manage/migration/fake-hosts.test-helper';
import { migrationParams } from '../src/manage/migration/params';
import { MigrationSource } from '../src/manage/migration/source';
import {
  connectForMigration,
  listenForMigration,
  migrationAddress,
} from '../tools/lib/migration-socket';

describe('migration over a local socket', () => {
  it('moves a dirtying guest through a Unix socket, whole', async () => {
    const uri = `unix:${join(mkdtempSync(join(tmpdir(), 'virtlab-mig-')), 'sock')}`;
    const listener = listenForMigration(uri);
    await listener.ready;
    const [src, dst] = [new FakeSourceHost(1024, 0.5), new FakeDestinationHost(1024)];
    const sourceEnd = await connectForMigration(uri);
    const destination = new MigrationDestination(dst, await listener.accepted);
    const source = new MigrationSource(src, sourceEnd, migrationParams({ maxDowntimeMs: 20 }), {
      name: 'g',
      domainXml: '<domain/>',
      memoryMiB: 4,
    });
    const info = await source.run();
    await destination.done;
    expect(info.type).toBe('completed');
    expect(Buffer.compare(dst.memory!, src.memory)).toBe(0);
    expect(destination.info.normalPages).toBe(info.normalPages);
  });

  it('a closed connection fails the job and the source keeps running', async () => {
    const uri = `unix:${join(mkdtempSync(join(tmpdir(), 'virtlab-mig-')), 'sock')}`;
    const hangup = listenForMigration(uri);
    await hangup.ready;
    const src = new FakeSourceHost(1024, 0.5);
    const source = new MigrationSource(src, await connectForMigration(uri), migrationParams(), {
      name: 'g',
      domainXml: '<domain/>',
      memoryMiB: 4,
    });
    void hangup.accepted.then((t) => t.close());
    await expect(source.run()).rejects.toThrow(/closed/);
    expect([src.paused, src.logging, src.destroyed]).toEqual([false, false, false]);
    src.stopGuest();
  });

  it('accepts only local addresses', () => {
    expect(migrationAddress('tcp:4444')).toEqual({ port: 4444, host: '127.0.0.1' });
    expect(migrationAddress('unix:/tmp/s')).toEqual({ path: '/tmp/s' });
    expect(() => migrationAddress('tcp:10.0.0.1:4444')).toThrow(/unsupported/);
  });
});
