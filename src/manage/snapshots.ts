import { forEachSnapshotPage } from '../hypervisor/host/vm-snapshot';
import type { FramePool } from '../hypervisor/memory/frame-pool';
import { PAGE_SIZE } from '../hypervisor/memory/host-memory';
import type { FrameSnapshot, MachineState } from '../hypervisor/vm/machine-state';
import type { DomainDef, SnapshotInfo } from './control-api';
import { VirtError } from './errors';
import type { VmImage } from './mobility';
import { escapeXmlText } from './xml/xml-parser';

/**
 * A domain's internal snapshot (libvirt's virDomainMomentObj with QEMU's
 * savevm): the definition it was taken with and, for an active domain, its
 * machine state and RAM. The RAM is the VM's own frames, held by the
 * snapshot and shared copy-on-write with the running VM (host.ts
 * snapshotMemory), so taking one copies nothing.
 */
export interface DomainSnapshot {
  name: string;
  description?: string;
  /** Seconds since the Unix epoch (libvirt's creationTime). */
  creationTime: number;
  /** The domain's state when taken (virDomainSnapshotState's words). */
  state: 'running' | 'paused' | 'shutoff';
  parent?: string;
  def: DomainDef;
  machine?: MachineState;
  frames?: FrameSnapshot;
}

/** libvirt's snapshot names: any text but '/' and not empty (virDomainSnapshotDefParse). */
export function checkSnapshotName(name: string): void {
  if (name === '' || name.includes('/') || name.length > 255)
    throw new VirtError(
      'invalid-arg',
      `invalid snapshot name '${name}': give 1 to 255 characters, no '/'`,
    );
}

export function getSnapshot(snapshots: Map<string, DomainSnapshot>, name: string): DomainSnapshot {
  const snap = snapshots.get(name);
  if (!snap)
    throw new VirtError(
      'no-snapshot',
      `Domain snapshot not found: no domain snapshot with matching name '${name}'`,
    );
  return snap;
}

/** The snapshot as the control API reports it (snapshot-list, snapshot-info). */
export function snapshotInfo(
  snapshots: Map<string, DomainSnapshot>,
  snap: DomainSnapshot,
  current: string | undefined,
): SnapshotInfo {
  const children = [...snapshots.values()].filter((s) => s.parent === snap.name).length;
  let descendants = 0;
  const walk = (name: string) => {
    for (const s of snapshots.values())
      if (s.parent === name) {
        descendants++;
        walk(s.name);
      }
  };
  walk(snap.name);
  return {
    name: snap.name,
    ...(snap.description ? { description: snap.description } : {}),
    creationTime: snap.creationTime,
    state: snap.state,
    ...(snap.parent ? { parent: snap.parent } : {}),
    current: snap.name === current,
    children,
    descendants,
    memoryPages: snap.frames ? snap.frames.frames.filter((f) => f >= 0).length : 0,
  };
}

/**
 * `virsh snapshot-dumpxml` (libvirt's virDomainSnapshotDefFormat): the
 * snapshot's own elements, then the domain definition it was taken with
 * (empty: left out, as with --no-domain).
 */
export function snapshotXml(snap: SnapshotInfo, domainXml: string): string {
  const lines = ['<domainsnapshot>', `  <name>${escapeXmlText(snap.name)}</name>`];
  if (snap.description)
    lines.push(`  <description>${escapeXmlText(snap.description)}</description>`);
  lines.push(`  <state>${snap.state}</state>`);
  if (snap.parent)
    lines.push('  <parent>', `    <name>${escapeXmlText(snap.parent)}</name>`, '  </parent>');
  lines.push(`  <creationTime>${snap.creationTime}</creationTime>`);
  lines.push(`  <memory snapshot='${snap.state === 'shutoff' ? 'no' : 'internal'}'/>`);
  if (domainXml) for (const line of domainXml.trimEnd().split('\n')) lines.push(`  ${line}`);
  lines.push('</domainsnapshot>');
  return lines.join('\n') + '\n';
}

/**
 * A snapshot as a whole VM held outside the host (ours: snapshot-save), so
 * it can be written as a save image and restored anywhere. Its pages are
 * copied out now, so a later snapshot-delete cannot pull frames from under
 * a file being written.
 */
export function snapshotImage(snap: DomainSnapshot, uuid: string, pool: FramePool): VmImage {
  if (!snap.machine || !snap.frames)
    throw new VirtError(
      'operation-invalid',
      `Requested operation is not valid: snapshot '${snap.name}' was taken while the domain was shut off, so it holds no machine state or memory to save`,
    );
  const gfns: number[] = [];
  const pages: Uint8Array[] = [];
  forEachSnapshotPage(snap.frames, pool, (gfn, bytes) => {
    gfns.push(gfn);
    pages.push(bytes);
  });
  const data = new Uint8Array(pages.length * PAGE_SIZE);
  pages.forEach((bytes, i) => data.set(bytes, i * PAGE_SIZE));
  return {
    def: { ...snap.def, uuid },
    machine: snap.machine,
    gfns: Int32Array.from(gfns),
    data,
    paused: snap.state === 'paused',
  };
}
