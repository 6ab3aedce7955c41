import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, runInBackground, settle, sleep, waitForPrompt } from './helpers/hypervisor';

/** KSM on real guests: three identical Linux VMs, hogs with same/unique pages, COW. */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
}, 60_000);
afterAll(async () => client?.close());

const MiB = (pages: number) => (pages * 4096) / 2 ** 20;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000) {
  let v = await read();
  for (const end = Date.now() + ms; !ok(v); v = await read()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(100);
  }
  return v;
}

/** Sends a signal to a background hog and returns the line it printed. */
async function signal(s: DomainSession, pid: number, sig: string, line: RegExp): Promise<string> {
  await waitForPrompt(s);
  const from = s.output.length;
  await s.type(`kill -${sig} ${pid}\n`);
  const { match } = await s.waitFor(line, from, 30_000);
  const mark = s.output.length;
  await s.type('\n');
  await waitForPrompt(s, mark);
  return match[1];
}

describe('KSM (ksmd worker)', () => {
  it('merges identical guests, merges same-pattern hogs but not unique ones, and COW keeps data apart', async () => {
    const api = client.api;
    const sessions: DomainSession[] = [];
    for (const name of ['k1', 'k2', 'k3'])
      sessions.push(await boot(client, { name, memoryMiB: 48 }));
    const nosh = await boot(client, { name: 'k4', memoryMiB: 32, mergeable: false });
    for (const s of [...sessions, nosh]) await settle(s);
    expect((await api.ksm()).stats.pages_sharing).toBe(0); // run=0 by default, as in Linux

    await api.setKsm({ run: 1, pages_to_scan: 4000, sleep_millisecs: 5 });
    const idle = await until(
      'idle guests to share pages',
      async () => (await api.ksm()).stats,
      (s) => s.full_scans >= 3 && s.pages_sharing > 256,
    );
    console.log(
      `KSM, 3 identical idle 48 MiB guests: pages_shared=${idle.pages_shared} pages_sharing=${idle.pages_sharing} ` +
        `saved ${MiB(idle.pages_sharing).toFixed(1)} MiB, general_profit=${idle.general_profit}`,
    );
    expect((await api.info('k4')).ksm.ksm_merging_pages).toBe(0);
    expect((await api.info('k1')).ksm.ksm_merging_pages).toBeGreaterThan(0);
    // The guests still work on merged pages (every write to one is a COW fault).
    for (const s of sessions) expect(await s.exec('echo alive')).toContain('alive');

    const [a, b, c] = sessions;
    const before = (await api.info('k3')).ksm.ksm_merging_pages;
    const pa = await runInBackground(
      a,
      'hog 8M --pattern same --checksum',
      /hog: checksum ([0-9a-f]{8})/,
    );
    const pb = await runInBackground(
      b,
      'hog 8M --pattern same --checksum',
      /hog: checksum ([0-9a-f]{8})/,
    );
    await runInBackground(c, 'hog 8M --pattern unique', /hog: \d+ holds/);
    expect(pa[1]).toBe(pb[1]);
    const merged = await until(
      'the same-pattern hogs to merge',
      async () => [
        (await api.info('k1')).ksm.ksm_merging_pages,
        (await api.info('k2')).ksm.ksm_merging_pages,
      ],
      ([x, y]) => x > 2048 && y > 2048,
    );
    // The unique hog merges nothing more than the kernel pages it already had.
    const cAfter = (await api.info('k3')).ksm.ksm_merging_pages;
    expect(cAfter - before).toBeLessThan(256);
    console.log(`KSM, hog 8M same in two guests: merging pages ${merged.join(', ')}`);

    // Write to every merged page in a: a's data changes, b's does not.
    const hogPid = async (s: DomainSession) =>
      Number((await s.exec('ps')).match(/^\s*(\d+)\s.*\bhog$/m)?.[1] ?? NaN);
    const pidA = await hogPid(a);
    const pidB = await hogPid(b);
    expect(pidA).toBeGreaterThan(0);
    const cowBefore = [(await api.info('k1')).ksm.cow_ksm, (await api.info('k2')).ksm.cow_ksm];
    await signal(a, pidA, 'USR2', /hog: touched (\d+) pages/);
    // Each write to a merged page was a copy-on-write break, counted for the writer only.
    const cowAfter = [(await api.info('k1')).ksm.cow_ksm, (await api.info('k2')).ksm.cow_ksm];
    expect(cowAfter[0] - cowBefore[0]).toBeGreaterThanOrEqual(2000);
    expect(cowAfter[1] - cowBefore[1]).toBeLessThan(64);
    const sumA = await signal(a, pidA, 'USR1', /hog: checksum ([0-9a-f]{8})/);
    const sumB = await signal(b, pidB, 'USR1', /hog: checksum ([0-9a-f]{8})/);
    expect(sumB).toBe(pb[1]);
    expect(sumA).not.toBe(pa[1]);
    // A second touch flips the words back: a's data equals the original again.
    await signal(a, pidA, 'USR2', /hog: touched (\d+) pages/);
    expect(await signal(a, pidA, 'USR1', /hog: checksum ([0-9a-f]{8})/)).toBe(pa[1]);

    // run=2 unmerges everything; the guests keep their data.
    await api.setKsm({ run: 2 });
    await until(
      'unmerge',
      async () => (await api.ksm()).stats,
      (s) => s.pages_shared === 0 && s.pages_sharing === 0,
    );
    expect(await signal(b, pidB, 'USR1', /hog: checksum ([0-9a-f]{8})/)).toBe(pb[1]);
    for (const s of sessions) expect(await s.exec('echo alive')).toContain('alive');
    await api.setKsm({ run: 0 });
  }, 240_000);

  it('rejects bad knobs and changes nothing', async () => {
    const api = client.api;
    const knobs = (await api.ksm()).knobs;
    await expect(api.setKsm({ run: 5 })).rejects.toThrow(/run/);
    await expect(api.setKsm({ max_page_sharing: 1 })).rejects.toThrow(/max_page_sharing/);
    await expect(api.setKsm({ pages_to_scan: 10, bogus: 1 } as never)).rejects.toThrow(/bogus/);
    expect((await api.ksm()).knobs).toEqual(knobs);
  });
});
