import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, errorCode, runInBackground, settle, sleep } from './helpers/hypervisor';

/** virtio-balloon on a real Linux guest: setmem, dommemstat, free page reporting. */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
}, 60_000);
afterAll(async () => client?.close());

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000) {
  let v = await read();
  for (const end = Date.now() + ms; !ok(v); v = await read()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(100);
  }
  return v;
}

async function meminfo(s: DomainSession): Promise<Record<string, number>> {
  const out = await s.exec('cat /proc/meminfo');
  const fields: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+):\s+(\d+) kB/gm)) fields[m[1]] = Number(m[2]);
  return fields;
}

describe('virtio-balloon', () => {
  it('inflating by N MiB lowers MemTotal and host frames by about N MiB; deflating restores them', async () => {
    const api = client.api;
    const s = await boot(client, { name: 'b1', memoryMiB: 64, balloon: { statsPeriodS: 1 } });
    await settle(s);
    // Touch 40 MiB and free it again: the guest's free memory is now backed by host frames.
    const hog = await runInBackground(s, 'hog 40M --pattern unique', /hog: (\d+) holds/);
    await s.exec(`kill ${hog[1]}`);
    const total0 = (await meminfo(s)).MemTotal;
    const used0 = (await api.hostInfo()).usedKiB;
    const t0 = performance.now();
    await api.setMemory('b1', 64 * 1024 - 32 * 1024); // balloon 32 MiB
    const info = await until(
      'the balloon to inflate',
      () => api.info('b1'),
      (i) => i.currentMemoryKiB === 32 * 1024,
    );
    const inflateS = (performance.now() - t0) / 1000;
    const total1 = (await meminfo(s)).MemTotal;
    const used1 = (await api.hostInfo()).usedKiB;
    console.log(
      `balloon: inflate 32 MiB in ${inflateS.toFixed(2)} s; MemTotal ${total0} -> ${total1} kB; host used ${used0} -> ${used1} KiB; freed ${info.balloon?.freedFrames} frames`,
    );
    expect(total0 - total1).toBeGreaterThan(32 * 1024 - 512);
    expect(total0 - total1).toBeLessThan(32 * 1024 + 512);
    // The guest gave 32 MiB, nearly all of it touched: the host got about that back.
    expect(used0 - used1).toBeGreaterThan(24 * 1024);
    expect(await s.exec('echo still-here')).toContain('still-here');

    await api.setMemory('b1', 64 * 1024);
    await until(
      'the balloon to deflate',
      () => api.info('b1'),
      (i) => i.currentMemoryKiB === 64 * 1024,
    );
    expect((await meminfo(s)).MemTotal).toBe(total0);
    // Deflated pages come back on touch: the guest can use all of its memory again.
    await runInBackground(s, 'hog 48M --pattern same', /hog: \d+ holds 50331648/);
  }, 120_000);

  it('free page reporting gives the frames of memory the guest freed back to the host', async () => {
    const api = client.api;
    const s = await boot(client, {
      name: 'b3',
      memoryMiB: 64,
      balloon: { freePageReporting: true },
    });
    await settle(s);
    const hog = await runInBackground(s, 'hog 32M --pattern unique', /hog: (\d+) holds/);
    const used0 = (await api.hostInfo()).usedKiB;
    const freed0 = (await api.info('b3')).balloon!.freedFrames;
    await s.exec(`kill ${hog[1]}`);
    // Linux reports free blocks of page_reporting_order about 2 s after they were freed.
    const info = await until(
      'free page reporting',
      () => api.info('b3'),
      (i) => (i.balloon!.freedFrames - freed0) * 4 > 24 * 1024,
    );
    const used1 = (await api.hostInfo()).usedKiB;
    console.log(
      `free page reporting: ${info.balloon?.reportedPages} pages reported; host used ${used0} -> ${used1} KiB`,
    );
    expect(used0 - used1).toBeGreaterThan(24 * 1024);
    expect((await meminfo(s)).MemTotal).toBeGreaterThan(50 * 1024); // not a balloon: the guest keeps its memory
    await runInBackground(s, 'hog 32M --pattern unique --checksum', /hog: checksum/);
  }, 120_000);

  it('with autodeflate (DEFLATE_ON_OOM) the guest takes balloon pages back under memory pressure', async () => {
    const api = client.api;
    for (const autodeflate of [true, false]) {
      const name = autodeflate ? 'ad' : 'nd';
      const s = await boot(client, { name, memoryMiB: 64, balloon: { autodeflate } });
      await settle(s);
      await api.setMemory(name, 24 * 1024);
      await until(
        'inflate',
        () => api.info(name),
        (i) => i.currentMemoryKiB === 24 * 1024,
      );
      const from = s.output.length;
      await s.type('hog 36M --pattern unique &\n');
      const { match } = await s.waitFor(
        /hog: \d+ holds|cannot map|Killed|Out of memory/,
        from,
        60_000,
      );
      if (autodeflate) {
        expect(match[0]).toMatch(/holds/);
        const info = await api.info(name);
        expect(info.balloon!.deflatedPages).toBeGreaterThan(2048);
        expect(info.currentMemoryKiB).toBeGreaterThan(24 * 1024);
      } else {
        // Without it the balloon holds: the guest cannot get 36 MiB.
        expect(match[0]).not.toMatch(/holds/);
        expect((await api.info(name)).currentMemoryKiB).toBe(24 * 1024);
      }
      await api.destroy(name);
    }
  }, 120_000);

  it('dommemstat agrees with the guest /proc/meminfo', async () => {
    const api = client.api;
    const s = await boot(client, { name: 'b2', memoryMiB: 48, balloon: { statsPeriodS: 1 } });
    await settle(s);
    await until(
      'stats',
      () => api.memoryStats('b2'),
      (m) => m.last_update !== undefined,
    );
    // Stats are polled every second; the guest's MemTotal settles after boot.
    let stats = await api.memoryStats('b2');
    let mi = await meminfo(s);
    for (let i = 0; i < 50 && stats.available !== mi.MemTotal; i++) {
      await sleep(200);
      stats = await api.memoryStats('b2');
      mi = await meminfo(s);
    }
    expect(Object.keys(stats)).toEqual(
      expect.arrayContaining(['unused', 'available', 'usable', 'actual', 'rss', 'last_update']),
    );
    expect(stats.available).toBe(mi.MemTotal);
    expect(Math.abs(stats.unused! - mi.MemFree)).toBeLessThan(2048);
    expect(Math.abs(stats.usable! - mi.MemAvailable)).toBeLessThan(2048);
    expect(stats.actual).toBe(48 * 1024);
    // Order as virsh prints them.
    const order = [
      'swap_in',
      'swap_out',
      'major_fault',
      'minor_fault',
      'unused',
      'available',
      'usable',
      'actual',
      'rss',
      'last_update',
      'disk_caches',
      'hugetlb_pgalloc',
      'hugetlb_pgfail',
    ];
    const keys = Object.keys(stats);
    expect(keys).toEqual(order.filter((k) => keys.includes(k)));
  }, 60_000);

  it('rejects bad setmem values and changes nothing', async () => {
    const api = client.api;
    expect(await errorCode(api.setMemory('b2', 0))).toBe('invalid-arg');
    expect(await errorCode(api.setMemory('b2', 49 * 1024))).toBe('invalid-arg');
    expect(await errorCode(api.setMemory('nope', 1024))).toBe('no-domain');
    expect((await api.info('b2')).currentMemoryKiB).toBe(48 * 1024);
    await api.define({ name: 'nb', memoryMiB: 32, vcpus: 1, balloon: false });
    // libvirt accepts a currentMemory below memory without a balloon (the guest gets all of it).
    await api.define({
      name: 'nb2',
      memoryMiB: 32,
      vcpus: 1,
      balloon: false,
      currentMemoryKiB: 1024,
    });
    expect((await api.domainDef('nb2')).currentMemoryKiB).toBe(1024);
    await api.undefine('nb2');
    expect(
      await errorCode(api.define({ name: 'nb3', memoryMiB: 32, vcpus: 1, currentMemoryKiB: 0 })),
    ).toBe('invalid-arg');
  });
});
