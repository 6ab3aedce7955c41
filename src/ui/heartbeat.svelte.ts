import { createHeartbeatBuffer, readHeartbeat, stopHeartbeat } from '../hypervisor/heartbeat';
import { race, type ControlClient } from './control-client';

/**
 * Page state for the thread-model heartbeat: starts the control worker,
 * which starts a nested pCPU worker; both tick in one SharedArrayBuffer that
 * this class reads every animation frame (no messages).
 */
export class HeartbeatView {
  status = $state<'starting' | 'running' | 'failed'>('starting');
  error = $state<string | undefined>(undefined);
  control = $state(0);
  pcpu = $state(0);
  pcpuReady = $state(false);

  #sab = createHeartbeatBuffer();
  #frame = 0;

  constructor(readonly client: ControlClient) {}

  async start(): Promise<void> {
    try {
      this.#poll();
      await race(this.client, this.client.api.startHeartbeat(this.#sab));
      this.status = 'running';
    } catch (error) {
      this.status = 'failed';
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
    stopHeartbeat(this.#sab);
    void this.client.api.stopHeartbeat().catch(() => {});
  }

  #poll = (): void => {
    const snapshot = readHeartbeat(this.#sab);
    this.control = snapshot.control;
    this.pcpu = snapshot.pcpu;
    this.pcpuReady = snapshot.pcpuReady;
    this.#frame = requestAnimationFrame(this.#poll);
  };
}
