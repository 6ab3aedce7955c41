/**
 * A migration job's progress as libvirt reports it (virDomainGetJobStats,
 * VIR_DOMAIN_JOB_* typed parameters; virsh domjobinfo prints them). Bytes
 * and milliseconds; `memBps` in bytes/s, `dirtyRate` in pages/s.
 */
export interface MigrationJobInfo {
  /** virDomainJobType: unbounded while it runs, then completed, failed or cancelled. */
  type: 'none' | 'unbounded' | 'completed' | 'failed' | 'cancelled';
  operation: 'outgoing migration' | 'incoming migration';
  timeElapsedMs: number;
  dataProcessed: number;
  dataRemaining: number;
  dataTotal: number;
  memProcessed: number;
  memRemaining: number;
  memTotal: number;
  memBps: number;
  dirtyRate: number;
  pageSize: number;
  /** Pre-copy rounds done (QEMU's dirty-sync-count). */
  iteration: number;
  postcopyRequests: number;
  /** Pages sent as zeroes (QEMU's zero pages; libvirt's "Constant pages"). */
  constantPages: number;
  normalPages: number;
  normalBytes: number;
  expectedDowntimeMs: number;
  /** Once completed: from the pause to the destination running. */
  downtimeMs?: number;
  setupTimeMs: number;
  /** Percent of vCPU time taken away by auto-converge (0 = none). */
  autoConvergeThrottle: number;
  /** Why a failed job failed. */
  error?: string;
}

export function emptyJobInfo(operation: MigrationJobInfo['operation']): MigrationJobInfo {
  return {
    type: 'unbounded',
    operation,
    timeElapsedMs: 0,
    dataProcessed: 0,
    dataRemaining: 0,
    dataTotal: 0,
    memProcessed: 0,
    memRemaining: 0,
    memTotal: 0,
    memBps: 0,
    dirtyRate: 0,
    pageSize: 4096,
    iteration: 0,
    postcopyRequests: 0,
    constantPages: 0,
    normalPages: 0,
    normalBytes: 0,
    expectedDowntimeMs: 0,
    setupTimeMs: 0,
    autoConvergeThrottle: 0,
  };
}
