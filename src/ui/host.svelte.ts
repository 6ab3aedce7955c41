import * as Comlink from 'comlink';
import { SchedState } from '../hypervisor/host/sched-state';
import { TraceRing } from '../hypervisor/host/trace-ring';
import { installVirtErrorTransfer } from '../manage/comlink-errors';
import type { DomainEvent, DomainSummary, HostInfo } from '../manage/control-api';
import { race, startControlWorker, type ControlClient } from './control-client';

/**
 * The page's connection to the host: one control worker (the host lives
 * there), the domain list kept current from lifecycle events, console
 * streams by domain, and the shared telemetry buffers the live views read
 * every frame.
 */
export class HostSession {
  status = $state<'starting' | 'ready' | 'failed'>('starting');
  error = $state<string | undefined>(undefined);
  info = $state.raw<HostInfo | undefined>(undefined);
  domains = $state.raw<DomainSummary[]>([]);
  sched: SchedState | undefined;
  trace: TraceRing | undefined;
  readonly client: ControlClient;
  readonly #console = new Map<string, Set<(bytes: Uint8Array) => void>>();

  constructor() {
    installVirtErrorTransfer();
    this.client = startControlWorker();
  }

  get api() {
    return this.client.api;
  }

  /** Calls the control API; a dead control worker becomes an error, not a hang. */
  call<T>(promise: Promise<T>): Promise<T> {
    return race(this.client, promise);
  }

  async start(): Promise<void> {
    try {
      const kernelUrl = new URL('images/linux-rv32.bin.gz', document.baseURI).href;
      this.info = await this.call(this.api.init({ kernelUrl }));
      const telemetry = await this.call(this.api.telemetry());
      this.sched = new SchedState(telemetry.sched);
      this.trace = new TraceRing(telemetry.trace);
      await this.call(
        this.api.subscribe(Comlink.proxy((event: DomainEvent) => this.#onEvent(event))),
      );
      await this.refresh();
      this.status = 'ready';
    } catch (error) {
      this.status = 'failed';
      this.error = error instanceof Error ? error.message : String(error);
    }
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

  #onEvent(event: DomainEvent): void {
    if (event.kind === 'console') {
      for (const listener of this.#console.get(event.domain) ?? []) listener(event.bytes);
    } else {
      void this.refresh();
    }
  }

  dispose(): void {
    this.client.terminate();
  }
}
