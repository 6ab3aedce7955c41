import { parseCpulist } from '../../manage/cpulist';

/**
 * The scheduling controls' model: validating what was typed (the same
 * ranges as cgroups and libvirt, src/manage/domains.ts checkSched) and the
 * virsh command each change is equivalent to. Errors are message keys of
 * the `sched` namespace, with their parameters.
 */
export interface FieldError {
  key: string;
  params?: Record<string, unknown>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: FieldError };

/** A whole number from an input, or an error. */
export function parseWhole(text: string): Parsed<number> {
  const s = text.trim().replace(/^\u2212/, '-');
  if (!/^-?\d+$/.test(s)) return { ok: false, error: { key: 'sched:controls.invalidNumber' } };
  return { ok: true, value: Number(s) };
}

export function parseShares(text: string): Parsed<number> {
  const n = parseWhole(text);
  if (n.ok && (n.value < 2 || n.value > 262144))
    return { ok: false, error: { key: 'sched:controls.sharesRange' } };
  return n;
}

export function parsePeriod(text: string): Parsed<number> {
  const n = parseWhole(text);
  if (n.ok && (n.value < 1000 || n.value > 1_000_000))
    return { ok: false, error: { key: 'sched:controls.periodRange' } };
  return n;
}

export function parseQuota(text: string): Parsed<number> {
  const n = parseWhole(text);
  if (n.ok && n.value !== -1 && n.value < 1000)
    return { ok: false, error: { key: 'sched:controls.quotaRange' } };
  return n;
}

export function parseVcpuCount(text: string, max: number): Parsed<number> {
  const n = parseWhole(text);
  if (n.ok && (n.value < 1 || n.value > max))
    return { ok: false, error: { key: 'sched:controls.vcpusRange', params: { max } } };
  return n;
}

/** A cpulist for a host of `pcpus` pCPUs, normalised; the manage layer's message when invalid. */
export function parsePin(
  text: string,
  pcpus: number,
): Parsed<string> | { ok: false; message: string } {
  try {
    parseCpulist(text, pcpus);
    return { ok: true, value: text.trim().replace(/\s+/g, '') };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

export interface SchedParams {
  shares?: number;
  periodUs?: number;
  quotaUs?: number;
}

/** `virsh schedinfo NAME --set cpu_shares=… [--set vcpu_period=…] [--set vcpu_quota=…] --live`. */
export function schedinfoCommand(name: string, p: SchedParams): string {
  const sets: string[] = [];
  if (p.shares !== undefined) sets.push(`--set cpu_shares=${p.shares}`);
  if (p.periodUs !== undefined) sets.push(`--set vcpu_period=${p.periodUs}`);
  if (p.quotaUs !== undefined) sets.push(`--set vcpu_quota=${p.quotaUs}`);
  return `virsh schedinfo ${quote(name)}${sets.map((s) => ` ${s}`).join('')} --live`;
}

export function vcpupinCommand(name: string, vcpu: number, cpulist: string): string {
  return `virsh vcpupin ${quote(name)} ${vcpu} ${quote(cpulist)} --live`;
}

export function setvcpusCommand(name: string, count: number): string {
  return `virsh setvcpus ${quote(name)} ${count} --live`;
}

/** Only the parameters that differ from the current ones. */
export function changedParams(next: SchedParams, current: Required<SchedParams>): SchedParams {
  const out: SchedParams = {};
  if (next.shares !== undefined && next.shares !== current.shares) out.shares = next.shares;
  if (next.periodUs !== undefined && next.periodUs !== current.periodUs)
    out.periodUs = next.periodUs;
  if (next.quotaUs !== undefined && next.quotaUs !== current.quotaUs) out.quotaUs = next.quotaUs;
  return out;
}

/** Shell-quotes a word only when it needs it (a domain name with spaces, a cpulist with ^). */
function quote(word: string): string {
  return /^[\w.,:@%+/-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
