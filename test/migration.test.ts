import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import { V } from '../src/hypervisor/host/sched-state';
import type { VmShared } from '../src/hypervisor/host/vm-shared';
import { MigrationDestination } from '../src/manage/migration/destination';
import { hostDestinationPort, hostSourcePort } from '../src/manage/migration/host-ports';
import { migrationParams, type MigrationParams } from '../src/manage/migration/params';
import { MigrationSource } from '../src/manage/migration/source';
import { transportPair, type MigrationTransport } from '../src/manage/migration/transport';
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

/** Shared memory somewhere in a message: it could not go to another tab (agent cluster). */
function sharedIn(value: unknown, path = 'message'): string | undefined {
  if (value instanceof SharedArrayBuffer) return path;
  if (ArrayBuffer.isView(value)) return sharedIn(value.buffer, path);
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const found = sharedIn(v, `${path}.${k}`);
      if (found) return found;
    }
  return undefined;
}

/** The source's end, refusing what a BroadcastChannel to another tab could not carry. */
function acrossTabs(transport: MigrationTransport): MigrationTransport {
  return {
    ...transport,
    send(message) {
      const shared = sharedIn(message);
      if (shared) throw new Error(`${shared} is shared memory: it cannot reach another tab`);
      transport.send(message);
    },
  };
}

function migrate(vm: number, name: string, given: Partial<MigrationParams> = {}) {
  const [sourceEnd, fromA] = transportPair();
  const toB = acrossTabs(sourceEnd);
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
    // Pre-copy stopped because the rest fitted the max downtime (300 ms) at the bandwidth it
    // measured, not by the iteration fallback; the downtime itself is the benchmark's to report
    // (a loaded machine stretches it).
    expect(info.iteration).toBeLessThan(30);
    expect(info.expectedDowntimeMs).toBeLessThanOrEqual(300);
    expect(info.downtimeMs).toBeGreaterThan(0);
    expect(() => a.host.shared(vm)).toThrow(); // the source's copy is gone
    const there = moved().vm;
    await b.waitFor(there, /tick \d+\r?\n[^]*tick \d+\r?\n[^]*tick \d+\r?\n/);

    // Every tick once, in order, across both consoles: nothing lost, nothing repeated. The
    // stream is one: a line may start on the source and end on the destination.
    const seen = ticks(a.output(vm).slice(from) + b.output(there));
    expect(seen.length).toBeGreaterThan(12);
    const join = `${JSON.stringify(a.output(vm).slice(from).slice(-30))} then ${JSON.stringify(b.output(there).slice(0, 30))}`;
    expect(seen, join).toEqual(seen.map((_, k) => seen[0] + k));

    // The console follows: the shell answers on the destination.
    const out = await b.run(there, 'kill %1; echo "moved $((6*7))"');
    expect(out).toMatch(/moved 42/);
    await b.host.destroyVm(there);
  }, 180_000);

  it('under a guest re-dirtying 8 MiB faster than the link: auto-converge throttles, then the documented fallback', async () => {
    const vm = (await a.boot('dirtier', MIB)).vm;
    await a.run(vm, 'true');
    const from = a.output(vm).length;
    a.type(vm, 'stress --vm 1 --vm-bytes 8M --vm-keep &\n');
    await a.waitFor(vm, /vm worker \d+: \d+ bytes/, from, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // it is re-dirtying now

    // 8 MiB/s cannot keep up: stress rewrites one word of each of its 2048 pages in a few
    // ms of CPU, so even at 99 % throttle every round dirties them all again. Auto-converge
    // steps up (20 %, +10 % every two rounds over the threshold), and after maxIterations
    // the job stops the guest and copies the rest (ARCHITECTURE.md, "Live migration").
    const slot = a.host.shared(vm).vcpuSlots[0];
    const quotas = new Set<number>();
    const { source, destination, moved } = migrate(vm, 'dirtier', {
      bandwidthMiBs: 8,
      maxDowntimeMs: 300,
      autoConverge: true,
      maxIterations: 8,
    });
    const timer = setInterval(() => quotas.add(a.host.sched.vcpu(slot)[V.QUOTA_US]), 50);
    const info = await source.run().finally(() => clearInterval(timer));
    await destination.done;
    console.log(
      `under stress: ${info.iteration} rounds, throttle ${info.autoConvergeThrottle} %, expected downtime ${Math.round(info.expectedDowntimeMs)} ms, downtime ${info.downtimeMs?.toFixed(1)} ms, dirty rate ${Math.round(info.dirtyRate)} pages/s, vCPU quotas seen ${[...quotas].join(', ')} µs`,
    );
    expect(info.type).toBe('completed');
    expect(info.autoConvergeThrottle).toBeGreaterThanOrEqual(30);
    expect(quotas).toContain(80_000); // 20 % of the 100 ms period taken away
    expect(quotas).toContain(70_000);
    const converged = info.expectedDowntimeMs <= 300;
    expect(converged || info.iteration === 8).toBe(true);
    // The guest goes on there, stress included, with the domain's own tuning (no throttle).
    const there = moved().vm;
    expect(await b.run(there, 'ps')).toMatch(/stress/);
    expect(b.host.sched.vcpu(b.host.shared(there).vcpuSlots[0])[V.QUOTA_US]).toBe(-1);
    await b.host.destroyVm(there);
  }, 240_000);

  it('domjobabort mid-copy: the destination discards, the source runs on with dirty logging off', async () => {
    const vm = (await a.boot('stayer', MIB)).vm;
    await a.run(vm, 'true');
    const reservedThere = b.host.reservedFrames;
    const freeThere = b.host.frames.freeFrames;
    const { source, destination } = migrate(vm, 'stayer', { bandwidthMiBs: 2 });
    const run = source.run();
    await new Promise((resolve) => setTimeout(resolve, 500));
    source.abort();
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    await expect(destination.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(source.info.memProcessed).toBeGreaterThan(0);
    expect(source.info.memProcessed).toBeLessThan(MIB << 20);
    expect(b.host.reservedFrames).toBe(reservedThere); // no VM was built there
    expect(b.host.frames.freeFrames).toBe(freeThere); // and the pages it received are freed
    expect(() => a.host.collectDirtyLog(vm)).toThrow(/logging is off/);
    expect(await a.run(vm, 'echo "still $((40+2))"')).toMatch(/still 42/);
    await a.host.destroyVm(vm);
  }, 120_000);
});
