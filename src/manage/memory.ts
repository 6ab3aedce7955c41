/**
 * The memory side of a domain, as libvirt presents it: currentMemory and
 * the balloon (virsh setmem), and dommemstat's fields computed from the
 * balloon's shared words (host/vm-shared.ts BAL) the way libvirt's QEMU
 * driver maps QEMU's guest-stats (qemuMonitorJSONGetMemoryStats).
 */
import { VIRTIO_BALLOON_S as S } from '../hypervisor/devices/virtio/balloon';
import { BAL, MEM_STAT, type VmShared } from '../hypervisor/host/vm-shared';
import type { DomainDef, MemoryStats } from './control-api';
import { VirtError } from './errors';

export const KiB_PER_PAGE = 4;

/** The maximum memory as defined, KiB (libvirt's `<memory>`; the guest gets it rounded up to MiB). */
export function maxKiB(def: Pick<DomainDef, 'memoryMiB' | 'memoryKiB'>): number {
  return def.memoryKiB ?? def.memoryMiB * 1024;
}

/**
 * Checks a domain's memory settings (define); returns currentMemory in KiB.
 * A currentMemory below the maximum without a balloon is valid, as in
 * libvirt: the guest then gets all of its memory.
 */
export function checkMemory(def: DomainDef): number {
  const max = maxKiB(def);
  const current = def.currentMemoryKiB ?? max;
  if (!Number.isInteger(current) || current < 1 || current > max) {
    throw new VirtError(
      'invalid-arg',
      `current memory must be 1 to ${max} KiB (the maximum memory), got ${current}`,
    );
  }
  const period = def.balloon ? (def.balloon.statsPeriodS ?? 0) : 0;
  if (!Number.isInteger(period) || period < 0 || period > 86400) {
    throw new VirtError('invalid-arg', `stats period must be 0 to 86400 s, got ${period}`);
  }
  return current;
}

/** The balloon target (pages) that makes the guest's memory `currentKiB` of `maxKiB`. */
export function balloonPages(maxKiB: number, currentKiB: number): number {
  return Math.floor((maxKiB - currentKiB) / KiB_PER_PAGE);
}

/** Current memory of a running domain, KiB: maximum minus what the balloon holds now. */
export function currentKiB(shared: VmShared): number {
  const max = shared.memoryMiB * 1024;
  if (!shared.balloon) return max;
  return max - new Float64Array(shared.balloon)[BAL.ACTUAL] * KiB_PER_PAGE;
}

/** dommemstat's fields, in libvirt's order; values are KiB except counts and seconds. */
export function memoryStats(shared: VmShared): MemoryStats {
  const out: MemoryStats = {};
  const bal = shared.balloon ? new Float64Array(shared.balloon) : undefined;
  const tag = (t: number) => (bal ? bal[BAL.STATS + t] : NaN);
  const kib = (t: number) => Math.floor(tag(t) / 1024);
  const put = (name: keyof MemoryStats, v: number) => {
    if (Number.isFinite(v)) out[name] = v;
  };
  put('swap_in', kib(S.SWAP_IN));
  put('swap_out', kib(S.SWAP_OUT));
  put('major_fault', tag(S.MAJFLT));
  put('minor_fault', tag(S.MINFLT));
  put('unused', kib(S.MEMFREE));
  put('available', kib(S.MEMTOT));
  put('usable', kib(S.AVAIL));
  put('actual', currentKiB(shared));
  put('rss', Atomics.load(new Int32Array(shared.memStats), MEM_STAT.RESIDENT) * KiB_PER_PAGE);
  if (bal && bal[BAL.LAST_UPDATE] > 0) put('last_update', bal[BAL.LAST_UPDATE]);
  put('disk_caches', kib(S.CACHES));
  put('hugetlb_pgalloc', tag(S.HTLB_PGALLOC));
  put('hugetlb_pgfail', tag(S.HTLB_PGFAIL));
  return out;
}

/** The balloon's own counters (ours; for the page and the tests). */
export function balloonCounters(shared: VmShared) {
  const bal = shared.balloon ? new Float64Array(shared.balloon) : undefined;
  return {
    targetPages: bal ? bal[BAL.TARGET] : 0,
    actualPages: bal ? bal[BAL.ACTUAL] : 0,
    inflatedPages: bal ? bal[BAL.INFLATED] : 0,
    deflatedPages: bal ? bal[BAL.DEFLATED] : 0,
    reportedPages: bal ? bal[BAL.REPORTED] : 0,
    freedFrames: bal ? bal[BAL.FREED] : 0,
  };
}
