/**
 * The control API: the one typed surface through which the page, the
 * terminal CLI and tests drive the host (libvirt's role). Served from the
 * control worker over Comlink. It grows into the closed set of domain
 * actions; for now it carries the thread-model heartbeat.
 */
export interface ControlApi {
  /**
   * Starts the control worker's ticker and one nested pCPU worker ticking in
   * `sab` (layout: src/hypervisor/heartbeat.ts). Resolves once the pCPU
   * worker runs; rejects with a readable message if it cannot start.
   */
  startHeartbeat(sab: SharedArrayBuffer): Promise<void>;
  /** Stops both tickers. */
  stopHeartbeat(): Promise<void>;
}

/** A started worker, seen from the thread that started it. */
export interface SpawnedWorker<In> {
  post(message: In): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Fires when the worker script cannot load or throws. */
  onError(handler: (message: string) => void): void;
  terminate(): void;
}
