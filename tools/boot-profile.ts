/**
 * `npx tsx tools/boot-profile.ts [qemu|kvm ...]`: where the boot to the
 * shell prompt spends its wall time, per engine — host-side start-up, guest
 * instructions, vCPU time, time blocked (WFI), exits, JIT compile time — and
 * the console lines with the host's time of arrival, to spot guest delays.
 */
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
