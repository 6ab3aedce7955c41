/**
 * The contract between a virtio transport and a virtio device type
 * (STYLE.md §2: the transport owns every register; a device declares its id,
 * features, queues and config, and handles queue notifications).
 */
import type { SplitQueue } from './split-queue';
import type { Json } from '../../vm/machine-state';

/** Device status bits (VIRTIO 1.2 §2.1). */
export const VIRTIO_STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

/** Reserved (device-independent) feature bits (VIRTIO 1.2 §6). */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_RING_RESET = 40;

/** The feature mask with bit `bit` set. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** What the transport offers a device. */
export interface VirtioTransport {
  /**
   * The driver's feature bits as written so far; final (and accepted) once
   * `featuresOk`. Queue roles that depend on features are decided from it.
   */
  readonly features: bigint;
  readonly featuresOk: boolean;
  readonly driverOk: boolean;
  /** Queue `index` if QueueReady is 1 and its ring is not broken. */
  queue(index: number): SplitQueue | undefined;
  /** After pushing to queue `index`: raises the used buffer notification if the ring asks for one. */
  signalUsed(index: number): void;
  /** The device changed its configuration space (§2.5): new ConfigGeneration, and a notification once DRIVER_OK. */
  signalConfigChange(): void;
}

/** A virtio device type behind a transport. */
export interface VirtioDevice {
  /** VIRTIO 1.2 §5: 5 for the traditional balloon. */
  readonly deviceId: number;
  /**
   * Device-type feature bits (0–23, plus any of 24–63 it implements, e.g.
   * VIRTIO_F_RING_RESET). The transport adds VERSION_1, INDIRECT_DESC and
   * EVENT_IDX.
   */
  readonly features: bigint;
  /** How many queue indices QueueSel can address. */
  readonly queueCount: number;
  /** QueueSizeMax for `index`; 0 if that queue does not exist (for the features negotiated). */
  queueMaxSize(index: number): number;
  /** Device configuration space (§2.5), little-endian; offset from its start. */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, value: number, size: 1 | 2 | 4): void;
  /** Called once, by the transport's constructor. */
  attach(transport: VirtioTransport): void;
  /** The driver notified queue `index` (ready, ring not broken). Must not throw on guest data. */
  notify(index: number): void;
  /** Device reset (§2.4): forget every queue, held buffer and driver-written value. */
  reset(): void;
  /** The device's own state (its transport saves the queues), for save/restore and migration. */
  saveState(): Json;
  /** Loads what saveState returned; called after the transport restored its queues. Throws DeviceStateError on bad state. */
  loadState(state: Json): void;
}
