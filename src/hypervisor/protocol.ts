/**
 * Every message that crosses a thread boundary inside the hypervisor, typed
 * in one place. Large or hot data never travels in messages: it lives in
 * SharedArrayBuffers whose layouts are documented next to their definitions
 * and in ARCHITECTURE.md.
 */

/** Control worker -> pCPU worker. */
export type PcpuCommand = { kind: 'heartbeat'; sab: SharedArrayBuffer; periodMs: number };

/** pCPU worker -> control worker. */
export type PcpuReport = { kind: 'started' } | { kind: 'stopped'; ticks: number };

/**
 * The two ends of a worker's message channel, whatever the platform: a Web
 * Worker's `self` in browsers, `parentPort` from node:worker_threads in Node.
 */
export interface ParentPort<In, Out> {
  onMessage(handler: (message: In) => void): void;
  post(message: Out): void;
}
