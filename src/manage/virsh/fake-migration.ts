import type { ControlApi, MigrationJobInfo } from '../control-api';
import { VirtError } from '../errors';
import { emptyJobInfo } from '../migration/job-info';
import type { FakeHooks } from './fake-mobility';

export type MigrationCalls =
  | 'migrate'
  | 'migrateIncoming'
  | 'jobInfo'
  | 'jobAbort'
  | 'migrateSetSpeed'
  | 'migrateGetSpeed'
  | 'migrateSetMaxDowntime'
  | 'migrateGetMaxDowntime';

/**
 * The fake API's migrations, with the real rules for states and tunables
 * (manage/migration/domain-migrations.ts): a migration completes at once
 * (two rounds of a 32 MiB guest), the domain shut off (migrated).
 */
export function fakeMigration(h: FakeHooks): Pick<ControlApi, MigrationCalls> {
  const completed = new Map<string, MigrationJobInfo>();
  const speed = new Map<string, number>();
  const downtime = new Map<string, number>();
  return {
    async migrate(name, _target, params) {
      const d = h.get(name);
      h.require(d, ['running', 'paused'], 'migrate');
      h.calls.push(`migrate ${name}`);
      const info: MigrationJobInfo = {
        ...emptyJobInfo('outgoing migration'),
        type: 'completed',
        timeElapsedMs: 812,
        dataProcessed: 7_340_032,
        dataTotal: 33_554_432,
        memProcessed: 7_340_032,
        memTotal: 33_554_432,
        memBps: 9_175_040,
        dirtyRate: 12,
        iteration: 2,
        constantPages: 211,
        normalPages: 1785,
        normalBytes: 1785 * 4096,
        expectedDowntimeMs: 3,
        downtimeMs: 74,
        setupTimeMs: 2,
        autoConvergeThrottle: params?.autoConverge ? 20 : 0,
      };
      completed.set(name, info);
      h.set(d, 'shut off', 'migrated');
      return info;
    },
    migrateIncoming: () => Promise.reject(new Error('not in the fake')),
    async jobInfo(name, options) {
      h.get(name);
      return (options?.completed && completed.get(name)) || null;
    },
    async jobAbort(name) {
      h.get(name);
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: no job is active on the domain',
      );
    },
    async migrateSetSpeed(name, mibs) {
      h.get(name);
      speed.set(name, mibs);
    },
    async migrateGetSpeed(name) {
      h.get(name);
      return speed.get(name) ?? 0;
    },
    async migrateSetMaxDowntime(name, ms) {
      h.get(name);
      if (!(ms >= 1)) throw new VirtError('invalid-arg', `invalid argument: max downtime ${ms}`);
      downtime.set(name, ms);
    },
    async migrateGetMaxDowntime(name) {
      h.get(name);
      return downtime.get(name) ?? 300;
    },
  };
}
