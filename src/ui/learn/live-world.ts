import type { ControlApi } from '../../manage/control-api';
import type { LessonActions, LessonWorld } from '../../tutorials/lesson';
import { atPrompt } from '../../tutorials/world';
import type { HostSession } from '../host.svelte';
import { migrations } from '../migration/migration-job.svelte';
import { secondHost } from '../migration/second-host.svelte';
import { virshBus } from '../virsh-bus.svelte';

/** How far back CPU-time samples go, ms. */
const CPU_WINDOW_MS = 20_000;

/**
 * The lessons' view of the host, built from what the page already reads:
 * the domain list and infos (polled ~4 Hz), host info, ksmd's shared
 * state, console history. CPU use comes from cpuTimeMs samples taken at
 * each `sample()` (the lesson panel calls it twice a second).
 */
export class LiveWorld {
  readonly #samples: { at: number; cpu: Record<string, number> }[] = [];
  readonly #text = new Map<string, { chunks: number; bytes: number; text: string }>();

  constructor(readonly host: HostSession) {}

  /** Records every domain's CPU time now. */
  sample(): void {
    const now = performance.now();
    const cpu: Record<string, number> = {};
    for (const [name, info] of Object.entries(this.host.infos)) cpu[name] = info.cpuTimeMs;
    this.#samples.push({ at: now, cpu });
    while (this.#samples.length > 2 && this.#samples[0].at < now - CPU_WINDOW_MS)
      this.#samples.shift();
  }

  console(name: string): string {
    const history = this.host.consoleHistory(name);
    let bytes = 0;
    for (const c of history) bytes += c.length;
    const cached = this.#text.get(name);
    if (cached && cached.chunks === history.length && cached.bytes === bytes) return cached.text;
    const decoder = new TextDecoder();
    const text = history
      .map((c) => decoder.decode(c, { stream: true }))
      .join('')
      .replace(/\r/g, '');
    this.#text.set(name, { chunks: history.length, bytes, text });
    return text;
  }

  snapshot(): LessonWorld {
    const host = this.host;
    const ksm = host.ksm;
    const now = performance.now();
    return {
      now,
      domains: host.domains,
      infos: host.infos,
      host: host.info,
      ksm: ksm ? { knobs: ksm.knobs(), stats: ksm.stats() } : undefined,
      console: (name) => this.console(name),
      cpuUse: (name, ms) => {
        const last = this.#samples.at(-1);
        const first = this.#samples.find((s) => s.at >= now - ms - 300);
        if (!last || !first || last === first) return undefined;
        const a = first.cpu[name];
        const b = last.cpu[name];
        if (a === undefined || b === undefined) return undefined;
        return (b - a) / (last.at - first.at);
      },
      policyLog: host.policyLog,
    };
  }

  /** What lesson solutions and command chips do: the page's own paths. */
  actions(): LessonActions {
    const host = this.host;
    const until: LessonActions['until'] = async (predicate, ms, what) => {
      const end = performance.now() + ms;
      for (;;) {
        this.sample();
        if (predicate(this.snapshot())) return;
        if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    return {
      api: host.api as unknown as ControlApi,
      typeInConsole: async (name, line) => {
        // Booted: its shell has shown a prompt (background jobs may print after the latest one).
        await until((w) => atPrompt(w, name), 120_000, `the shell prompt of ${name}`);
        await host.call(host.api.consoleWrite(name, `${line}\n`));
      },
      runVirsh: (line) => virshBus.run(line),
      async migrateInPage(name, to) {
        const second = await secondHost.start();
        const [from, dest] = to === 'second' ? [host, second] : [second, host];
        const label = (s: typeof host) => s.info?.hostname ?? '';
        const job = await migrations.migrate(
          name,
          { session: from, label: label(from) },
          { kind: 'host', session: dest, label: label(dest) },
          { maxDowntimeMs: 300, bandwidthMiBs: 32, autoConverge: true },
        );
        if (job.status !== 'completed') throw new Error(job.error ?? `migration ${job.status}`);
      },
      until,
      world: () => this.snapshot(),
    };
  }
}
