import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import type { VmShared } from '../src/hypervisor/host/vm-shared';
import { MigrationDestination } from '../src/manage/migration/destination';
import { hostDestinationPort, hostSourcePort } from '../src/manage/migration/host-ports';
import { migrationParams, type MigrationParams } from '../src/manage/migration/params';
import { MigrationSource } from '../src/manage/migration/source';
import { transportPair } from '../src/manage/migration/transport';
import { RawHost } from './helpers/raw-host';

/**
 * Live migration of real Linux guests between two hosts in one process
 * (issue 17 part 5): each host has its own RAM, pCPU workers and VMMs; the
 * stream goes through a MessageChannel, as between two hosts in one page.
 */
const MIB = 32;
let a: RawHost;
let b: RawHost;

beforeAll(async () => {
  [a, b] = await Promise.all([
    RawHost.create(2 * MIB + VM_OVERHEAD_MIB * 2),
    RawHost.create(2 * MIB + VM_OVERHEAD_MIB * 2),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.host.shutdown(), b?.host.shutdown()]);
});

function migrate(vm: number, name: string, given: Partial<MigrationParams> = {}) {
  const [toB, fromA] = transportPair();
  let moved: VmShared | undefined;
  const destination = new MigrationDestination(
    hostDestinationPort(b.host, name, (s) => (moved = s)),
    fromA,
  );
  const source = new MigrationSource(
    hostSourcePort(a.host, vm, (MIB << 20) / 4096, { vcpus: 1, quotaUs: -1, periodUs: 100_000 }),
    toB,
    migrationParams(given),
    { name, domainXml: `<domain><name>${name}</name></domain>`, memoryMiB: MIB },
  );
  return { source, destination, moved: () => moved! };
}

const ticks = (text: string) => [...text.matchAll(/tick (\d+)\r?\n/g)].map((m) => Number(m[1]));

describe('live migration between two hosts in one process', () => {
  it('a counting process keeps counting across the move, and the console follows the guest', async () => {
    const vm = (await a.boot('mover', MIB)).vm;
    await a.run(vm, 'true');
    const from = a.output(vm).length;
    a.type(vm, 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.1; done &\n');
    await a.waitFor(vm, /tick 10\r?\n/, from);

    const { source, destination, moved } = migrate(vm, 'mover');
    const info = await source.run();
    await destination.done;
    console.log(
      `migrated ${MIB} MiB: ${info.iteration} rounds, ${Math.round(info.timeElapsedMs)} ms, downtime ${info.downtimeMs?.toFixed(1)} ms, ${info.normalPages} normal + ${info.constantPages} zero pages`,
    );
    expect(info.type).toBe('completed');
    expect(info.downtimeMs).toBeLessThan(300);
    expect(() => a.host.shared(vm)).toThrow(); // the source's copy is gone
    const there = moved().vm;
    await b.waitFor(there, /tick \d+\r?\n[^]*tick \d+\r?\n[^]*tick \d+\r?\n/);

    // Every tick once, in order, across both consoles: nothing lost, nothing repeated.
    const seen = [...ticks(a.output(vm).slice(from)), ...ticks(b.output(there))];
    expect(seen.length).toBeGreaterThan(12);
    expect(seen).toEqual(seen.map((_, k) => seen[0] + k));

    // The console follows: the shell answers on the destination.
    const out = await b.run(there, 'kill %1; echo "moved $((6*7))"');
    expect(out).toMatch(/moved 42/);
    await b.host.destroyVm(there);
  }, 180_000);
});
