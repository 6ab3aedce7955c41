import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLICE_END, SchedState, VF } from '../src/hypervisor/host/sched-state';
import { TraceRing, isSlice, type SliceRecord } from '../src/hypervisor/host/trace-ring';
import type { DomainSummary } from '../src/manage/control-api';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { DomainSession } from '../tools/lib/domain-session';
import {
  boot,
  errorCode,
  hostNow,
  processCpuMs,
  settle,
  sleep,
  TEST_BOOTARGS,
  expectMemoryAccounted,
  spinInBackground,
  step,
  waitForPrompt,
} from './helpers/hypervisor';

const manyNames = Array.from({ length: 8 }, (_, i) => `many-${i}`);

/**
 * The hypervisor through its control API, with real Linux guests: SMP,
 * pinning, isolation of a panicking guest, many VMs at once, idle hosts,
 * typed errors, and the lifecycle actions. One host (2 pCPUs, 512 MiB)
 * serves every test of this file.
 */
const PCPUS = 2;
const RAM_MIB = 512;
let client: ControlClient;
let hostStarted: number;

beforeAll(async () => {
  hostStarted = hostNow();
  client = await startControl({ pcpus: PCPUS, ramMiB: RAM_MIB });
}, 60_000);
afterAll(async () => {
  await client?.close();
});

/** Domains that stay up for several tests, idle at their prompt. */
let bystander: DomainSession;
let quiet: DomainSession;

/**
 * Console-order problems in a guest's boot log: kernel log lines whose
 * timestamp goes back (beyond a little SMP jitter), and timestamps in the
 * middle of a line (bytes of two lines interleaved). Lines printed twice
 * (on the boot console and again on ttyS0 at the handover) count once.
 */
function consoleOrderProblems(output: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  let last = 0;
  let lastLine = '';
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const stamp = line.match(/\[\s*(\d+\.\d{6})\]/);
    if (!stamp) continue;
    if (stamp.index !== 0) {
      problems.push(`interleaved: ${JSON.stringify(line)}`);
      continue;
    }
    if (seen.has(line)) continue;
    seen.add(line);
    const t = Number(stamp[1]);
    if (t < last - 0.005)
      problems.push(`${JSON.stringify(line)} after ${JSON.stringify(lastLine)}`);
    if (t >= last) [last, lastLine] = [t, line];
  }
  return problems;
}

describe('hypervisor with real Linux guests', () => {
  it('boots a 4-vCPU guest on 2 pCPUs: nproc is 4, /proc/cpuinfo lists 4 processors', async () => {
    const api = client.api;
    let smp: DomainSession;
    [smp, bystander, quiet] = await Promise.all([
      boot(client, { name: 'smp', vcpus: 4 }),
      boot(client, { name: 'bystander' }),
      boot(client, { name: 'quiet' }),
    ]);
    await Promise.all([settle(smp), settle(bystander), settle(quiet)]);
    expect(await smp.exec('nproc')).toBe('4\n');
    const cpuinfo = await smp.exec('cat /proc/cpuinfo');
    expect(cpuinfo.match(/^processor\s*:/gm)).toHaveLength(4);
    expect(cpuinfo.match(/^hart\s*: \d/gm)).toHaveLength(4);
    const vcpus = await api.vcpuInfo('smp');
    expect(vcpus).toHaveLength(4);
    for (const v of vcpus) {
      expect(v.cpuTimeMs, `vCPU ${v.vcpu} ran`).toBeGreaterThan(0);
      expect(v.pcpu).toBeGreaterThanOrEqual(0);
      expect(v.pcpu).toBeLessThan(PCPUS);
      expect(v.affinity).toBe('0-1');
    }
    const info = await api.info('smp');
    expect([info.vcpus, info.state, info.reason]).toEqual([4, 'running', 'booted']);
    expect(info.vcpuSlots).toHaveLength(4);
    await api.destroy('smp');
    await api.undefine('smp');
  }, 60_000);

  it('pins both vCPUs of a domain to pCPU 1: every slice after the pin runs there', async () => {
    const api = client.api;
    const ring = new TraceRing((await api.telemetry()).trace);
    const pinned = await step('boot', boot(client, { name: 'pinned', vcpus: 2 }));
    await step('settle', settle(pinned), pinned);
    const slots = (await api.info('pinned')).vcpuSlots!;
    expect(slots).toHaveLength(2);

    // --live --config: the running vCPUs and the definition (kept once it is shut off).
    await api.pinVcpu('pinned', 0, '1', { live: true, config: true });
    await api.pinVcpu('pinned', 1, '1', { live: true, config: true });
    const pinnedAt = hostNow();
    const fromSeq = ring.written;
    expect((await api.vcpuInfo('pinned')).map((v) => v.affinity)).toEqual(['1', '1']);

    const pid = await step('spin', spinInBackground(pinned, 2), pinned);
    await sleep(1500);
    const all = ring.read(fromSeq).filter((r) => slots.includes(r.vcpu) && r.start >= pinnedAt);
    const records: SliceRecord[] = all.filter(isSlice);
    // Console echo of the typed command exits to the VMM: each exit span lies
    // inside the next slice record of its vCPU, on the same pCPU.
    const spans = all.filter((r) => !isSlice(r));
    expect(spans.length, 'exit spans').toBeGreaterThan(0);
    for (const span of spans) {
      const slice = all.find((r) => r.seq > span.seq && r.vcpu === span.vcpu && isSlice(r));
      expect(slice, `slice after exit span ${span.seq}`).toBeDefined();
      expect(slice!.pcpu).toBe(span.pcpu);
      expect(span.start).toBeGreaterThanOrEqual(slice!.start);
      expect(span.end).toBeLessThanOrEqual(slice!.end);
    }
    // Not overwritten meanwhile (the ring keeps the last 8192 slices).
    expect(ring.written - fromSeq).toBeLessThan(ring.capacity);
    for (const slot of slots) {
      const mine = records.filter((r) => r.vcpu === slot);
      expect(mine.length, `slices of slot ${slot}`).toBeGreaterThan(20);
      expect(mine.filter((r) => r.why === SLICE_END.PREEMPTED).length).toBeGreaterThan(5);
      expect(mine.some((r) => r.instructions > 0)).toBe(true);
    }
    const elsewhere = records.filter((r) => r.pcpu !== 1);
    expect(elsewhere, 'slices of pinned vCPUs on another pCPU').toEqual([]);
    // Both spinning vCPUs share pCPU 1, so together they get about one pCPU, not two.
    const ran = records.reduce((sum, r) => sum + (r.end - r.start), 0);
    expect(ran).toBeLessThan(1.15 * (hostNow() - pinnedAt));

    for (const v of await api.vcpuInfo('pinned')) {
      expect(v.affinity).toBe('1');
      expect(v.pcpu).toBe(1);
    }
    // The page's live MIPS count what the vCPUs retired, slice by slice (VF.INSTRUCTIONS):
    // all of the guest's instret but the slices still running.
    const sched = new SchedState((await api.telemetry()).sched);
    const counted = slots.reduce((sum, slot) => sum + sched.vcpuF(slot)[VF.INSTRUCTIONS], 0);
    const retired = (await api.info('pinned')).instructions;
    expect(counted).toBeGreaterThan(0.95 * retired);
    expect(counted).toBeLessThanOrEqual(retired);
    // pCPU 0 still serves the other domains.
    expect(await step('bystander', bystander.exec('echo bystander runs'), bystander)).toBe(
      'bystander runs\n',
    );
    await step('kill', pinned.exec(`kill ${pid}`), pinned);
    await step('destroy', api.destroy('pinned'));
    // The pins are part of the definition: kept while shut off.
    expect((await api.vcpuInfo('pinned')).map((v) => v.affinity)).toEqual(['1', '1']);
    await api.undefine('pinned');
  }, 60_000);

  it('an idle host is idle: guests at the prompt use almost no CPU', async () => {
    const api = client.api;
    const running = (await api.list()).filter((d) => d.state === 'running').map((d) => d.name);
    expect(running.sort()).toEqual(['bystander', 'quiet']);
    const ring = new TraceRing((await api.telemetry()).trace);
    await sleep(300);
    const h0 = await api.hostInfo();
    const c0 = processCpuMs();
    const s0 = ring.written;
    const t0 = performance.now();
    await sleep(2000);
    const h1 = await api.hostInfo();
    const c1 = processCpuMs();
    const wallMs = performance.now() - t0;
    const slices = ring.read(s0);

    const busy = h1.pcpuTimes.map((p, i) => p.busyMs - h0.pcpuTimes[i].busyMs);
    const idle = h1.pcpuTimes.map((p, i) => p.idleMs - h0.pcpuTimes[i].idleMs);
    for (let p = 0; p < PCPUS; p++) {
      expect(busy[p], `pCPU ${p} busy ms over ${wallMs} ms`).toBeLessThan(0.1 * wallMs);
      expect(idle[p], `pCPU ${p} idle ms over ${wallMs} ms`).toBeGreaterThan(0.7 * wallMs);
    }
    expect(c1 - c0, 'CPU time of this process (all threads) over the window').toBeLessThan(
      0.2 * wallMs,
    );
    // An idle guest's vCPU wakes for its timer tick (CONFIG_HZ=100) and little else.
    expect(slices.length / 2, 'slices per idle vCPU per second').toBeLessThan(
      (200 * wallMs) / 1000,
    );
  }, 30_000);

  it("pCPU busy and idle times add up to no more than the host's uptime", async () => {
    const { pcpuTimes } = await client.api.hostInfo();
    const uptime = hostNow() - hostStarted;
    for (const [p, t] of pcpuTimes.entries()) {
      expect(t.busyMs, `pCPU ${p} busy`).toBeGreaterThan(0);
      expect(t.idleMs, `pCPU ${p} idle`).toBeGreaterThan(0);
      expect(t.busyMs + t.idleMs, `pCPU ${p} busy + idle, uptime ${uptime} ms`).toBeLessThan(
        uptime + 250,
      );
    }
  });

  it('a panicking guest crashes its own domain only; the others keep running', async () => {
    const api = client.api;
    const events: string[] = [];
    const id = await client.on((e) => {
      if (e.kind === 'lifecycle' && e.domain === 'panicky') events.push(`${e.state}/${e.reason}`);
    });
    const panicky = await boot(client, {
      name: 'panicky',
      bootargs: 'console=ttyS0 rdinit=/does-not-exist root=/dev/none',
    });
    // on_crash defaults to destroy, as in libvirt: shut off, reason crashed.
    await panicky.waitForState(
      (state, reason) => state === 'shut off' && reason === 'crashed',
      60_000,
    );
    expect(panicky.output).toContain('Kernel panic');
    const info = await api.info('panicky');
    expect([info.state, info.reason, info.id]).toEqual(['shut off', 'crashed', null]);
    expect(events).toEqual(['shut off/defined', 'running/booted', 'shut off/crashed']);
    await api.unsubscribe(id);

    expect(await bystander.exec('echo still here')).toBe('still here\n');
    expect((await api.info('bystander')).state).toBe('running');
    // A crashed domain gave its memory back and may be undefined.
    await expectMemoryAccounted(client);
    await api.undefine('panicky');
  }, 60_000);

  it('8 VMs started at once all boot to the shell', async () => {
    const api = client.api;
    const sessions = await Promise.all(manyNames.map((n) => DomainSession.attach(client, n)));
    for (const n of manyNames)
      await api.define({ name: n, memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS });
    await Promise.all(manyNames.map((n) => api.start(n)));
    await Promise.all(sessions.map((s) => s.waitForState((state) => state === 'running')));
    await Promise.all(sessions.map((s) => settle(s, 0, 60_000)));
    const outputs = await Promise.all(sessions.map((s, i) => s.exec(`echo ok-${i}`)));
    expect(outputs).toEqual(manyNames.map((_, i) => `ok-${i}\n`));
    for (const n of manyNames) expect((await api.info(n)).state).toBe('running');
    await expectMemoryAccounted(client);
    for (const n of manyNames) await api.destroy(n);
    await expectMemoryAccounted(client);
  }, 90_000);

  it("a guest's console output arrives in the order the guest wrote it", async () => {
    const names = ['order-0', 'order-1', 'order-2'];
    // The default command line: early boot log on the SBI console (from the pCPU
    // workers), the rest on the UART (from the VMM worker).
    const bootargs = 'console=ttyS0 earlycon=sbi';
    const sessions = await Promise.all(
      names.map((name) => boot(client, { name, vcpus: 2, bootargs })),
    );
    await Promise.all(sessions.map((s) => settle(s)));
    for (const name of names) await client.api.destroy(name);
    const problems = sessions.flatMap((s) =>
      consoleOrderProblems(s.output).map((p) => `${s.name}: ${p}`),
    );
    expect(problems.slice(0, 4), `${problems.length} lines out of order`).toEqual([]);
  }, 60_000);

  it('console output reaches subscribers in chunks, not one event per byte', async () => {
    let events = 0;
    let bytes = 0;
    const id = await client.on((e) => {
      if (e.kind === 'console' && e.domain === 'chatty') {
        events++;
        bytes += e.bytes.length;
      }
    });
    const chatty = await boot(client, { name: 'chatty' });
    await settle(chatty);
    await client.api.unsubscribe(id);
    await client.api.destroy('chatty');
    await client.api.undefine('chatty');
    expect(bytes).toBeGreaterThan(4000); // the boot log
    expect(events, `${events} console events for ${bytes} bytes`).toBeLessThan(bytes / 4);
  }, 60_000);

  it('guest RAM is backed on first touch: an idle 64 MiB guest costs far less, a hog adds its size', async () => {
    const api = client.api;
    const touch = await boot(client, { name: 'touch', memoryMiB: 64 });
    await settle(touch);
    const idle = (await api.info('touch')).rssKiB;
    expect(idle).toBeLessThan(24 * 1024);
    expect(idle).toBeGreaterThan(2 * 1024); // the kernel itself is resident
    await touch.exec('hog 16M --pattern unique &');
    await touch.waitFor(/hog: \d+ holds/, 0, 30_000);
    const hogging = (await api.info('touch')).rssKiB;
    expect(hogging - idle).toBeGreaterThanOrEqual(15 * 1024); // the guest may reuse a few pages it had touched
    expect(hogging - idle).toBeLessThan(20 * 1024);
    await expectMemoryAccounted(client);
    const used = (await api.hostInfo()).usedKiB;
    await api.destroy('touch');
    // Its frames went back to the host.
    expect((await api.hostInfo()).usedKiB).toBeLessThanOrEqual(used - hogging);
    await api.undefine('touch');
  }, 60_000);

  it('bad input gets a typed error and changes nothing', async () => {
    const api = client.api;
    await api.define({ name: 'idle', memoryMiB: 32, vcpus: 1 });
    const before: DomainSummary[] = await api.list();
    const unchanged = async () => {
      expect(await api.list()).toEqual(before);
      await expectMemoryAccounted(client);
    };

    expect(await errorCode(api.define({ name: 'zero', memoryMiB: 32, vcpus: 0 }))).toBe(
      'invalid-arg',
    );
    await unchanged();
    // Nine vCPUs is a valid definition; this machine's limit (8) is checked at start.
    await api.define({ name: 'nine', memoryMiB: 32, vcpus: 9 });
    expect(await errorCode(api.start('nine'))).toBe('config-unsupported');
    await api.undefine('nine');
    await unchanged();
    expect(await errorCode(api.define({ name: 'bad name!', memoryMiB: 32, vcpus: 1 }))).toBe(
      'invalid-arg',
    );
    expect(await errorCode(api.define({ name: 'idle', memoryMiB: 32, vcpus: 1 }))).toBe(
      'domain-exists',
    );
    expect(
      await errorCode(api.define({ name: 'weight', memoryMiB: 32, vcpus: 1, shares: 1 })),
    ).toBe('invalid-arg');
    await unchanged();

    expect(await errorCode(api.pinVcpu('bystander', 0, '5'))).toBe('invalid-arg');
    expect(await errorCode(api.pinVcpu('bystander', 1, '0'))).toBe('invalid-arg');
    expect(await errorCode(api.pinVcpu('bystander', 0, 'x'))).toBe('invalid-arg');
    expect((await api.vcpuInfo('bystander')).map((v) => v.affinity)).toEqual(['0-1']);
    expect(await errorCode(api.setSchedParams('bystander', { periodUs: 10 }))).toBe('invalid-arg');
    expect((await api.info('bystander')).periodUs).toBe(100_000);
    await unchanged();

    // More memory than the host has: it can be defined, but not started.
    await api.define({ name: 'huge', memoryMiB: 1024, vcpus: 1 });
    const withHuge = await api.list();
    expect(await errorCode(api.start('huge'))).toBe('no-resources');
    expect(await api.list()).toEqual(withHuge);
    expect((await api.info('huge')).state).toBe('shut off');
    await expectMemoryAccounted(client);
    await api.undefine('huge');
    await unchanged();

    expect(await errorCode(api.start('bystander'))).toBe('operation-invalid');
    expect(await errorCode(api.suspend('idle'))).toBe('operation-invalid');
    expect(await errorCode(api.resume('bystander'))).toBe('operation-invalid');
    expect(await errorCode(api.destroy('idle'))).toBe('operation-invalid');
    expect(await errorCode(api.reset('idle'))).toBe('operation-invalid');
    expect(await errorCode(api.shutdown('idle'))).toBe('operation-invalid');
    expect(await errorCode(api.consoleWrite('idle', 'x'))).toBe('operation-invalid');
    await unchanged();
    // Undefining a running domain makes it transient (libvirt); defining it again (with its
    // uuid, as dumpxml gives it) makes it persistent.
    await api.undefine('bystander');
    const transient = (await api.list()).find((d) => d.name === 'bystander');
    expect(transient?.persistent).toBe(false);
    await api.define({
      name: 'bystander',
      memoryMiB: 32,
      vcpus: 1,
      bootargs: TEST_BOOTARGS,
      uuid: transient!.uuid,
    });
    expect((await api.list()).find((d) => d.name === 'bystander')?.persistent).toBe(true);

    for (const action of [
      api.info('nope'),
      api.start('nope'),
      api.suspend('nope'),
      api.destroy('nope'),
      api.vcpuInfo('nope'),
      api.pinVcpu('nope', 0, '0'),
      api.setSchedParams('nope', { shares: 512 }),
      api.undefine('nope'),
    ]) {
      expect(await errorCode(action)).toBe('no-domain');
    }
    await unchanged();
    expect(await bystander.exec('echo unharmed')).toBe('unharmed\n');
    await api.undefine('idle');
  }, 60_000);

  it('lifecycle: suspend, resume, destroy, reset, guest reboot, guest poweroff', async () => {
    const api = client.api;
    const life = await boot(client, { name: 'life', vcpus: 2 });
    await settle(life);
    expect(await life.exec('echo up')).toBe('up\n');

    // suspend: the guest stops executing.
    await api.suspend('life');
    expect((await api.info('life')).state).toBe('paused');
    await sleep(100);
    const i0 = (await api.info('life')).instructions;
    await sleep(500);
    const paused = await api.info('life');
    expect(paused.instructions).toBe(i0);
    expect([paused.state, paused.reason]).toEqual(['paused', 'user']);
    expect((await api.vcpuInfo('life')).map((v) => v.state)).not.toContain('running');
    const typedAt = life.output.length;
    await api.consoleWrite('life', 'echo typed-while-paused\n');
    await sleep(300);
    expect(life.output.slice(typedAt)).toBe('');

    // resume: it goes on where it was, and reads what was typed meanwhile.
    await api.resume('life');
    await life.waitFor(/\ntyped-while-paused\r?\n/, typedAt, 30_000);
    await waitForPrompt(life, typedAt);
    expect((await api.info('life')).state).toBe('running');
    expect((await api.info('life')).instructions).toBeGreaterThan(i0);
    expect(await life.exec('echo resumed')).toBe('resumed\n');

    // destroy: shut off at once.
    await api.destroy('life');
    await life.waitForState((state) => state === 'shut off');
    let info = await api.info('life');
    expect([info.state, info.reason, info.id]).toEqual(['shut off', 'destroyed', null]);
    expect(info.instructions).toBe(0);

    // start again, then reset: the guest boots from scratch.
    let mark = life.output.length;
    await api.start('life');
    await life.waitForState((state) => state === 'running');
    await life.waitFor(/Linux version 6\.12/, mark);
    await settle(life, mark);
    mark = life.output.length;
    await api.reset('life');
    info = await api.info('life');
    expect([info.state, info.reason]).toEqual(['running', 'reset']);
    await life.waitFor(/Linux version 6\.12/, mark);
    await settle(life, mark);
    expect(await life.exec('nproc')).toBe('2\n');

    // The guest's own reboot: the domain restarts and reaches the prompt again.
    mark = life.output.length;
    await life.type('reboot\n');
    await life.waitFor(/Linux version 6\.12/, mark, 60_000);
    await settle(life, mark);
    info = await api.info('life');
    expect(info.state).toBe('running');
    expect(await life.exec('echo rebooted')).toBe('rebooted\n');

    // The guest's own poweroff: shut off, reason shutdown.
    await life.type('poweroff\n');
    await life.waitForState((state) => state === 'shut off', 30_000);
    info = await api.info('life');
    expect([info.state, info.reason]).toEqual(['shut off', 'shutdown']);
    await expectMemoryAccounted(client);
  }, 90_000);

  it('host-initiated reboot and shutdown go through the guest agent', async () => {
    const api = client.api;
    const mark = bystander.output.length;
    await api.reboot('bystander');
    await bystander.waitFor(/Linux version 6\.12/, mark, 60_000);
    await settle(bystander, mark);
    expect((await api.info('bystander')).state).toBe('running');
    expect(await bystander.exec('echo back')).toBe('back\n');

    await Promise.all([api.shutdown('bystander'), api.shutdown('quiet')]);
    await bystander.waitForState((state) => state === 'shut off', 30_000);
    await quiet.waitForState((state) => state === 'shut off', 30_000);
    for (const name of ['bystander', 'quiet']) {
      const info = await api.info(name);
      expect([info.state, info.reason]).toEqual(['shut off', 'shutdown']);
    }
    const left = await Promise.all((await api.list()).map((d) => api.info(d.name)));
    expect(left.filter((d) => d.rssKiB > 0).map((d) => `${d.name} ${d.state} ${d.rssKiB}`)).toEqual(
      [],
    );
    expect((await api.hostInfo()).usedKiB).toBe(0);
  }, 90_000);
});
