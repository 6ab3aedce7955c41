import type { MachineState } from '../../hypervisor/vm/machine-state';

/**
 * What the source job needs from its host (host.ts, reached through the
 * domain table): KVM's dirty log, guest page reads, pause and capture.
 * `host-ports.ts` implements it over a real Host; tests may use doubles.
 */
export interface SourceHostPort {
  readonly pages: number;
  /** Guest frames that hold a host frame now (round 0 sends these; the rest read as zeroes). */
  backedPages(): Int32Array;
  /** Copies guest frame `gfn` into `into` (4096 bytes); false when it reads as zeroes (unbacked). */
  readPage(gfn: number, into: Uint8Array): boolean;
  startDirtyLog(): void;
  collectDirtyLog(): Int32Array;
  stopDirtyLog(): void;
  /** Pauses the VM and resolves once no vCPU runs (Host.quiesceVm). */
  pause(): Promise<void>;
  /** Resumes the VM (and thaws its devices after a capture). */
  resume(): void;
  /** The paused VM's state besides RAM; its devices stay frozen until resume or destroy. */
  capture(): Promise<MachineState>;
  /** Caps every vCPU at 100 − percent % of a pCPU (auto-converge); 0 restores the domain's own tuning. */
  throttle(percent: number): void;
  /** The migration finished: the source's copy goes (libvirt destroys it after Confirm). */
  destroy(): Promise<void>;
}

/** What the destination job needs from its host: check, receive RAM, build and run the incoming domain. */
export interface DestinationHostPort {
  /** Why a domain of this XML cannot come here (a name or UUID in use, no room), or undefined. */
  prepare(domainXml: string, memoryMiB: number): string | undefined;
  /**
   * Stores a page of the incoming RAM as it arrives (null: zeroes), a later
   * copy replacing an earlier one; throws when the host has no room.
   */
  putPage(gfn: number, bytes: Uint8Array | null): void;
  /**
   * Defines the domain from `domainXml`, builds its VM from `state` and the
   * pages received, and starts it (paused if the source's was).
   */
  restore(domainXml: string, state: MachineState, paused: boolean): Promise<void>;
  /** The migration failed or was cancelled: drop every page received. */
  discard(): void;
}
