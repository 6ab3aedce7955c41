/**
 * `npx tsx tools/boot-profile.ts [qemu|kvm ...] [--lines] [--boots N]`:
 * where the boot to the shell prompt spends its wall time, per engine —
 * host-side start-up, guest instructions, vCPU time, time blocked (WFI),
 * exits, JIT compile time — and the console lines with the host's time of
 * arrival, to spot guest delays. `--boots N` boots N VMs with the same
 * kernel one after another on one host, each after the previous one is
 * destroyed: the later boots run on a warm host (its interpreter trained,
 * under the JIT the earlier boots' translations shared, module-exchange.ts).
 * Each line's `window` is the boot's span in µs of the monotonic clock, the
 * clock of `node --cpu-prof` profiles, to cut one boot out of a profile.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { DomainType } from '../src/manage/control-api';
import { type ControlClient, startControl } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

async function profile(type: DomainType, lines: boolean, boots: number): Promise<void> {
  const tc = performance.now();
  const client = await startControl({ pcpus: 1, ramMiB: 256 });
  const controlMs = performance.now() - tc;
  try {
    for (let boot = 0; boot < boots; boot++) {
      const name = boots > 1 ? `vm${boot}` : 'one';
      await profileBoot(client, type, name, lines, boot, controlMs);
      if (boot + 1 < boots) await client.api.destroy(name);
    }
  } finally {
    await client.close();
  }
}

async function profileBoot(
  client: ControlClient,
  type: DomainType,
  name: string,
  lines: boolean,
  boot: number,
  controlMs: number,
): Promise<void> {
  const session = await DomainSession.attach(client, name);
  // Host-wide JIT counters: this boot's share is what they grow by.
  const jit0 = (await client.api.hostInfo()).jit;
  const from = process.hrtime.bigint() / 1000n;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpu();
  const stamps: string[] = [];
  let first = -1;
  let partial = '';
  session.onOutput((text) => {
    const t = performance.now() - t0;
    if (first < 0) first = t;
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) stamps.push(`${t.toFixed(0).padStart(6)} ms  ${p.trimEnd()}`);
  });
  await client.api.define({ name, vcpus: 1, memoryMiB: 64, type });
  const tDefine = performance.now() - t0;
  await client.api.start(name);
  const tStart = performance.now() - t0;
  const samples: string[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const i = await client.api.info(name);
      samples.push(
        `${(performance.now() - t0).toFixed(0)}:${(i.instructions / 1e6).toFixed(1)}M/${i.cpuTimeMs.toFixed(0)}ms/${(i.exits.mmio_exit_user ?? 0) + (i.exits.ecall_exit_stat ?? 0)}x`,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await session.waitFor(PROMPT, 0, 120_000);
  done = true;
  await poll;
  const wall = performance.now() - t0;
  const to = process.hrtime.bigint() / 1000n;
  const cpu = process.cpuUsage(cpu0);
  const threads = threadCpu();
  const info = await client.api.info(name);
  const vcpu = (await client.api.vcpuInfo(name))[0];
  const jit = (await client.api.hostInfo()).jit;
  type Counter =
    | 'compileMs'
    | 'compiles'
    | 'adopted'
    | 'translatedInstructions'
    | 'entries'
    | 'interpretedRuns'
    | 'stale';
  /** How much a host-wide JIT counter grew during this boot. */
  const grew = (k: Counter) => (jit ? jit[k] - (jit0?.[k] ?? 0) : 0);
  const out = {
    type,
    boot,
    /** This boot's span, µs of the monotonic clock (as in `node --cpu-prof` profiles). */
    window: [String(from), String(to)],
    controlStartMs: +controlMs.toFixed(0),
    defineMs: +tDefine.toFixed(0),
    startReturnedMs: +tStart.toFixed(0),
    firstConsoleMs: +first.toFixed(0),
    promptMs: +wall.toFixed(0),
    /** CPU time of every thread of the host process from define to the prompt (less noisy than wall time on a shared machine). */
    processCpuMs: +((cpu.user + cpu.system) / 1000).toFixed(0),
    processSysMs: +(cpu.system / 1000).toFixed(0),
    /**
     * CPU time of each thread from define to the prompt, by thread name, busiest first (Linux,
     * 10 ms ticks): the pCPU worker's is the vCPU's own work, not stretched by other processes
     * on a shared machine, and V8's background compile threads show apart.
     */
    threadCpuMs: threadDelta(threads0, threads),
    instructionsM: +(info.instructions / 1e6).toFixed(2),
    cpuTimeMs: info.cpuTimeMs,
    blockedMs: vcpu.blockedMs,
    stealMs: vcpu.stealMs,
    mipsWhileRunning: +(info.instructions / info.cpuTimeMs / 1000).toFixed(0),
    exits: info.exits,
    jit:
      type === 'kvm' && jit
        ? {
            compileMs: +grew('compileMs').toFixed(0),
            compiles: grew('compiles'),
            adopted: grew('adopted'),
            kib: +(jit.codeBytes / 1024).toFixed(0),
            translatedPct: +((100 * grew('translatedInstructions')) / info.instructions).toFixed(1),
            /** Calls into translated code and interpreter runs, per million guest instructions. */
            entriesPerM: +(grew('entries') / (info.instructions / 1e6)).toFixed(0),
            interpretedRunsPerM: +(grew('interpretedRuns') / (info.instructions / 1e6)).toFixed(0),
            pages: jit.pages,
            stale: grew('stale'),
          }
        : undefined,
  };
  console.log(JSON.stringify(out));
  if (lines) console.log(stamps.join('\n'));
  if (lines) console.log(samples.join(' '));
}

/** CPU ms of each thread of this process (Linux /proc; empty elsewhere), keyed by tid. */
function threadCpu(): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, { name, ms: (Number(f[11]) + Number(f[12])) * 10 }); // utime + stime (proc(5) fields 14, 15)
      } catch {
        // the thread ended
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

function threadDelta(
  a: Map<string, { name: string; ms: number }>,
  b: Map<string, { name: string; ms: number }>,
): Record<string, number> {
  const by: [string, number][] = [];
  for (const [tid, t] of b) by.push([`${t.name}#${tid}`, t.ms - (a.get(tid)?.ms ?? 0)]);
  by.sort((x, y) => y[1] - x[1]);
  return Object.fromEntries(by.filter(([, ms]) => ms >= 20).slice(0, 8));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const lines = args.includes('--lines');
  const at = args.indexOf('--boots');
  const boots = at >= 0 ? Number(args[at + 1]) : 1;
  if (!Number.isInteger(boots) || boots < 1) throw new Error('--boots takes a count ≥ 1');
  const types = args.filter((a) => a === 'qemu' || a === 'kvm') as DomainType[];
  for (const t of types.length ? types : (['qemu', 'kvm'] as DomainType[]))
    await profile(t, lines, boots);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
