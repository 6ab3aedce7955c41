import type { Host } from '../hypervisor/host/host';
import type { P2m } from '../hypervisor/memory/p2m';
import type { FrameSnapshot, MachineState } from '../hypervisor/vm/machine-state';
import type { DomainDef, DomainState, DomainSummary, StateReason } from './control-api';
import { NAME, sameUuid, summary, type Domain } from './domain-record';
import { VirtError } from './errors';
import {
  captureDomain,
  copyPages,
  restoreDomain,
  type DomainHooks,
  type RamSource,
  type VmImage,
} from './mobility';
import { quote } from './quote';
import { getSnapshot } from './snapshots';

/** What save, restore and clone need of the domain table (domains.ts builds it). */
export interface ImageDomains {
  host: Host;
  hooks: DomainHooks;
  get(name: string): Domain;
  find(name: string): Domain | undefined;
  has(name: string): boolean;
  all(): Iterable<Domain>;
  define(def: DomainDef): DomainSummary;
  /** Drops a domain that never came to be (a failed restore or clone). */
  forget(dom: Domain): void;
  require(dom: Domain, allowed: DomainState[], action: string): void;
  /** The definition an image keeps: the live one, without live-only parts. */
  savedDef(name: string): DomainDef;
  /** Runs `work` as the domain's one job (libvirt's job lock). */
  job<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/**
 * A domain's VM as an image and back (virDomainSave, virDomainRestore,
 * virDomainManagedSave, virt-clone), and the restore rules a migration's
 * destination follows too. Captures and restores are mobility.ts's; this
 * is the domain table's side of them.
 */
export class DomainImages {
  constructor(readonly d: ImageDomains) {}

  /** virsh save (#save): one job of the domain. */
  save<T>(
    name: string,
    options: { paused?: boolean; running?: boolean },
    write: (image: VmImage) => T | Promise<T>,
  ): Promise<T> {
    return this.d.job(name, () => this.#save(name, options, write));
  }

  managedSave(name: string, options: { paused?: boolean; running?: boolean } = {}): Promise<void> {
    return this.d.job(name, () => this.#managedSave(name, options));
  }

  clone(
    source: string,
    options: { name: string; snapshot?: string; paused?: boolean },
  ): Promise<DomainSummary> {
    return this.d.job(source, () => this.#clone(source, options));
  }

  /**
   * virsh save: the domain's whole state as a VmImage, handed to `write`
   * (which makes the file) while the VM is still paused in place; only once
   * that worked is the domain shut off (reason saved). A failure leaves
   * the domain as it was. `paused`/`running` record how restore starts it.
   */
  async #save<T>(
    name: string,
    options: { paused?: boolean; running?: boolean },
    write: (image: VmImage) => T | Promise<T>,
  ): Promise<T> {
    const dom = this.d.get(name);
    this.d.require(dom, ['running', 'paused'], 'save');
    const def = this.d.savedDef(name);
    const { memory } = await captureDomain(
      this.d.host,
      this.d.hooks,
      name,
      'saving',
      'stop',
      (vm, machine, wasPaused) =>
        write({
          def,
          machine,
          ...copyPages(this.d.host, vm),
          paused: options.paused ? true : options.running ? false : wasPaused,
        }),
    );
    return memory;
  }

  /**
   * virsh restore: a domain from a VmImage, running or paused. libvirt's
   * rules for names and uuids (virDomainObjListAdd with CHECK_LIVE): an
   * inactive domain with the same name and uuid takes the image's live
   * state; one with the same name but another uuid, or the same uuid but
   * another name, or an active one, refuses; else the domain is transient.
   */
  async restore(
    image: VmImage,
    options: { paused?: boolean; running?: boolean } = {},
  ): Promise<DomainSummary> {
    const paused = options.paused ? true : options.running ? false : image.paused;
    return this.#restoreFrom(
      image.def,
      image.machine,
      { kind: 'pages', gfns: image.gfns, data: image.data },
      paused,
      'restored',
    );
  }

  /**
   * The destination of a live migration (libvirt's Prepare): throws when a
   * domain of this definition cannot come here, by restore's rules.
   */
  checkIncoming(def: DomainDef): void {
    this.#incomingDomain(def);
  }

  /** The destination's Finish: the migrated domain runs here (reason migrated). */
  restoreIncoming(
    def: DomainDef,
    machine: MachineState,
    populate: (p2m: P2m) => void,
    paused: boolean,
  ): Promise<DomainSummary> {
    return this.#restoreFrom(def, machine, { kind: 'populate', populate }, paused, 'migrated');
  }

  /** restore's rules for names and uuids; the existing inactive domain, or undefined. */
  #incomingDomain(def: DomainDef): Domain | undefined {
    if (!NAME.test(def.name))
      throw new VirtError('invalid-arg', `invalid domain name '${quote(def.name)}' in the image`);
    const dom = this.d.find(def.name);
    for (const other of this.d.all())
      if (other !== dom && def.uuid && sameUuid(other.def.uuid!, def.uuid))
        throw new VirtError(
          'domain-exists',
          `operation failed: domain '${other.def.name}' is already defined with uuid ${other.def.uuid}`,
        );
    if (dom && def.uuid && !sameUuid(dom.def.uuid!, def.uuid))
      throw new VirtError(
        'domain-exists',
        `operation failed: domain '${def.name}' already exists with uuid ${dom.def.uuid}`,
      );
    if (dom && dom.vm !== undefined)
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain '${def.name}' is already active`,
      );
    return dom;
  }

  async #restoreFrom(
    def: DomainDef,
    machine: MachineState,
    ram: RamSource,
    paused: boolean,
    reason: StateReason,
  ): Promise<DomainSummary> {
    let dom = this.#incomingDomain(def);
    const created = !dom;
    if (!dom) {
      this.d.define({ ...def });
      dom = this.d.find(def.name)!;
      dom.transient = true;
    }
    const persistent = dom.def;
    dom.def = { ...def, uuid: dom.def.uuid };
    try {
      await restoreDomain(this.d.host, this.d.hooks, dom.def, machine, ram, paused, reason);
    } catch (error) {
      if (created) this.d.forget(dom);
      throw error;
    } finally {
      if (!created) dom.def = persistent;
    }
    return summary(dom);
  }

  /** virsh managedsave: like save, the image kept by the host; the next start resumes from it. */
  async #managedSave(
    name: string,
    options: { paused?: boolean; running?: boolean } = {},
  ): Promise<void> {
    const dom = this.d.get(name);
    if (dom.transient)
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: cannot do managed save for transient domain`,
      );
    dom.managedSave = await this.#save(name, options, (image) => image);
  }

  /** virsh managedsave-remove: drops the managed save image; false if there was none. */
  managedSaveRemove(name: string): boolean {
    const dom = this.d.get(name);
    const had = dom.managedSave !== undefined;
    dom.managedSave = undefined;
    return had;
  }

  hasManagedSave(name: string): boolean {
    return this.d.get(name).managedSave !== undefined;
  }

  /**
   * virt-clone: a new domain with its own name and uuid whose VM starts
   * from the source's state and shares its RAM copy-on-write until either
   * writes. From a named snapshot, or (for an active source) from an
   * instant capture; a shut-off source gives a shut-off clone (its
   * definition only: there are no disks to copy).
   */
  async #clone(
    source: string,
    options: { name: string; snapshot?: string; paused?: boolean },
  ): Promise<DomainSummary> {
    const dom = this.d.get(source);
    if (this.d.has(options.name))
      throw new VirtError(
        'domain-exists',
        `operation failed: domain '${options.name}' already exists with uuid ${this.d.find(options.name)!.def.uuid}`,
      );
    let machine: MachineState | undefined;
    let frames: FrameSnapshot | undefined;
    let ownFrames = false;
    let def: DomainDef;
    if (options.snapshot !== undefined) {
      const snap = getSnapshot(dom.snapshots, options.snapshot);
      ({ machine, frames, def } = snap);
    } else {
      def = this.d.savedDef(source);
      if (dom.vm !== undefined) {
        const captured = await captureDomain(
          this.d.host,
          this.d.hooks,
          source,
          'creating snapshot',
          'resume',
          (vm) => this.d.host.snapshotMemory(vm),
        );
        machine = captured.machine;
        frames = captured.memory;
        ownFrames = true;
      }
    }
    try {
      // virt-clone: a new uuid, MAC and generation id (the clone's own, whichever way it starts).
      const { uuid: _uuid, genid: _genid, ...rest } = def;
      const summaryNew = this.d.define({ ...rest, name: options.name, title: def.title });
      if (!machine || !frames) return summaryNew;
      const clone = this.d.find(options.name)!;
      await restoreDomain(
        this.d.host,
        this.d.hooks,
        clone.def,
        machine,
        { kind: 'frames', frames },
        !!options.paused,
        'restored',
      ).catch((error: unknown) => {
        this.d.forget(clone);
        throw error;
      });
      return summary(clone);
    } finally {
      if (ownFrames && frames) this.d.host.releaseSnapshotFrames(frames);
    }
  }
}
