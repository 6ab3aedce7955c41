import { emptyJobInfo, type MigrationJobInfo } from './job-info';
import { MIGRATION_PROTOCOL, type MigrationMessage } from './messages';
import { PAGE_BYTES, forEachPageOf } from './page-batch';
import type { DestinationHostPort } from './ports';
import { MigrationError } from './source';
import type { MigrationTransport } from './transport';

/** Round records kept from a source's round-stats (its own stop at maxIterations, ≤ 1000). */
const MAX_ROUNDS_KEPT = 1024;

/**
 * The incoming side of a live migration (libvirt's qemuMigrationDst*, QEMU
 * started with -incoming): checks the domain can come here (Prepare),
 * stores the pages of every round (a later round's copy of a page replaces
 * the earlier one), and at the device state builds the VM from both, runs
 * it and answers "running" (Finish). An abort or error from the source, or
 * a failure here, discards everything received: nothing is left behind.
 *
 * Pages go to the host as they arrive (host/incoming-ram.ts: into host
 * frames held for the incoming VM, as QEMU writes them into the waiting
 * guest's RAM), so the switch-over only maps them.
 */
export class MigrationDestination {
  readonly info = emptyJobInfo('incoming migration');
  readonly #t0 = performance.now();
  #pageCount = 0;
  #domainXml = '';
  #name = '';
  #settled = false;
  #restoring = false;
  readonly done: Promise<{ name: string; info: MigrationJobInfo }>;
  #resolve!: (v: { name: string; info: MigrationJobInfo }) => void;
  #reject!: (e: MigrationError) => void;

  constructor(
    readonly host: DestinationHostPort,
    readonly transport: MigrationTransport,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A caller that only watches `info` must not see an unhandled rejection.
    this.done.catch(() => {});
    transport.onMessage((m) => void this.#onMessage(m));
  }

  /** The incoming domain's name, once begin arrived. */
  get name(): string {
    return this.#name;
  }

  /** domjobabort on the destination: the source is told and keeps running. */
  abort(): void {
    if (this.#settled) return;
    this.transport.send({ kind: 'abort' });
    this.#finish(new MigrationError('cancelled', 'migration job: canceled by client'));
  }

  async #onMessage(m: MigrationMessage): Promise<void> {
    // While the VM is being built and started the outcome is this side's to tell.
    if (this.#settled || this.#restoring) return;
    try {
      switch (m.kind) {
        case 'begin':
          return this.#begin(m);
        case 'pages':
          return this.#store(m);
        case 'round-stats':
          this.info.iteration = m.round + 1;
          this.info.autoConvergeThrottle = m.throttle;
          this.info.memRemaining = this.info.dataRemaining = m.dirtyPages * PAGE_BYTES;
          // The source's figures, for the view; bounded whatever the peer sends.
          if (this.info.rounds.length < MAX_ROUNDS_KEPT)
            this.info.rounds.push({
              round: m.round,
              pages: m.pages,
              dirtyPages: m.dirtyPages,
              throttle: m.throttle,
            });
          this.#tick();
          return;
        case 'device-state':
          return await this.#switchOver(m.state, m.paused === true);
        case 'abort':
          return this.#finish(
            new MigrationError('cancelled', 'migration job: canceled by the source'),
          );
        case 'error':
          return this.#finish(
            new MigrationError('failed', `migration failed on the source: ${m.message}`),
          );
        default:
          throw new Error(`unexpected '${m.kind}' message`);
      }
    } catch (error) {
      const message = (error as Error).message;
      this.transport.send({ kind: 'error', message });
      this.#finish(new MigrationError('failed', `migration failed: ${message}`));
    }
  }

  #begin(m: Extract<MigrationMessage, { kind: 'begin' }>): void {
    if (this.#name) {
      // The source repeats begin until it hears ready (a BroadcastChannel may have dropped it).
      if (m.name !== this.#name) throw new Error('a second begin');
      this.transport.send({ kind: 'ready' });
      return;
    }
    if (m.protocol !== MIGRATION_PROTOCOL)
      throw new Error(`migration protocol ${m.protocol}, this host speaks ${MIGRATION_PROTOCOL}`);
    if (m.pageSize !== PAGE_BYTES) throw new Error(`page size ${m.pageSize}, want ${PAGE_BYTES}`);
    const problem = this.host.prepare(m.domainXml, m.memoryMiB);
    if (problem) throw new Error(problem);
    this.#name = m.name;
    this.#domainXml = m.domainXml;
    this.#pageCount = (m.memoryMiB * 1024 * 1024) / PAGE_BYTES;
    this.info.memTotal = this.info.dataTotal = this.#pageCount * PAGE_BYTES;
    this.info.setupTimeMs = performance.now() - this.#t0;
    this.transport.send({ kind: 'ready' });
  }

  #store(m: Extract<MigrationMessage, { kind: 'pages' }>): void {
    if (!this.#name) throw new Error('pages before begin');
    forEachPageOf(m, this.#pageCount, (gfn, bytes) => {
      this.host.putPage(gfn, bytes);
      if (bytes) this.info.normalPages++;
      else this.info.constantPages++;
    });
    this.info.normalBytes = this.info.normalPages * PAGE_BYTES;
    this.info.memProcessed += m.data.length + m.gfns.length * 4 + m.zero.length;
    this.info.dataProcessed = this.info.memProcessed;
    this.#tick();
    this.transport.send({ kind: 'ack', seq: m.seq });
  }

  async #switchOver(
    state: Parameters<DestinationHostPort['restore']>[1],
    paused: boolean,
  ): Promise<void> {
    if (!this.#name) throw new Error('device state before begin');
    const at = performance.now();
    this.#restoring = true;
    try {
      await this.host.restore(this.#domainXml, state, paused);
    } finally {
      this.#restoring = false;
    }
    this.info.downtimeMs = performance.now() - at;
    this.info.memRemaining = this.info.dataRemaining = 0;
    this.transport.send({ kind: 'running' });
    this.#finish();
  }

  #finish(failure?: MigrationError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#tick();
    if (failure) {
      this.host.discard();
      this.info.type = failure.code;
      this.info.error = failure.message;
      this.#reject(failure);
    } else {
      this.info.type = 'completed';
      this.#resolve({ name: this.#name, info: this.info });
    }
  }

  #tick(): void {
    this.info.timeElapsedMs = performance.now() - this.#t0;
  }
}
