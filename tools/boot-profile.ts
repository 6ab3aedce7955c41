/**
 * `npx tsx tools/boot-profile.ts [qemu|kvm ...]`: where the boot to the
 * shell prompt spends its wall time, per engine — host-side start-up, guest
 * instructions, vCPU time, time blocked (WFI), exits, JIT compile time — and
 * the console lines with the host's time of arrival, to spot guest delays.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { DomainType } from '../src/manage/control-api';
import { startControl } from './lib/control-client';
import { DomainSession, PROMPT } from './lib/domain-session';

async function profile(type: DomainType, lines: boolean): Promise<void> {
  const tc = performance.now();
  const client = await startControl({ pcpus: 1, ramMiB: 256 });
  const controlMs = performance.now() - tc;
  try {
    const session = await DomainSession.attach(client, 'one');
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
    await client.api.define({ name: 'one', vcpus: 1, memoryMiB: 64, type });
    const tDefine = performance.now() - t0;
    await client.api.start('one');
    const tStart = performance.now() - t0;
    const samples: string[] = [];
    let done = false;
    const poll = (async () => {
      while (!done) {
        const i = await client.api.info('one');
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
    const cpu = process.cpuUsage(cpu0);
    const threads = threadCpu();
    const info = await client.api.info('one');
    const vcpu = (await client.api.vcpuInfo('one'))[0];
    const jit = (await client.api.hostInfo()).jit;
    const out = {
      type,
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
              compileMs: +jit.compileMs.toFixed(0),
              compiles: jit.compiles,
              kib: +(jit.codeBytes / 1024).toFixed(0),
              translatedPct: +((100 * jit.translatedInstructions) / info.instructions).toFixed(1),
              /** Calls into translated code and interpreter runs, per million guest instructions. */
              entriesPerM: +(jit.entries / (info.instructions / 1e6)).toFixed(0),
              interpretedRunsPerM: +(jit.interpretedRuns / (info.instructions / 1e6)).toFixed(0),
              pages: jit.pages,
              stale: jit.stale,
            }
          : undefined,
    };
    console.log(JSON.stringify(out));
    if (lines) console.log(stamps.join('\n'));
    if (lines) console.log(samples.join(' '));
  } finally {
    await client.close();
  }
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
  const types = args.filter((a) => a === 'qemu' || a === 'kvm') as DomainType[];
  for (const t of types.length ? types : (['qemu', 'kvm'] as DomainType[])) await profile(t, lines);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
