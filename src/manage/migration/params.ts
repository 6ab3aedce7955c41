/**
 * Tunables of an outgoing migration, with libvirt's / QEMU's defaults:
 * virsh migrate-setspeed (migrate_set_parameter max-bandwidth),
 * migrate-setmaxdowntime (downtime-limit, 300 ms), --auto-converge with
 * QEMU's cpu-throttle-initial 20 %, cpu-throttle-increment 10 %, at most
 * 99 %, triggered when a round dirties more than throttle-trigger-threshold
 * (50 %) of what it sent, twice in a row (migration/ram.c
 * migration_trigger_throttle).
 */
export interface MigrationParams {
  /**
   * Live (pre-copy while the guest runs; virsh migrate --live). Without it
   * the guest is paused first and everything is copied once (libvirt's
   * default offline-style migration of a running domain).
   */
  live: boolean;
  /** MiB/s; 0 = unlimited (QEMU's default for a live migration set by libvirt is unlimited). */
  bandwidthMiBs: number;
  maxDowntimeMs: number;
  autoConverge: boolean;
  throttleInitial: number;
  throttleIncrement: number;
  throttleMax: number;
  /** Percent: a round that dirtied more than this share of what it sent counts toward a throttle step. */
  throttleTriggerThreshold: number;
  /**
   * Pre-copy rounds after which the job stops the guest and copies the
   * rest whatever the downtime (virsh migrate --timeout-suspend's role),
   * so a guest dirtying faster than the link still moves.
   */
  maxIterations: number;
  /** Batches in flight before the source waits for the destination's ack. */
  maxInFlight: number;
  /** Pages per batch. */
  batchPages: number;
}

export const DEFAULT_MIGRATION_PARAMS: MigrationParams = {
  live: true,
  bandwidthMiBs: 0,
  maxDowntimeMs: 300,
  autoConverge: false,
  throttleInitial: 20,
  throttleIncrement: 10,
  throttleMax: 99,
  throttleTriggerThreshold: 50,
  maxIterations: 30,
  maxInFlight: 8,
  batchPages: 64,
};

/** Checks and completes user-given params (typed errors are the caller's). */
export function migrationParams(given: Partial<MigrationParams> = {}): MigrationParams {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const p: MigrationParams = { ...DEFAULT_MIGRATION_PARAMS, ...set };
  const bad = (what: string) => new RangeError(`invalid migration parameter ${what}`);
  if (!(p.bandwidthMiBs >= 0 && Number.isFinite(p.bandwidthMiBs)))
    throw bad(`bandwidth ${p.bandwidthMiBs}`);
  if (!(p.maxDowntimeMs >= 1 && Number.isFinite(p.maxDowntimeMs)))
    throw bad(`max downtime ${p.maxDowntimeMs}`);
  if (!(Number.isInteger(p.maxIterations) && p.maxIterations >= 1))
    throw bad(`max iterations ${p.maxIterations}`);
  for (const k of ['throttleInitial', 'throttleIncrement', 'throttleMax'] as const)
    if (!(Number.isInteger(p[k]) && p[k] >= 1 && p[k] <= 99)) throw bad(`${k} ${p[k]}`);
  return p;
}
