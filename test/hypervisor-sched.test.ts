import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { boot, settle, sleep, spinInBackground } from './helpers/hypervisor';

/**
 * The vCPU scheduler's promises, kept for real Linux guests on a host with
 * one pCPU: weights (cpu_shares) divide the CPU, a quota caps it.
 */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
}, 60_000);
afterAll(async () => {
  await client?.close();
});

/** CPU time used by each domain over a window of `ms`, and the window's length. */
async function cpuTimeOver(names: string[], ms: number) {
  const read = () => Promise.all(names.map(async (n) => (await client.api.info(n)).cpuTimeMs));
  const [before, t0] = [await read(), performance.now()];
  await sleep(ms);
  const [after, t1] = [await read(), performance.now()];
  return { used: after.map((a, i) => a - before[i]), wallMs: t1 - t0 };
}

describe('vCPU scheduler on one pCPU', () => {
  it('shares 2048 vs 1024: two spinning 1-vCPU domains get CPU time 2:1 (±10%)', async () => {
    const api = client.api;
    const heavy = await boot(client, { name: 'heavy', shares: 2048 });
    const light = await boot(client, { name: 'light' });
    await api.setSchedParams('light', { shares: 1024 });
    expect((await api.info('heavy')).shares).toBe(2048);
    expect((await api.info('light')).shares).toBe(1024);
    await Promise.all([settle(heavy), settle(light)]);

    await spinInBackground(heavy, 1);
    await spinInBackground(light, 1);
    await sleep(300);
    const { used, wallMs } = await cpuTimeOver(['heavy', 'light'], 3000);
    const ratio = used[0] / used[1];
    expect(ratio, `heavy ${used[0]} ms, light ${used[1]} ms`).toBeGreaterThan(1.8);
    expect(ratio, `heavy ${used[0]} ms, light ${used[1]} ms`).toBeLessThan(2.2);
    // Together they keep the one pCPU busy.
    expect(used[0] + used[1]).toBeGreaterThan(0.8 * wallMs);
    expect(used[0] + used[1]).toBeLessThan(1.05 * wallMs);

    await api.destroy('heavy');
    await api.destroy('light');
  }, 60_000);

  it('quota 25000 µs per 100000 µs caps a spinning vCPU at about 25% (15–35%)', async () => {
    const api = client.api;
    const capped = await boot(client, { name: 'capped' });
    await settle(capped);
    await api.setSchedParams('capped', { quotaUs: 25_000, periodUs: 100_000 });
    const info = await api.info('capped');
    expect([info.quotaUs, info.periodUs]).toEqual([25_000, 100_000]);

    await spinInBackground(capped, 1);
    await sleep(300);
    const { used, wallMs } = await cpuTimeOver(['capped'], 2000);
    const share = used[0] / wallMs;
    expect(share, `${used[0]} ms of ${wallMs} ms`).toBeGreaterThan(0.15);
    expect(share, `${used[0]} ms of ${wallMs} ms`).toBeLessThan(0.35);

    // Lifting the cap gives it the whole pCPU again.
    await api.setSchedParams('capped', { quotaUs: -1 });
    await sleep(200);
    const free = await cpuTimeOver(['capped'], 1000);
    expect(free.used[0] / free.wallMs).toBeGreaterThan(0.7);
    await api.destroy('capped');
  }, 60_000);
});
