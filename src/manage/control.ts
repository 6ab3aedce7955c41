import { HEARTBEAT, stopHeartbeat } from '../hypervisor/heartbeat';
import type { PcpuCommand, PcpuReport } from '../hypervisor/protocol';
import type { ControlApi, SpawnedWorker } from './control-api';

const PCPU_START_TIMEOUT_MS = 15_000;

/** The control API, platform-free: `spawnPcpu` starts a pCPU worker. */
export function createControl(spawnPcpu: () => SpawnedWorker<PcpuCommand>): ControlApi {
  let running:
    | {
        sab: SharedArrayBuffer;
        timer: ReturnType<typeof setInterval>;
        pcpu: SpawnedWorker<PcpuCommand>;
      }
    | undefined;

  return {
    startHeartbeat(sab) {
      if (running) return Promise.reject(new Error('heartbeat already running'));
      const words = new Int32Array(sab);
      // The control worker is an event loop (it must keep serving calls), so it
      // ticks on a timer; the pCPU worker blocks in Atomics.wait as pCPUs do.
      const timer = setInterval(() => {
        if (Atomics.load(words, HEARTBEAT.STOP) === 0) Atomics.add(words, HEARTBEAT.CONTROL, 1);
      }, 1);
      const pcpu = spawnPcpu();
      running = { sab, timer, pcpu };
      return new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(
          () =>
            reject(new Error(`pCPU worker did not start within ${PCPU_START_TIMEOUT_MS / 1000} s`)),
          PCPU_START_TIMEOUT_MS,
        );
        pcpu.onError((message) => {
          clearTimeout(timeout);
          reject(new Error(`pCPU worker failed: ${message}`));
        });
        pcpu.onMessage((message) => {
          if ((message as PcpuReport).kind === 'started') {
            clearTimeout(timeout);
            resolve();
          }
        });
        pcpu.post({ kind: 'heartbeat', sab, periodMs: 1 });
      });
    },
    async stopHeartbeat() {
      if (!running) return;
      stopHeartbeat(running.sab);
      clearInterval(running.timer);
      running = undefined;
    },
  };
}
