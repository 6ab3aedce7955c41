import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { boot, expectMemoryAccounted, runInBackground, settle } from './helpers/hypervisor';

/**
 * A small host (40 MiB for guest RAM, plus 18 MiB for each VM's own workers:
 * VM_OVERHEAD_MIB) whose guests (32 MiB each) together ask for more than it has.
 */
let client: ControlClient;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 40 + 2 * VM_OVERHEAD_MIB });
}, 60_000);
afterAll(async () => client?.close());

describe('memory overcommit', () => {
  it('a guest the host cannot back pauses, loses nothing, and goes on once memory is free', async () => {
    const api = client.api;
    const a = await boot(client, { name: 'a' });
    await settle(a);
    const b = await boot(client, { name: 'b' });
    const events: string[] = [];
    await client.on((e) => {
      if (e.kind === 'lifecycle') events.push(`${e.state}/${e.reason}`);
    }, 'b');
    const resumeB = async () => {
      try {
        await api.resume('b');
      } catch (error) {
        throw new Error(`${(error as Error).message}; events of b: ${events.join(', ')}`);
      }
    };
    const pausedForMemory = async () => {
      for (const end = Date.now() + 60_000; Date.now() < end;) {
        const { state, reason } = await api.info('b');
        if (state === 'paused' && reason === 'out of memory') return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`b did not pause for memory; events of b: ${events.join(', ')}`);
    };
    await settle(b);
    // Two 32 MiB guests on a 40 MiB host: fine while they touch little.
    await expectMemoryAccounted(client);

    await runInBackground(a, 'hog 20M --pattern unique', /hog: \d+ holds 20971520 bytes/);
    const before = b.output.length;
    await b.type('hog 16M --pattern unique &\n');
    await pausedForMemory();
    const info = await api.info('b');
    expect([info.state, info.reason]).toEqual(['paused', 'out of memory']);
    expect(info.detail).toMatch(/no free memory/);
    expect((await api.hostInfo()).freeMiB).toBe(0);
    // (Any guest that now touches new memory pauses the same way: the host has none left.)

    // Resuming without memory pauses again; freeing memory lets it finish.
    await resumeB();
    // The control API's own view (events may still be on their way to this thread).
    await pausedForMemory();
    await api.destroy('a');
    await resumeB();
    await b.waitFor(/hog: \d+ holds 16777216 bytes/, before, 60_000);
    expect((await api.info('b')).state).toBe('running');
    await b.type('\n');
    expect(await b.exec('echo b survived')).toBe('b survived\n');
    expect((await api.info('b')).rssKiB).toBeGreaterThan(16 * 1024);
    await expectMemoryAccounted(client);
    await api.destroy('b');
    expect((await api.hostInfo()).usedKiB).toBe(0);
  }, 120_000);
});

describe('memory overcommit with the automatic balloon policy', () => {
  it('takes back the memory an idle guest freed, so a busy one gets what it needs', async () => {
    const host = await startControl({
      pcpus: 1,
      ramMiB: 96 + 2 * VM_OVERHEAD_MIB,
      balloonPolicy: true,
    });
    try {
      const api = host.api;
      expect((await api.hostInfo()).balloonPolicy).toBe(true);
      // a touches 48 MiB and frees it: its free memory is backed by host frames.
      const a = await boot(host, { name: 'a', memoryMiB: 64, balloon: { autodeflate: true } });
      await settle(a);
      const hogA = await runInBackground(a, 'hog 48M --pattern unique', /hog: (\d+) holds/);
      await a.exec(`kill ${hogA[1]}`);
      const b = await boot(host, { name: 'b', memoryMiB: 64, balloon: { autodeflate: true } });
      await settle(b);
      // b wants 40 MiB: more than the host has free unless the policy reclaims a's.
      const from = b.output.length;
      await b.type('hog 40M --pattern unique &\n');
      await b.waitFor(/hog: \d+ holds 41943040 bytes/, from, 90_000);
      const infoA = await api.info('a');
      expect(infoA.balloon!.freedFrames).toBeGreaterThan(0);
      expect(infoA.currentMemoryKiB).toBeLessThan(64 * 1024);
      // If b paused for memory on the way, the policy resumed it.
      expect((await api.info('b')).state).toBe('running');
      console.log(
        `balloon policy: a's balloon took ${(64 * 1024 - infoA.currentMemoryKiB) / 1024} MiB, freed ${infoA.balloon!.freedFrames} frames`,
      );
    } finally {
      await host.close();
    }
  }, 180_000);
});
