import type { MachineState } from '../../hypervisor/vm/machine-state';

/**
 * The migration stream between a source and a destination host, in one
 * place (QEMU's migration stream sections and libvirt's Begin/Prepare/
 * Perform/Finish/Confirm phases folded into messages). Every message is
 * structured-cloneable; `wire-codec.ts` turns one into bytes for a socket.
 *
 * Order on a successful migration (source → destination unless noted):
 *   begin → (ready ←) → pages… (ack ← for each) → round-stats after each round →
 *   pages of the final round → device-state → (running ←)
 * Either side may send `abort` (the job is cancelled: the destination
 * discards what it received, the source keeps running) or `error` (the
 * same, with a reason) at any time before `running`.
 */
export type MigrationMessage =
  /** libvirt's Begin: what the destination must prepare (qemuMigrationSrcBegin). */
  | {
      kind: 'begin';
      protocol: number;
      /** The domain's XML as dumpxml writes it (formatDomainXml). */
      domainXml: string;
      name: string;
      memoryMiB: number;
      pageSize: number;
    }
  /** Prepare succeeded: the destination can take the domain (qemuMigrationDstPrepare). */
  | { kind: 'ready' }
  /**
   * A batch of guest pages (QEMU's RAM_SAVE_FLAG_PAGE / _ZERO): `gfns[i]`
   * is a normal page when `zero` bit i is clear, its bytes the next 4096 of
   * `data`; a set bit is a page of zeroes (a constant page, or unbacked)
   * and takes no bytes.
   */
  | {
      kind: 'pages';
      seq: number;
      round: number;
      gfns: Int32Array;
      zero: Uint8Array;
      data: Uint8Array;
    }
  /** The destination stored batch `seq` (flow control: the source keeps a window of batches in flight). */
  | { kind: 'ack'; seq: number }
  /** The end of a pre-copy round, for the destination's job info. */
  | { kind: 'round-stats'; round: number; pages: number; dirtyPages: number; throttle: number }
  /** Stop-and-copy is done: the VM's state besides its RAM (QEMU's device sections). */
  | { kind: 'device-state'; state: MachineState; paused: boolean }
  /** The destination runs the domain (libvirt's Finish): the source may now destroy its copy. */
  | { kind: 'running' }
  /** The job was cancelled (domjobabort) by the side that sends it. */
  | { kind: 'abort' }
  /**
   * The side that sends it failed; `lost` marks one a transport made up
   * because the connection broke (the peer said nothing: after the device
   * state it may be running the domain).
   */
  | { kind: 'error'; message: string; lost?: boolean };

export type MigrationMessageKind = MigrationMessage['kind'];

/** Version of this message set; a destination refuses a begin of another. */
export const MIGRATION_PROTOCOL = 1;
