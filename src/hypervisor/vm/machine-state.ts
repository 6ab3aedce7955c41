import type { CpuEngine } from './boot';

/**
 * The whole state of a stopped-in-place VM except its RAM, as the host
 * captures it (host.ts captureMachine) and restores it (restoreVm): what
 * QEMU's migration stream carries in its device sections (vmstate), and
 * KVM's KVM_GET_ONE_REG / KVM_GET_IRQCHIP. The save-image format, the
 * snapshots and live migration all carry one of these plus the RAM.
 *
 * Binary parts are byte copies of the shared layouts documented in
 * ARCHITECTURE.md (hart state, PLIC, CLINT); `devices` is plain JSON from
 * the VMM's device models (their saveState methods).
 */
export interface MachineState {
  /** MACHINE_STATE_VERSION of the writer. */
  version: number;
  harts: number;
  memoryMiB: number;
  /** Linux guest with SBI by the hypervisor (false: bare-metal M-mode program). */
  sbi: boolean;
  engine: CpuEngine;
  htif?: { tohost: number; fromhost?: number };
  /** The VM's mtime (VIRT.TIMEBASE_HZ ticks) when captured: it continues from here on restore. */
  mtime: number;
  /** cpu/hart-state.ts layout, HART_STATE_BYTES per hart. */
  hartStates: Uint8Array;
  /** devices/plic.ts and devices/clint.ts shared layouts. */
  plic: Uint8Array;
  clint: Uint8Array;
  /** The virtio-balloon's shared words (vm-shared.ts BAL.*), when the VM has a balloon. */
  balloon?: { deflateOnOom: boolean; freePageReporting: boolean; words: number[] };
  /** The VMM's device models (host/vmm-state.ts VmmDeviceState). */
  devices: VmmDeviceState;
}

/** A JSON value (device states must survive JSON.stringify / parse unchanged). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The VMM worker's devices, each as its saveState returned it. */
export interface VmmDeviceState {
  uart: Json;
  rtc: Json;
  pvpanic: Json;
  /** The VM generation id the guest was last given (devices/vmgenid.ts); absent in older saves. */
  vmgenid?: Json;
  /** One per virtio-mmio slot (null for an empty slot). */
  virtio: Json[];
}

export const MACHINE_STATE_VERSION = 1;

/**
 * A VM's RAM as frames the host holds for a snapshot (host.ts
 * snapshotMemory): per guest frame, a host frame the snapshot holds one
 * reference on, or P2M.UNBACKED / P2M.BALLOONED. The running VM maps the
 * same frames write-protected, so either side's write takes a private copy
 * (copy-on-write) and the snapshot's content never changes.
 */
export interface FrameSnapshot {
  pages: number;
  frames: Int32Array;
}
