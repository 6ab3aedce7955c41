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
  /**
   * One entry per pre-copy round, then one for stop-and-copy: what the
   * page's migration view draws (ours; libvirt reports only the totals).
   */
  rounds: MigrationRound[];
}

/** One pass over guest RAM: the pages it sent and the dirty set it left behind. */
export interface MigrationRound {
  /** 0, 1, …; the stop-and-copy pass has `final` set. */
  round: number;
  final?: boolean;
  /** Pages sent in this pass (round 0: every page the guest touched). */
  pages: number;
  /** Pages the guest dirtied while this pass ran: the next pass's work. */
  dirtyPages: number;
  /** How long the pass took, ms (known on the sending side). */
  ms?: number;
  /** Auto-converge's throttle during the pass, percent. */
  throttle: number;
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
    rounds: [],
  };
}
