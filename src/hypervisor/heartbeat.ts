/**
 * Heartbeat: the first end-to-end proof of the thread model. The control
 * worker and a pCPU worker it starts each bump their own counter in one
 * SharedArrayBuffer with Atomics; the page reads the counters every frame.
 *
 * Layout (Int32Array over a SharedArrayBuffer, documented in ARCHITECTURE.md):
 *   [0] STOP        written by the page (1 = stop), read by both tickers.
 *   [1] CONTROL     ticks of the control worker (Atomics.add).
 *   [2] PCPU        ticks of the nested pCPU worker (Atomics.add).
 *   [3] PCPU_READY  1 once the nested worker runs and sees the buffer.
 * All fields are read and written only with Atomics.
 */
export const HEARTBEAT = {
  STOP: 0,
  CONTROL: 1,
  PCPU: 2,
  PCPU_READY: 3,
  WORDS: 4,
} as const;

export type HeartbeatCounter = typeof HEARTBEAT.CONTROL | typeof HEARTBEAT.PCPU;

export function createHeartbeatBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEARTBEAT.WORDS * Int32Array.BYTES_PER_ELEMENT);
}

/**
 * Bumps `counter` every `periodMs` until STOP is set. It sleeps in
 * Atomics.wait on the STOP word (never spins), so a stop wakes it at once.
 * Returns the number of ticks it made.
 */
export function runTicker(sab: SharedArrayBuffer, counter: HeartbeatCounter, periodMs = 1): number {
  const words = new Int32Array(sab);
  let ticks = 0;
  while (Atomics.load(words, HEARTBEAT.STOP) === 0) {
    Atomics.add(words, counter, 1);
    ticks++;
    Atomics.wait(words, HEARTBEAT.STOP, 0, periodMs);
  }
  return ticks;
}

export function stopHeartbeat(sab: SharedArrayBuffer): void {
  const words = new Int32Array(sab);
  Atomics.store(words, HEARTBEAT.STOP, 1);
  Atomics.notify(words, HEARTBEAT.STOP);
}

export interface HeartbeatSnapshot {
  control: number;
  pcpu: number;
  pcpuReady: boolean;
}

export function readHeartbeat(sab: SharedArrayBuffer): HeartbeatSnapshot {
  const words = new Int32Array(sab);
  return {
    control: Atomics.load(words, HEARTBEAT.CONTROL),
    pcpu: Atomics.load(words, HEARTBEAT.PCPU),
    pcpuReady: Atomics.load(words, HEARTBEAT.PCPU_READY) === 1,
  };
}
