import * as Comlink from 'comlink';
import type { MigrationJobInfo, MigrationTarget } from '../../manage/control-api';
import type { HostSession } from '../host.svelte';
import { message } from '../error-message';

/** How often the running job's figures are read (domjobinfo), ms. */
const JOB_POLL_MS = 100;

/** What the page's Migrate form sets (virsh migrate's options). */
export interface MigrateOptions {
  /** migrate-setmaxdowntime, ms. */
  maxDowntimeMs: number;
  /** migrate-setspeed, MiB/s; 0 = unlimited. */
  bandwidthMiBs: number;
  /** --auto-converge. */
  autoConverge: boolean;
}

/** Where a job sends its domain: the other host in this page, or a tab listening on a channel. */
export type MigrateDestination =
  { kind: 'host'; session: HostSession; label: string } | { kind: 'tab'; channel: string };

/**
 * One outgoing live migration started from the page, watched live: its
 * figures are the source's domjobinfo, read every JOB_POLL_MS while it
 * runs, then the completed job's (domjobinfo --completed).
 */
export class MigrationJob {
  info = $state.raw<MigrationJobInfo | undefined>(undefined);
  /**
   * The destination host's own job while pages arrive (its domjobinfo,
   * "incoming migration"), when the destination is a host in this page:
   * libvirt lists the incoming domain there, paused, until switch-over.
   */
  incomingInfo = $state.raw<MigrationJobInfo | undefined>(undefined);
  status = $state<'running' | 'completed' | 'failed' | 'cancelled'>('running');
  error = $state<string | undefined>(undefined);
  readonly to: string;
  #done = false;

  constructor(
    readonly domain: string,
    readonly from: { session: HostSession; label: string },
    readonly destination: MigrateDestination,
    readonly options: MigrateOptions,
  ) {
    this.to = destination.kind === 'host' ? destination.label : `bc:${destination.channel}`;
  }

  /** Runs the job to its end; never throws (the outcome is in status and error). */
  async run(): Promise<void> {
    const source = this.from.session;
    const params = {
      live: true,
      maxDowntimeMs: this.options.maxDowntimeMs,
      bandwidthMiBs: this.options.bandwidthMiBs,
      autoConverge: this.options.autoConverge,
    };
    let incoming: Promise<unknown> = Promise.resolve();
    let target: MigrationTarget;
    if (this.destination.kind === 'host') {
      // Two hosts in one page: a MessageChannel, one end transferred to each control worker.
      const channel = new MessageChannel();
      const dest = this.destination.session;
      incoming = dest.call(
        dest.api.migrateIncoming(
          Comlink.transfer({ kind: 'port', port: channel.port2 }, [channel.port2]),
        ),
      );
      incoming.catch(() => {}); // the source's outcome is the job's; this side's error only follows it
      target = Comlink.transfer({ kind: 'port', port: channel.port1 }, [channel.port1]);
    } else {
      target = { kind: 'broadcast', channel: this.destination.channel };
    }
    void this.#poll();
    try {
      this.info = await source.call(source.api.migrate(this.domain, target, params));
      await incoming.catch(() => undefined);
      this.status = 'completed';
    } catch (error) {
      this.error = message(error);
      const last = await source
        .call(source.api.jobInfo(this.domain, { completed: true }))
        .catch(() => null);
      if (last) this.info = last;
      this.status = last?.type === 'cancelled' ? 'cancelled' : 'failed';
    } finally {
      this.#done = true;
      void source.refresh().catch(() => {});
      if (this.destination.kind === 'host') void this.destination.session.refresh().catch(() => {});
    }
  }

  /** domjobabort: the domain keeps running where it was. */
  async abort(): Promise<void> {
    const source = this.from.session;
    await source.call(source.api.jobAbort(this.domain)).catch((e) => (this.error = message(e)));
  }

  async #poll(): Promise<void> {
    const source = this.from.session;
    const dest = this.destination.kind === 'host' ? this.destination.session : undefined;
    while (!this.#done) {
      const [info, incoming] = await Promise.all([
        source.call(source.api.jobInfo(this.domain)).catch(() => null),
        dest?.call(dest.api.jobInfo(this.domain)).catch(() => null),
      ]);
      if (this.#done) break;
      if (info) this.info = info;
      this.incomingInfo = incoming?.operation === 'incoming migration' ? incoming : undefined;
      await new Promise((r) => setTimeout(r, JOB_POLL_MS));
    }
    this.incomingInfo = undefined;
  }
}

/**
 * The page side of QEMU's -incoming for another tab: waits on a
 * BroadcastChannel for one domain; resolves with its name and figures once
 * it runs here.
 */
export class IncomingJob {
  status = $state<'waiting' | 'completed' | 'failed'>('waiting');
  name = $state<string | undefined>(undefined);
  info = $state.raw<MigrationJobInfo | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  constructor(
    readonly session: HostSession,
    readonly channel: string,
  ) {}

  async run(): Promise<void> {
    try {
      const done = await this.session.call(
        this.session.api.migrateIncoming({ kind: 'broadcast', channel: this.channel }),
      );
      this.name = done.name;
      this.info = done.info;
      this.status = 'completed';
    } catch (error) {
      this.error = message(error);
      this.status = 'failed';
    } finally {
      void this.session.refresh().catch(() => {});
    }
  }
}

/** The page's migration jobs: the one running or last run, and a tab listener. */
class Migrations {
  job = $state.raw<MigrationJob | undefined>(undefined);
  /** The first host's domain a VM page's "Migrate…" asked the form to preselect. */
  preferred: string | undefined;
  incoming = $state.raw<IncomingJob | undefined>(undefined);

  get busy(): boolean {
    return this.job?.status === 'running';
  }

  async migrate(
    domain: string,
    from: { session: HostSession; label: string },
    destination: MigrateDestination,
    options: MigrateOptions,
  ): Promise<MigrationJob> {
    const job = new MigrationJob(domain, from, destination, options);
    this.job = job;
    await job.run();
    return job;
  }

  /** Waits for a domain from another tab on `channel` (one at a time). */
  listen(session: HostSession, channel: string): IncomingJob {
    if (this.incoming?.status === 'waiting') return this.incoming;
    const job = new IncomingJob(session, channel);
    this.incoming = job;
    void job.run();
    return job;
  }
}

export const migrations = new Migrations();
