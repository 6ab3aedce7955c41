import type { DomainDef, DomainState, DomainSummary, StateReason } from './control-api';
import type { VmImage } from './mobility';
import type { DomainSnapshot } from './snapshots';

/** One domain of the domain table (domains.ts): its definition, state and what it holds. */
export interface Domain {
  def: DomainDef;
  state: DomainState;
  reason: StateReason;
  detail?: string;
  /** The host VM while running or paused. */
  vm?: number;
  /** libvirt domain id while active. */
  id: number | null;
  /** Per vCPU pinning mask (-1 = any pCPU), kept across restarts. */
  pins: number[];
  /**
   * The definition pins to pCPUs this host lacks: `pins` holds only the
   * host's part (for vcpuinfo) and the definition's cpulists stand; start
   * resolves them or refuses (start-checks.ts).
   */
  pinsPending?: boolean;
  /** A reset or reboot is replacing its VM: the old VM's stop is not a state change. */
  restarting?: boolean;
  /** Scheduler slots of the running VM's vCPUs. */
  slots?: number[];
  /** Created with `create` (or undefined while running): the definition goes when the domain stops. */
  transient?: boolean;
  /** libvirt's autostart flag (virDomainSetAutostart). */
  autostart?: boolean;
  /**
   * While active: the running domain's own definition and pinning (libvirt's
   * live config), copied from `def`/`pins` (the persistent config) at boot.
   * Changes with the live flag go here; with config, to def/pins.
   */
  live?: { def: DomainDef; pins: number[] };
  /** The next stop of its VM shows this state, not "shut off (destroyed)" (save, migration). */
  stopAs?: [DomainState, StateReason];
  /** virsh managedsave: the state `start` resumes from (then drops). */
  managedSave?: VmImage;
  /** Its snapshots (virsh snapshot-*), kept while the host lives, and the current one's name. */
  snapshots: Map<string, DomainSnapshot>;
  currentSnapshot?: string;
}

/** libvirt's domain names: a letter or digit, then letters, digits, '_', '.', '-' (64 at most). */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What list() reports of a domain. */
export function summary(dom: Domain): DomainSummary {
  const out: DomainSummary = {
    id: dom.id,
    name: dom.def.name,
    state: dom.state,
    reason: dom.reason,
    vcpuSlots: dom.slots,
    persistent: !dom.transient,
    uuid: dom.def.uuid!,
  };
  if (dom.autostart) out.autostart = true;
  return out;
}

/** uuids compare as 128-bit numbers: case and dashes do not matter. */
export function sameUuid(a: string, b: string): boolean {
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/** A definition for an image or snapshot: without the live-only vcpupin table domainDef adds. */
export function stripLive(def: DomainDef & { vcpupin?: Record<number, string> }): DomainDef {
  const { vcpupin, ...rest } = def;
  return vcpupin && Object.keys(vcpupin).length ? { ...rest, vcpupin } : rest;
}
