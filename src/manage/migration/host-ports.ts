import { HostError } from '../../hypervisor/host/host';
import { IncomingRam } from '../../hypervisor/host/incoming-ram';
import type { VmShared } from '../../hypervisor/host/vm-shared';
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import type { FramePool } from '../../hypervisor/memory/frame-pool';
import type { P2m } from '../../hypervisor/memory/p2m';
import type { CpuEngine } from '../../hypervisor/vm/boot';
import type { MachineState } from '../../hypervisor/vm/machine-state';
import type { DestinationHostPort, SourceHostPort } from './ports';

/**
 * The Host methods a migration source uses (host/host.ts): KVM's dirty log
 * and page reads, and the pause/capture of save and snapshots.
 */
export interface MigratableHost {
  startDirtyLog(vm: number): void;
  collectDirtyLog(vm: number): Int32Array;
  stopDirtyLog(vm: number): void;
  readGuestPage(vm: number, gfn: number, into: Uint8Array): boolean;
  backedGuestPages(vm: number): Int32Array;
  quiesceVm(vm: number): Promise<void>;
  captureMachine(vm: number): Promise<MachineState>;
  thawVm(vm: number): void;
  resumeVm(vm: number): void;
  destroyVm(vm: number): Promise<unknown>;
  setVcpuParams(vm: number, vcpu: number, params: { quotaUs?: number; periodUs?: number }): void;
}

/** The domain's own CPU bandwidth (cputune), restored when auto-converge lets go. */
export interface OwnBandwidth {
  vcpus: number;
  quotaUs: number;
  periodUs: number;
}

/**
 * The source port over a real Host. Auto-converge's throttle is the
 * scheduler's CPU bandwidth control (cgroup cpu.max, what a vCPU thread's
 * quota is in libvirt): quota = period × (100 − throttle) %, never above
 * the domain's own quota. QEMU instead makes each vCPU sleep that share of
 * its time (cpu_throttle_thread); either way the guest runs, and dirties,
 * that much less.
 */
export function hostSourcePort(
  host: MigratableHost,
  vm: number,
  pages: number,
  own: OwnBandwidth,
): SourceHostPort {
  const setQuota = (quotaUs: number, periodUs: number) => {
    for (let v = 0; v < own.vcpus; v++) host.setVcpuParams(vm, v, { quotaUs, periodUs });
  };
  return {
    pages,
    backedPages: () => host.backedGuestPages(vm),
    readPage: (gfn, into) => host.readGuestPage(vm, gfn, into),
    startDirtyLog: () => host.startDirtyLog(vm),
    collectDirtyLog: () => host.collectDirtyLog(vm),
    stopDirtyLog: () => host.stopDirtyLog(vm),
    pause: () => host.quiesceVm(vm),
    resume() {
      host.thawVm(vm);
      host.resumeVm(vm);
    },
    capture: () => host.captureMachine(vm),
    throttle(percent) {
      if (percent === 0) return setQuota(own.quotaUs, own.periodUs);
      const period = own.periodUs;
      let quota = Math.max(1000, Math.round((period * (100 - percent)) / 100));
      if (own.quotaUs > 0) quota = Math.min(quota, own.quotaUs);
      setQuota(quota, period);
    },
    destroy: async () => {
      await host.destroyVm(vm);
    },
  };
}

/** The Host members a migration destination uses. */
export interface RestoringHost {
  readonly frames: FramePool;
  restoreVm(
    name: string,
    state: MachineState,
    options: { mergeable?: boolean; engine?: CpuEngine },
    populate: (p2m: P2m) => void,
  ): VmShared;
  startVm(vm: number): Promise<void>;
  pauseVm(vm: number): void;
  prewarmVmm(): void;
}

/**
 * The destination port over a bare Host (no domain table): refuses a guest
 * larger than the host's free memory, keeps the pages in host frames as
 * they arrive (IncomingRam), builds the VM from the machine state with
 * those frames mapped, and starts it; `onRunning` gets its VmShared.
 */
export function hostDestinationPort(
  host: RestoringHost,
  name: string,
  onRunning: (shared: VmShared) => void,
  options: { mergeable?: boolean; engine?: CpuEngine } = {},
): DestinationHostPort {
  let ram: IncomingRam | undefined;
  return {
    prepare(_xml, memoryMiB) {
      const free = (host.frames.freeFrames * PAGE_SIZE) >> 20;
      if (memoryMiB > free)
        return `not enough free host memory for a ${memoryMiB} MiB guest (${free} MiB free)`;
      ram = new IncomingRam(host.frames, (memoryMiB << 20) / PAGE_SIZE);
      host.prewarmVmm();
      return undefined;
    },
    putPage(gfn, bytes) {
      if (!ram) throw new Error('pages before prepare');
      if (!ram.put(gfn, bytes))
        throw new HostError('out-of-resources', 'not enough free host memory for the migrated RAM');
    },
    async restore(_xml, state, paused) {
      if (!ram) throw new Error('restore before prepare');
      const incoming = ram;
      const shared = host.restoreVm(name, state, options, (p2m) => incoming.adopt(p2m));
      if (paused) host.pauseVm(shared.vm);
      await host.startVm(shared.vm);
      onRunning(shared);
    },
    discard: () => ram?.release(),
  };
}
