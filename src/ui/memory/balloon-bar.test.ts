import { describe, expect, it } from 'vitest';
import type { DomainInfo } from '../../manage/control-api';
import { balloonBar, inflateFreedLittle, share } from './balloon-bar';

function info(over: Partial<DomainInfo>): DomainInfo {
  return {
    id: 1,
    name: 'vm1',
    state: 'running',
    reason: 'booted',
    persistent: true,
    uuid: 'u',
    vcpus: 1,
    vcpusCurrent: 1,
    memoryMiB: 64,
    cpuTimeMs: 0,
    instructions: 0,
    rssKiB: 20 * 1024,
    exits: {},
    currentMemoryKiB: 64 * 1024,
    ksm: { ksm_rmap_items: 0, ksm_merging_pages: 256, ksm_zero_pages: 0, ksm_process_profit: 0 },
    mergeable: true,
    shares: 1024,
    quotaUs: -1,
    periodUs: 100000,
    ...over,
  } as DomainInfo;
}

const balloon = (actual: number, inflated: number, freed: number) => ({
  targetPages: actual,
  actualPages: actual,
  inflatedPages: inflated,
  deflatedPages: 0,
  reportedPages: 0,
  freedFrames: freed,
});

describe('balloonBar', () => {
  it('splits the maximum into used, free and balloon, with rss alongside', () => {
    const bar = balloonBar(info({ balloon: balloon(4096, 4096, 4096) }), { unused: 30 * 1024 });
    expect(bar.maxKiB).toBe(65536);
    expect(bar.balloonKiB).toBe(16384);
    expect(bar.freeKiB).toBe(30720);
    expect(bar.usedKiB).toBe(65536 - 16384 - 30720);
    expect(bar.residentKiB).toBe(20480);
    expect(bar.mergedKiB).toBe(1024);
    expect(inflateFreedLittle(bar)).toBe(false);
  });

  it('without stats, the current memory is all "used" and free is unknown', () => {
    const bar = balloonBar(info({}), undefined);
    expect(bar.freeKiB).toBeUndefined();
    expect(bar.usedKiB).toBe(65536);
    expect(bar.balloonKiB).toBe(0);
  });

  it('explains an inflate that freed nothing: the pages were never touched', () => {
    const bar = balloonBar(info({ balloon: balloon(8192, 8192, 100) }), undefined);
    expect(bar.untouchedInflatedKiB).toBe((8192 - 100) * 4);
    expect(inflateFreedLittle(bar)).toBe(true);
  });

  it('share clamps to the bar', () => {
    expect(share(32, 64)).toBe('50.00%');
    expect(share(100, 64)).toBe('100.00%');
    expect(share(1, 0)).toBe('0%');
  });
});
