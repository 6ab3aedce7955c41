import type { Host } from '../hypervisor/host/host';
import { HostError } from '../hypervisor/host/host';
import { writePage } from '../hypervisor/host/vm-snapshot';
import { genidBytes } from '../hypervisor/devices/vmgenid';
import type { VmShared } from '../hypervisor/host/vm-shared';
import type { P2m } from '../hypervisor/memory/p2m';
import { PAGE_SIZE } from '../hypervisor/memory/host-memory';
import type { FrameSnapshot, MachineState } from '../hypervisor/vm/machine-state';
import type { DomainDef, DomainState, StateReason } from './control-api';
import { domainEngine } from './control-api';
import { VirtError } from './errors';

/**
 * A whole VM held outside the host (virsh save, managedsave, a migration's
 * payload): the definition it ran with, its machine state, and its touched
 * RAM, page by page. Files carry it in the save-image format.
 */
export interface VmImage {
  def: DomainDef;
  machine: MachineState;
  /** Guest frame numbers of the pages in `data`, ascending. */
  gfns: Int32Array | Uint32Array;
  /** PAGE_SIZE bytes per entry of gfns. */
  data: Uint8Array;
  /** It was paused when captured (restore starts it paused unless told otherwise). */
  paused: boolean;
}

/** What a capture leaves behind: the domain stopped (save), running again (snapshot), or paused. */
export type AfterCapture = 'stop' | 'resume' | 'pause';

/** The domain layer's hooks the mobility operations use (domains.ts implements them). */
export interface DomainHooks {
  state(name: string): { state: DomainState; reason: StateReason; vm?: number };
  set(name: string, state: DomainState, reason: StateReason, detail?: string): void;
  /** The next stop of its VM shows this state instead of "shut off (destroyed)". */
  stopAs(name: string, state: DomainState, reason: StateReason): void;
  /** A restored VM becomes the domain's running VM (id, live config, tuning). */
  adopt(name: string, shared: VmShared): void;
}

/**
 * Captures a running or paused domain's VM: pauses it (reason `saving` or
 * `creating snapshot`), waits until no vCPU runs, takes the machine state
 * with the devices frozen, then `memory` reads the RAM at that instant
 * (and, for a save, writes the image: the VM is stopped only once that
 * worked). Afterwards the VM is stopped, resumed (if it ran) or left
 * paused. On a failure the domain goes back to how it was, losing nothing.
 */
export async function captureDomain<T>(
  host: Host,
  hooks: DomainHooks,
  name: string,
  purpose: 'saving' | 'creating snapshot' | 'migrating',
  after: AfterCapture,
  memory: (vm: number, machine: MachineState, wasPaused: boolean) => T | Promise<T>,
): Promise<{ machine: MachineState; memory: T; wasPaused: boolean }> {
  const before = hooks.state(name);
  if ((before.state !== 'running' && before.state !== 'paused') || before.vm === undefined)
    throw new VirtError(
      'operation-invalid',
      `Requested operation is not valid: domain '${name}' is not running`,
    );
  const vm = before.vm;
  const wasPaused = before.state === 'paused';
  hooks.set(name, 'paused', purpose);
  let machine: MachineState;
  let mem: T;
  try {
    await host.quiesceVm(vm);
    machine = await host.captureMachine(vm);
    mem = await memory(vm, machine, wasPaused);
  } catch (error) {
    if (hooks.state(name).vm === vm) {
      host.thawVm(vm);
      if (!wasPaused) host.resumeVm(vm);
      hooks.set(name, before.state, before.reason);
    }
    throw hostToVirt(error);
  }
  if (after === 'stop') {
    hooks.stopAs(name, 'shut off', 'saved');
    await host.destroyVm(vm);
  } else {
    host.thawVm(vm);
    if (after === 'resume' && !wasPaused) {
      host.resumeVm(vm);
      hooks.set(name, before.state, before.reason);
    } else {
      hooks.set(name, 'paused', wasPaused ? before.reason : 'user');
    }
  }
  return { machine, memory: mem, wasPaused };
}

/** Copies a quiesced VM's backed pages (the zero frame left out) into one VmImage body. */
export function copyPages(host: Host, vm: number): { gfns: Int32Array; data: Uint8Array } {
  let count = 0;
  host.forEachGuestPage(vm, () => count++);
  const gfns = new Int32Array(count);
  const data = new Uint8Array(count * PAGE_SIZE);
  let i = 0;
  host.forEachGuestPage(vm, (gfn, bytes) => {
    if (i === count) return;
    gfns[i] = gfn;
    data.set(bytes, i * PAGE_SIZE);
    i++;
  });
  return { gfns: gfns.subarray(0, i), data: data.subarray(0, i * PAGE_SIZE) };
}

/** Where a restored VM's RAM comes from: pages to copy, or snapshot frames to share copy-on-write. */
export type RamSource =
  | { kind: 'pages'; gfns: Int32Array | Uint32Array; data: Uint8Array }
  | { kind: 'frames'; frames: FrameSnapshot }
  /** Already in host frames (a migration's IncomingRam): `populate` maps them into the new p2m. */
  | { kind: 'populate'; populate: (p2m: P2m) => void };

/**
 * Builds and starts a VM for domain `def.name` from a machine state and
 * its RAM, and makes it the domain's running VM, paused or not. The
 * domain record must exist and be inactive. Any failure leaves the host
 * without the VM and rethrows as a VirtError.
 */
export async function restoreDomain(
  host: Host,
  hooks: DomainHooks,
  def: DomainDef,
  machine: MachineState,
  ram: RamSource,
  paused: boolean,
  reason: StateReason,
): Promise<void> {
  // Started from a copy of its state (a file, a snapshot, a clone, quick boot), the VM may
  // be one of several: a new generation id, and its guest reseeds its RNG (devices/vmgenid.ts).
  // A migrated VM is the same VM, moved.
  if (reason !== 'migrated') def.genid = crypto.randomUUID();
  let shared: VmShared;
  try {
    shared = host.restoreVm(
      def.name,
      machine,
      {
        mergeable: def.mergeable !== false,
        engine: domainEngine(def.type),
        genid: def.genid ? genidBytes(def.genid) : undefined,
      },
      (p2m) => {
        if (ram.kind === 'frames') {
          host.mapSnapshotFrames(p2m, ram.frames);
          return;
        }
        if (ram.kind === 'populate') {
          ram.populate(p2m);
          return;
        }
        if (ram.data.length !== ram.gfns.length * PAGE_SIZE)
          throw new RangeError('page data does not match the page list');
        for (let i = 0; i < ram.gfns.length; i++) {
          const ok = writePage(
            p2m,
            ram.gfns[i],
            ram.data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE),
          );
          if (!ok)
            throw new HostError(
              'out-of-resources',
              'not enough free host memory for the saved RAM',
            );
        }
      },
    );
  } catch (error) {
    throw hostToVirt(error);
  }
  hooks.adopt(def.name, shared);
  if (paused) host.pauseVm(shared.vm);
  try {
    await host.startVm(shared.vm);
  } catch (error) {
    throw hostToVirt(error);
  }
  hooks.set(def.name, paused ? 'paused' : 'running', paused ? 'user' : reason);
}

function hostToVirt(error: unknown): unknown {
  if (error instanceof HostError)
    return new VirtError(
      error.code === 'out-of-resources'
        ? 'no-resources'
        : error.code === 'invalid-state'
          ? 'operation-failed'
          : 'invalid-arg',
      error.message,
    );
  return error;
}
