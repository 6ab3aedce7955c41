import type { DomainDef, DomainInfo, DomainSummary, DomainType } from '../../manage/control-api';

/**
 * The engines view's pair: two domains identical but for their type
 * (libvirt's `<domain type='kvm'>` against `<domain type='qemu'>`), and
 * which domains the view compares when the user has not picked.
 */
export const PAIR_MIB = 48;
export const PAIR: Record<DomainType, DomainDef> = {
  kvm: { name: 'accel', memoryMiB: PAIR_MIB, vcpus: 1, type: 'kvm' },
  qemu: { name: 'emul', memoryMiB: PAIR_MIB, vcpus: 1, type: 'qemu' },
};

/** The same program for both sides: the same work (bench), or the same time (spin). */
export const WORKLOADS = {
  bench: 'bench 300',
  spin: 'spin 1 --seconds 15',
} as const;

const ACTIVE = new Set(['running', 'paused']);

/**
 * The domains of `type` the view can show, running ones first: the pair's own
 * domain leads among them, then the others in list order.
 */
export function candidates(
  type: DomainType,
  domains: readonly DomainSummary[],
  infos: Readonly<Record<string, DomainInfo>>,
): string[] {
  const rank = (d: DomainSummary) =>
    (ACTIVE.has(d.state) ? 0 : 2) + (d.name === PAIR[type].name ? 0 : 1);
  return domains
    .filter((d) => infos[d.name]?.type === type)
    .map((d, i) => ({ name: d.name, rank: rank(d), i }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((c) => c.name);
}

/** The user's pick while it is still a domain of that type; else the best candidate. */
export function chosen(picked: string | undefined, options: readonly string[]): string | undefined {
  return picked !== undefined && options.includes(picked) ? picked : options[0];
}

/** How many times `fast` outruns `slow`, once both run enough to compare (else undefined). */
export function speedRatio(fast: number, slow: number): number | undefined {
  // Below a few MIPS a domain is only taking timer ticks: no program runs.
  if (fast < 5 || slow < 5) return undefined;
  return fast / slow;
}
