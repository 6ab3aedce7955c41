import * as Comlink from 'comlink';
import { SchedState } from '../hypervisor/host/sched-state';
import { TraceRing } from '../hypervisor/host/trace-ring';
import { KsmState } from '../hypervisor/ksm/ksm-state';
import { installVirtErrorTransfer } from '../manage/comlink-errors';
import type {
  DomainDef,
  DomainEvent,
  DomainInfo,
  DomainSummary,
  HostConfig,
  HostInfo,
} from '../manage/control-api';
import { race, startControlWorker, type ControlClient } from './control-client';
import { HostStart, type HostStartPhase } from './host-start';
import { message } from './error-message';

/** Polling period of the numbers only the control API can give (rss, balloon, host free RAM). */
export const POLL_MS = 250;
/** Console output kept per domain, so a console opened later shows the boot log. */
const CONSOLE_HISTORY_BYTES = 256 * 1024;
/** Balloon policy decisions kept for the memory view, newest first. */
const POLICY_LOG_LENGTH = 50;

/** The domain the page boots when it opens. */
export const FIRST_DOMAIN: DomainDef = {
  name: 'vm1',
  memoryMiB: 64,
  vcpus: 1,
  // autodeflate: the balloon policy (on in the page) manages only balloons that deflate on guest OOM.
  balloon: { statsPeriodS: 2, autodeflate: true },
};

/**
 * The page's connection to the host: one control worker (the host lives
 * there), the domain list kept current from lifecycle events, every
 * domain's info and the host's memory polled at ~4 Hz, console streams and
 * their history by domain, and the shared telemetry buffers the live views
 * read every frame.
 */
export class HostSession {
  status = $state<'starting' | 'ready' | 'failed'>('starting');
  /** While starting: what the page waits for, for the loading screen. */
  loading = $state<HostStartPhase>({ phase: 'host' });
  error = $state<string | undefined>(undefined);
  /** hostInfo(), refreshed every POLL_MS. */
  info = $state.raw<HostInfo | undefined>(undefined);
  domains = $state.raw<DomainSummary[]>([]);
  /** info() of every domain, refreshed every POLL_MS. */
  infos = $state.raw<Record<string, DomainInfo>>({});
  /** The balloon policy's decisions, newest first. */
  policyLog = $state.raw<Extract<DomainEvent, { kind: 'balloon-policy' }>[]>([]);
  sched: SchedState | undefined;
  trace: TraceRing | undefined;
  ksm: KsmState | undefined;
  readonly client: ControlClient;
  readonly #console = new Map<string, Set<(bytes: Uint8Array) => void>>();
  readonly #history = new Map<string, { chunks: Uint8Array[]; bytes: number }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;
  readonly #begun: HostStart | undefined;

  /**
   * @param begun the host's start, when it was begun before the session
   *   (main.ts begins the page's own host before the app has loaded).
   */
  constructor(begun?: HostStart) {
    installVirtErrorTransfer();
    this.#begun = begun;
    this.client = begun?.client ?? startControlWorker();
  }

  get api() {
    return this.client.api;
  }

  /** Calls the control API; a dead control worker becomes an error, not a hang. */
  call<T>(promise: Promise<T>): Promise<T> {
    return race(this.client, promise);
  }

  /**
   * Starts the host (or finishes the start begun before the session: then
   * `config` is the one it was begun with), turns the balloon policy on
   * and boots the first domain; a second host (the migration view's)
   * starts empty, with its own settings.
   */
  async start(
    options: { config?: Partial<HostConfig>; firstDomain?: boolean } = {},
  ): Promise<void> {
    try {
      const begun =
        this.#begun ?? new HostStart({ balloonPolicy: true, ...options.config }, this.client);
      const unsubscribe = begun.onPhase((phase) => (this.loading = phase));
      try {
        this.info = await this.call(begun.info);
      } finally {
        unsubscribe();
      }
      const telemetry = await this.call(this.api.telemetry());
      this.sched = new SchedState(telemetry.sched);
      this.trace = new TraceRing(telemetry.trace);
      this.ksm = new KsmState(telemetry.ksm);
      await this.call(
        this.api.subscribe(Comlink.proxy((event: DomainEvent) => this.#onEvent(event))),
      );
      await this.refresh();
      this.status = 'ready';
      void this.#poll();
    } catch (error) {
      this.status = 'failed';
      this.error = message(error);
      return;
    }
    if (this.domains.length === 0 && options.firstDomain !== false) {
      try {
        await this.call(this.api.define(FIRST_DOMAIN));
        // Quick boot: vm1 boots for real and leaves its configuration's snapshot at the prompt,
        // so the next VM made with the same settings is usable at once (manage/boot-templates.ts).
        await this.call(this.api.start(FIRST_DOMAIN.name, { quick: true }));
      } catch (error) {
        this.error = message(error);
      }
      await this.refresh();
    }
  }

  /** True while any domain runs (the page warns before it is left). */
  get anyRunning(): boolean {
    return this.domains.some((d) => d.state === 'running' || d.state === 'paused');
  }

  async refresh(): Promise<void> {
    this.domains = await this.call(this.api.list());
  }

  domain(name: string): DomainSummary | undefined {
    return this.domains.find((d) => d.name === name);
  }

  onConsole(name: string, listener: (bytes: Uint8Array) => void): () => void {
    let set = this.#console.get(name);
    if (!set) this.#console.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** The domain's console output so far (the last CONSOLE_HISTORY_BYTES). */
  consoleHistory(name: string): readonly Uint8Array[] {
    return this.#history.get(name)?.chunks ?? [];
  }

  /** Drops a deleted domain's console history. */
  forgetConsole(name: string): void {
    this.#history.delete(name);
  }

  #onEvent(event: DomainEvent): void {
    if (event.kind === 'console') {
      let h = this.#history.get(event.domain);
      if (!h) this.#history.set(event.domain, (h = { chunks: [], bytes: 0 }));
      h.chunks.push(event.bytes);
      h.bytes += event.bytes.length;
      while (h.bytes > CONSOLE_HISTORY_BYTES && h.chunks.length > 1)
        h.bytes -= h.chunks.shift()!.length;
      for (const listener of this.#console.get(event.domain) ?? []) listener(event.bytes);
    } else if (event.kind === 'balloon-policy') {
      this.policyLog = [event, ...this.policyLog].slice(0, POLICY_LOG_LENGTH);
    } else {
      void this.refresh();
    }
  }

  /** hostInfo() and info() of every domain, every POLL_MS, one round at a time. */
  async #poll(): Promise<void> {
    if (this.#disposed) return;
    try {
      const names = this.domains.map((d) => d.name);
      const [info, ...infos] = await Promise.all([
        this.call(this.api.hostInfo()),
        ...names.map((n) => this.call(this.api.info(n)).catch(() => undefined)),
      ]);
      this.info = info as HostInfo;
      const next: Record<string, DomainInfo> = {};
      for (const i of infos as (DomainInfo | undefined)[]) if (i) next[i.name] = i;
      this.infos = next;
    } catch {
      // A dead control worker shows through status; keep polling otherwise.
    }
    this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.client.terminate();
  }
}

export { message };
