import type { DomainInfo, MemoryStats } from '../../manage/control-api';

/**
 * One domain's memory as the balloon view draws it, KiB, all on the scale
 * of its maximum memory: the guest's view (used, free, in the balloon) and
 * the host's (resident frames: private and KSM-merged).
 */
export interface BalloonBar {
  maxKiB: number;
  /** Guest memory in use (current − MemFree); the whole current memory when the guest sent no stats. */
  usedKiB: number;
  /** MemFree, from the balloon's statistics; undefined when the guest has sent none. */
  freeKiB: number | undefined;
  /** The balloon's actual size: pages the guest gave to the host. */
  balloonKiB: number;
  /** The size the host asked for. */
  targetKiB: number;
  /** Host frames backing the guest (rss). */
  residentKiB: number;
  /** Of those, guest pages mapped to KSM pages. */
  mergedKiB: number;
  /**
   * Guest pages the balloon took that had no host frame (never touched, or
   * already given back by reporting): inflating them freed nothing.
   */
  untouchedInflatedKiB: number;
  /** Frames the balloon and free page reporting gave back to the host, cumulative. */
  freedKiB: number;
  inflatedKiB: number;
}

export function balloonBar(info: DomainInfo, stats: MemoryStats | undefined): BalloonBar {
  const maxKiB = info.memoryMiB * 1024;
  const b = info.balloon;
  const balloonKiB = Math.min(maxKiB, (b?.actualPages ?? 0) * 4);
  const currentKiB = maxKiB - balloonKiB;
  const freeKiB = stats?.unused !== undefined ? Math.min(stats.unused, currentKiB) : undefined;
  const inflatedKiB = (b?.inflatedPages ?? 0) * 4;
  const freedKiB = (b?.freedFrames ?? 0) * 4;
  return {
    maxKiB,
    usedKiB: currentKiB - (freeKiB ?? 0),
    freeKiB,
    balloonKiB,
    targetKiB: Math.min(maxKiB, (b?.targetPages ?? 0) * 4),
    residentKiB: Math.min(maxKiB, info.rssKiB),
    mergedKiB: Math.min(info.rssKiB, info.ksm.ksm_merging_pages * 4),
    untouchedInflatedKiB: Math.max(0, inflatedKiB - freedKiB),
    freedKiB,
    inflatedKiB,
  };
}

/** Width of `kib` on the bar, as a CSS percentage. */
export function share(kib: number, maxKiB: number): string {
  return `${maxKiB > 0 ? Math.max(0, Math.min(100, (kib / maxKiB) * 100)).toFixed(2) : 0}%`;
}

/**
 * Whether to explain that inflating freed (almost) nothing on the host: the
 * balloon took at least 1 MiB more guest pages than it freed frames.
 */
export function inflateFreedLittle(bar: BalloonBar): boolean {
  return bar.inflatedKiB > 0 && bar.untouchedInflatedKiB >= 1024;
}
