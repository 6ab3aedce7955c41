import type { MigrationJobInfo } from '../control-api';

/** vshPrettyCapacity: the value in the largest binary unit it reaches. */
export function prettyCapacity(bytes: number): [number, string] {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return [value, units[i]];
}

const JOB_TYPE: Record<MigrationJobInfo['type'], string> = {
  none: 'None',
  unbounded: 'Unbounded',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const OPERATION: Record<MigrationJobInfo['operation'], string> = {
  'outgoing migration': 'Outgoing migration',
  'incoming migration': 'Incoming migration',
};

/**
 * virsh domjobinfo's text (tools/virsh-domain.c cmdDomjobinfo): "%-17s"
 * labels, counts as "%-12llu", sizes as vshPrettyCapacity "%-.3lf %s";
 * VIR_DOMAIN_JOB_DOWNTIME reads "Expected downtime" while the job runs and
 * "Total downtime" once it completed. No job: "Job type: None".
 */
export function formatJobInfo(info: MigrationJobInfo | null): string {
  const lines: string[] = [];
  const line = (label: string, value: string) => lines.push(`${label.padEnd(17)} ${value}`);
  const count = (label: string, n: number, unit = '') =>
    line(label, unit ? `${String(Math.round(n)).padEnd(12)} ${unit}` : String(Math.round(n)));
  const size = (label: string, bytes: number, perSecond = false) => {
    const [v, unit] = prettyCapacity(bytes);
    line(label, `${v.toFixed(3)} ${unit}${perSecond ? '/s' : ''}`);
  };
  if (!info || info.type === 'none') {
    line('Job type:', 'None');
    return lines.join('\n') + '\n';
  }
  line('Job type:', JOB_TYPE[info.type]);
  line('Operation:', OPERATION[info.operation]);
  count('Time elapsed:', info.timeElapsedMs, 'ms');
  size('Data processed:', info.dataProcessed);
  size('Data remaining:', info.dataRemaining);
  size('Data total:', info.dataTotal);
  size('Memory processed:', info.memProcessed);
  size('Memory remaining:', info.memRemaining);
  size('Memory total:', info.memTotal);
  size('Memory bandwidth:', info.memBps, true);
  count('Dirty rate:', info.dirtyRate, 'pages/s');
  count('Page size:', info.pageSize, 'bytes');
  count('Iteration:', info.iteration);
  count('Postcopy requests:', info.postcopyRequests);
  count('Constant pages:', info.constantPages);
  count('Normal pages:', info.normalPages);
  size('Normal data:', info.normalBytes);
  if (info.type === 'completed' && info.downtimeMs !== undefined)
    count('Total downtime:', info.downtimeMs, 'ms');
  else if (info.type === 'unbounded' && Number.isFinite(info.expectedDowntimeMs))
    count('Expected downtime:', info.expectedDowntimeMs, 'ms');
  count('Setup time:', info.setupTimeMs, 'ms');
  if (info.autoConvergeThrottle) line('Auto converge throttle:', String(info.autoConvergeThrottle));
  if (info.error) line('Error message:', info.error);
  return lines.join('\n') + '\n';
}
