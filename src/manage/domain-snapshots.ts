import type { Host } from '../hypervisor/host/host';
import type { DomainDef, DomainState, SnapshotInfo, StateReason } from './control-api';
import type { Domain } from './domain-record';
import { captureDomain, restoreDomain, type DomainHooks, type VmImage } from './mobility';
import {
  checkSnapshotName,
  getSnapshot,
  snapshotImage,
  snapshotInfo,
  type DomainSnapshot,
} from './snapshots';
import { VirtError } from './errors';

/** What the snapshot operations need of the domain table (domains.ts builds it). */
export interface SnapshotDomains {
  host: Host;
  hooks: DomainHooks;
  get(name: string): Domain;
  set(dom: Domain, state: DomainState, reason: StateReason, detail?: string): void;
  /** The definition a snapshot keeps: the live one, without live-only parts. */
  savedDef(name: string): DomainDef;
  start(name: string, options: { paused?: boolean }): Promise<void>;
  /** Runs `work` as the domain's one job (libvirt's job lock). */
  job<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/**
 * libvirt's internal snapshots of a domain (virDomainSnapshot*: QEMU's
 * savevm/loadvm): create, list, info, dumpxml, revert, delete, and ours,
 * the image for snapshot-save. The snapshots live on the domain record.
 */
export class DomainSnapshots {
  constructor(readonly d: SnapshotDomains) {}

  /** virsh snapshot-create-as, as one job of the domain. */
  create(
    name: string,
    options: { name?: string; description?: string; halt?: boolean } = {},
  ): Promise<SnapshotInfo> {
    return this.d.job(name, () => this.#create(name, options));
  }

  /** virsh snapshot-revert, as one job of the domain. */
  revert(
    name: string,
    snapshot: string,
    options: { running?: boolean; paused?: boolean } = {},
  ): Promise<void> {
    return this.d.job(name, () => this.#revert(name, snapshot, options));
  }

  /**
   * virsh snapshot-create-as: an internal snapshot. An active domain is
   * paused for the instant of the capture; its RAM is shared with the
   * snapshot copy-on-write. A shut-off domain's snapshot holds only its
   * definition (there are no disks to snapshot).
   */
  async #create(
    name: string,
    options: { name?: string; description?: string; halt?: boolean } = {},
  ): Promise<SnapshotInfo> {
    const dom = this.d.get(name);
    const snapName = options.name ?? String(Math.floor(Date.now() / 1000));
    checkSnapshotName(snapName);
    if (dom.snapshots.has(snapName))
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain snapshot '${snapName}' already exists`,
      );
    const def = this.d.savedDef(name);
    const snap: DomainSnapshot = {
      name: snapName,
      ...(options.description ? { description: options.description } : {}),
      creationTime: Math.floor(Date.now() / 1000),
      state: dom.state === 'running' ? 'running' : dom.state === 'paused' ? 'paused' : 'shutoff',
      ...(dom.currentSnapshot ? { parent: dom.currentSnapshot } : {}),
      def,
    };
    if (dom.vm !== undefined) {
      const { machine, memory } = await captureDomain(
        this.d.host,
        this.d.hooks,
        name,
        'creating snapshot',
        options.halt ? 'stop' : 'resume',
        (vm) => this.d.host.snapshotMemory(vm),
      );
      snap.machine = machine;
      snap.frames = memory;
      if (options.halt) this.d.set(dom, 'shut off', 'from snapshot');
    }
    dom.snapshots.set(snapName, snap);
    dom.currentSnapshot = snapName;
    return snapshotInfo(dom.snapshots, snap, dom.currentSnapshot);
  }

  list(name: string): SnapshotInfo[] {
    const dom = this.d.get(name);
    return [...dom.snapshots.values()].map((s) =>
      snapshotInfo(dom.snapshots, s, dom.currentSnapshot),
    );
  }

  info(name: string, snapshot: string): SnapshotInfo {
    const dom = this.d.get(name);
    return snapshotInfo(dom.snapshots, getSnapshot(dom.snapshots, snapshot), dom.currentSnapshot);
  }

  /** The snapshot and the definition it holds (snapshot-dumpxml formats them). */
  def(
    name: string,
    snapshot: string,
  ): { snapshot: SnapshotInfo; def: DomainDef & { uuid: string } } {
    const dom = this.d.get(name);
    const snap = getSnapshot(dom.snapshots, snapshot);
    return {
      snapshot: snapshotInfo(dom.snapshots, snap, dom.currentSnapshot),
      def: { ...snap.def, uuid: dom.def.uuid! },
    };
  }

  /** A snapshot's whole VM, copied out for a save image (save-file.ts snapshotToFile). */
  image(name: string, snapshot: string): VmImage {
    const dom = this.d.get(name);
    return snapshotImage(getSnapshot(dom.snapshots, snapshot), dom.def.uuid!, this.d.host.frames);
  }

  /**
   * virsh snapshot-revert: the domain returns to the snapshot's state. An
   * active snapshot's VM is rebuilt from its machine state over its frames
   * (shared copy-on-write again, so the snapshot stays intact for another
   * revert); the current VM, if any, is discarded. `running`/`paused`
   * override the snapshot's own state.
   */
  async #revert(
    name: string,
    snapshot: string,
    options: { running?: boolean; paused?: boolean } = {},
  ): Promise<void> {
    const dom = this.d.get(name);
    const snap = getSnapshot(dom.snapshots, snapshot);
    if (dom.vm !== undefined) {
      dom.restarting = true;
      try {
        await this.d.host.destroyVm(dom.vm);
      } finally {
        dom.restarting = false;
      }
      dom.id = null;
    }
    dom.def = { ...snap.def, uuid: dom.def.uuid };
    dom.currentSnapshot = snap.name;
    if (!snap.machine || !snap.frames) {
      this.d.set(dom, 'shut off', 'from snapshot');
      if (options.running || options.paused) await this.d.start(name, { paused: options.paused });
      return;
    }
    const paused = options.paused ? true : options.running ? false : snap.state === 'paused';
    try {
      await restoreDomain(
        this.d.host,
        this.d.hooks,
        dom.def,
        snap.machine,
        { kind: 'frames', frames: snap.frames },
        paused,
        'from snapshot',
      );
    } catch (error) {
      this.d.set(dom, 'shut off', 'failed', (error as Error).message);
      throw error;
    }
    if (paused) this.d.set(dom, 'paused', 'from snapshot');
  }

  /** virsh snapshot-delete: its frames are released; its children move up to its parent (libvirt's default). */
  delete(name: string, snapshot: string, options: { children?: boolean } = {}): string[] {
    const dom = this.d.get(name);
    const snap = getSnapshot(dom.snapshots, snapshot);
    const gone = [snap.name];
    if (options.children) {
      const walk = (parent: string) => {
        for (const s of dom.snapshots.values())
          if (s.parent === parent) {
            gone.push(s.name);
            walk(s.name);
          }
      };
      walk(snap.name);
    } else {
      for (const s of dom.snapshots.values()) if (s.parent === snap.name) s.parent = snap.parent;
    }
    for (const n of gone) {
      const s = dom.snapshots.get(n)!;
      if (s.frames) this.d.host.releaseSnapshotFrames(s.frames);
      dom.snapshots.delete(n);
      if (dom.currentSnapshot === n) dom.currentSnapshot = snap.parent;
    }
    return gone;
  }
}
