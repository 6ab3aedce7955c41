import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, runInBackground, settle, sleep, waitForPrompt } from './helpers/hypervisor';

/**
 * Issue [memory] point 2: guest writes, balloon inflate/deflate and KSM
 * merging run at once across VMs (vCPUs on two pCPU threads, a VMM thread
 * per VM, ksmd on its own); every guest's data must stay its own. Each guest
 * holds a unique-content hog (its pid and seed in every page) and a
 * same-content hog (identical across guests, so ksmd merges them and every
 * write is a COW fault); their checksums, computed inside the guests, must
 * not change.
 */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 2, ramMiB: 320 + 3 * VM_OVERHEAD_MIB });
}, 60_000);
afterAll(async () => client?.close());

const CHECKSUM = /hog: checksum ([0-9a-f]{8})/;

async function signal(s: DomainSession, pid: number, sig: string, line: RegExp): Promise<string> {
  await waitForPrompt(s);
  const from = s.output.length;
  await s.type(`kill -${sig} ${pid}\n`);
  const { match } = await s.waitFor(line, from, 60_000);
  const mark = s.output.length;
  await s.type('\n');
  await waitForPrompt(s, mark);
  return match[1];
}

async function hog(s: DomainSession, args: string) {
  const from = s.output.length;
  const sum = await runInBackground(s, `hog ${args} --checksum`, CHECKSUM);
  const pid = Number(s.output.slice(from).match(/hog: (\d+) holds/)?.[1]);
  expect(pid).toBeGreaterThan(0);
  return { pid, sum: sum[1] };
}

describe('memory under concurrent writes, ballooning and merging', () => {
  it('no guest ever sees another guest’s data', async () => {
    const api = client.api;
    const names = ['s1', 's2', 's3'];
    const sessions: DomainSession[] = [];
    for (const name of names) {
      sessions.push(
        await boot(client, {
          name,
          memoryMiB: 48,
          balloon: { freePageReporting: true, statsPeriodS: 1 },
        }),
      );
    }
    for (const s of sessions) await settle(s);
    await api.setKsm({ run: 1, pages_to_scan: 2000, sleep_millisecs: 0, use_zero_pages: 1 });
    const unique: { pid: number; sum: string }[] = [];
    const same: { pid: number; sum: string }[] = [];
    for (const s of sessions) {
      unique.push(await hog(s, '6M --pattern unique'));
      same.push(await hog(s, '6M --pattern same'));
    }
    expect(new Set(same.map((h) => h.sum)).size).toBe(1);
    expect(new Set(unique.map((h) => h.sum)).size).toBe(3);

    // Ten rounds: every guest's balloon goes up and down while its same-hog writes
    // every page twice (each write to a merged page is a COW fault) and ksmd keeps merging.
    const ballooning = (async () => {
      for (let round = 0; round < 10; round++) {
        for (const name of names) await api.setMemory(name, (round % 2 ? 48 : 36) * 1024);
        await sleep(300);
      }
      for (const name of names) await api.setMemory(name, 48 * 1024);
    })();
    const writing = Promise.all(
      sessions.map(async (s, i) => {
        for (let round = 0; round < 4; round++) {
          await signal(s, same[i].pid, 'USR2', /hog: touched (\d+) pages/);
          await signal(s, same[i].pid, 'USR2', /hog: touched (\d+) pages/);
          // The guest's shell still answers (not exec(): the hog's output may follow a prompt).
          const mark = s.output.length;
          await s.type(`echo alive-${i}-${round}\n`);
          await s.waitFor(new RegExp(`\nalive-${i}-${round}\r?\n`), mark, 60_000);
        }
      }),
    );
    await Promise.all([ballooning, writing]);
    const stats = (await api.ksm()).stats;
    const inflated: number[] = [];
    for (const name of names) inflated.push((await api.info(name)).balloon!.inflatedPages);
    console.log(
      `stress: KSM merges=${stats.merges} pages_sharing=${stats.pages_sharing} zero=${stats.ksm_zero_pages}; ` +
        `balloon pages inflated per guest: ${inflated.join(', ')}`,
    );
    expect(stats.merges).toBeGreaterThan(0);

    for (let i = 0; i < sessions.length; i++) {
      expect(await signal(sessions[i], unique[i].pid, 'USR1', CHECKSUM)).toBe(unique[i].sum);
      expect(await signal(sessions[i], same[i].pid, 'USR1', CHECKSUM)).toBe(same[i].sum);
      const info = await api.info(names[i]);
      expect(info.balloon!.inflatedPages).toBeGreaterThan(0);
    }

    // Nothing leaks: with every guest gone and KSM unmerged, the host is empty again.
    await api.setKsm({ run: 2 });
    for (const name of names) await api.destroy(name);
    for (let i = 0; i < 100 && (await api.hostInfo()).usedKiB > 0; i++) await sleep(50);
    expect((await api.hostInfo()).usedKiB).toBe(0);
    await api.setKsm({ run: 0 });
  }, 300_000);
});
