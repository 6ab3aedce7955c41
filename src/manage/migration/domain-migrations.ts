import type { Host } from '../../hypervisor/host/host';
import { IncomingRam } from '../../hypervisor/host/incoming-ram';
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import type { P2m } from '../../hypervisor/memory/p2m';
import type { MachineState } from '../../hypervisor/vm/machine-state';
import type { DomainDef, DomainState, StateReason } from '../control-api';
import { VirtError } from '../errors';
import { formatDomainXml, parseDomainXml } from '../xml/domain-xml';
import { MigrationDestination } from './destination';
import { hostSourcePort } from './host-ports';
import type { MigrationJobInfo } from './job-info';
import { migrationParams, type MigrationParams } from './params';
import type { DestinationHostPort } from './ports';
import { MigrationError, MigrationSource } from './source';
import type { MigrationTransport } from './transport';

/** What the migrations need of the domain table (domains.ts builds it). */
export interface MigrationDomains {
  host: Host;
  state(name: string): { state: DomainState; reason: StateReason; vm?: number };
  set(name: string, state: DomainState, reason: StateReason): void;
  /** The next stop of its VM shows this state. */
  stopAs(name: string, state: DomainState, reason: StateReason): void;
  /** The live definition (dumpxml's). */
  def(name: string): DomainDef & { uuid: string; vcpupin: Record<number, string> };
  checkIncoming(def: DomainDef): void;
  restoreIncoming(
    def: DomainDef,
    machine: MachineState,
    populate: (p2m: P2m) => void,
    paused: boolean,
  ): Promise<unknown>;
}

/** The tunables a domain's next (or current) outgoing migration uses. */
type Tunables = Pick<MigrationParams, 'bandwidthMiBs' | 'maxDowntimeMs'>;

/**
 * libvirt's migration API over the domain table (virDomainMigrate*,
 * virDomainGetJobStats, virDomainAbortJob, virDomainMigrateSetMaxSpeed,
 * virDomainMigrateSetMaxDowntime): one job per domain, outgoing or
 * incoming; its figures live on after it ends (domjobinfo --completed).
 */
export class DomainMigrations {
  readonly #outgoing = new Map<string, MigrationSource>();
  readonly #incoming = new Map<string, MigrationDestination>();
  readonly #completed = new Map<string, MigrationJobInfo>();
  readonly #tunables = new Map<string, Tunables>();

  constructor(readonly domains: MigrationDomains) {}

  /**
   * virsh migrate --live: moves a running (or paused) domain to the host at
   * the other end of `transport`; resolves with the job's figures once it
   * runs there (the source's VM is gone, the domain shut off, reason
   * migrated), rejects with a VirtError (operation-aborted or
   * operation-failed) with the domain as it was.
   */
  async migrate(
    name: string,
    transport: MigrationTransport,
    given: Partial<MigrationParams> = {},
  ): Promise<MigrationJobInfo> {
    let source: MigrationSource;
    try {
      source = this.#prepare(name, transport, given);
    } catch (error) {
      // Refused before the job began: a destination waiting for this job alone hears why.
      if (transport.dedicated)
        transport.send({ kind: 'error', message: (error as Error).message ?? String(error) });
      closeSoon(transport);
      throw error;
    }
    this.#outgoing.set(name, source);
    try {
      return await source.run();
    } catch (error) {
      throw toVirt(error);
    } finally {
      this.#outgoing.delete(name);
      this.#completed.set(name, { ...source.info });
      closeSoon(transport);
    }
  }

  /** The checks of `migrate`, and its source job, ready to run. */
  #prepare(
    name: string,
    transport: MigrationTransport,
    given: Partial<MigrationParams>,
  ): MigrationSource {
    const d = this.domains;
    const before = d.state(name);
    if ((before.state !== 'running' && before.state !== 'paused') || before.vm === undefined)
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain is not running`,
      );
    if (this.#outgoing.has(name) || this.#incoming.has(name))
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: another migration job is already running for domain',
      );
    const def = d.def(name);
    const vm = before.vm;
    const host = d.host;
    const paused = before.state === 'paused';
    const params = migrationParams({ ...this.tunables(name), ...given });
    const port = hostSourcePort(host, vm, (def.memoryMiB << 20) / PAGE_SIZE, {
      vcpus: host.shared(vm).harts,
      quotaUs: def.quotaUs ?? -1,
      periodUs: def.periodUs ?? 100_000,
    });
    const pause = port.pause;
    const resume = port.resume;
    port.pause = async () => {
      d.set(name, 'paused', 'migrating');
      await pause();
    };
    port.resume = () => {
      resume();
      if (paused) host.pauseVm(vm);
      d.set(name, before.state, before.reason);
    };
    port.destroy = async () => {
      d.stopAs(name, 'shut off', 'migrated');
      await host.destroyVm(vm);
    };
    return new MigrationSource(port, transport, params, {
      name,
      domainXml: formatDomainXml(def),
      memoryMiB: def.memoryMiB,
      paused,
    });
  }

  /**
   * The destination side (QEMU's -incoming, libvirt's Prepare/Finish on the
   * receiving host): takes one domain from `transport`; resolves with its
   * name once it runs here.
   */
  async incoming(transport: MigrationTransport): Promise<{ name: string; info: MigrationJobInfo }> {
    const d = this.domains;
    let def: DomainDef | undefined;
    let ram: IncomingRam | undefined;
    let name = '';
    const port: DestinationHostPort = {
      prepare: (xml, memoryMiB) => {
        try {
          def = parseDomainXml(xml).def;
          if (def.memoryMiB !== memoryMiB)
            return `the XML has ${def.memoryMiB} MiB, the stream ${memoryMiB}`;
          d.checkIncoming(def);
        } catch (error) {
          return (error as Error).message;
        }
        const free = (d.host.frames.freeFrames * PAGE_SIZE) >> 20;
        if (memoryMiB > free)
          return `not enough free host memory for a ${memoryMiB} MiB guest (${free} MiB free)`;
        name = def.name;
        if (this.#incoming.has(name) || this.#outgoing.has(name))
          return `another migration job is already running for domain '${name}'`;
        this.#incoming.set(name, destination);
        ram = new IncomingRam(d.host.frames, (memoryMiB << 20) / PAGE_SIZE);
        d.host.prewarmVmm();
        return undefined;
      },
      putPage: (gfn, bytes) => {
        if (!ram!.put(gfn, bytes))
          throw new Error('not enough free host memory for the migrated RAM');
      },
      restore: async (_xml, state, paused) => {
        const incoming = ram!;
        await d.restoreIncoming(def!, state, (p2m) => incoming.adopt(p2m), paused);
      },
      discard: () => ram?.release(),
    };
    const destination = new MigrationDestination(port, transport);
    try {
      return await destination.done;
    } catch (error) {
      throw toVirt(error);
    } finally {
      if (name) {
        this.#incoming.delete(name);
        this.#completed.set(name, { ...destination.info });
      }
      closeSoon(transport);
    }
  }

  /** virsh domjobinfo: the running job's figures, or with `completed` the last finished one's. */
  jobInfo(name: string, completed = false): MigrationJobInfo | undefined {
    if (completed) return this.#completed.get(name);
    const job = this.#outgoing.get(name) ?? this.#incoming.get(name);
    return job && { ...job.info };
  }

  /** virsh domjobabort: false when no job runs. */
  abort(name: string): boolean {
    const job = this.#outgoing.get(name) ?? this.#incoming.get(name);
    job?.abort();
    return job !== undefined;
  }

  tunables(name: string): Tunables {
    return this.#tunables.get(name) ?? { bandwidthMiBs: 0, maxDowntimeMs: 300 };
  }

  /** migrate-setspeed / migrate-setmaxdowntime: for the running job and the next ones. */
  tune(name: string, change: Partial<Tunables>): Tunables {
    const next = { ...this.tunables(name), ...change };
    migrationParams(next); // throws RangeError on a bad value
    this.#tunables.set(name, next);
    const job = this.#outgoing.get(name);
    if (job && change.bandwidthMiBs !== undefined) job.setSpeed(change.bandwidthMiBs);
    if (job && change.maxDowntimeMs !== undefined) job.setMaxDowntime(change.maxDowntimeMs);
    return next;
  }
}

/** Closes a finished job's transport once its last message (running, abort, error) is on its way. */
function closeSoon(transport: MigrationTransport): void {
  setTimeout(() => transport.close(), 1000);
}

function toVirt(error: unknown): unknown {
  if (error instanceof MigrationError)
    return new VirtError(
      error.code === 'cancelled' ? 'operation-aborted' : 'operation-failed',
      error.message,
    );
  return error;
}
