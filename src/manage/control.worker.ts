/// <reference lib="webworker" />
// Browser entry of the control worker: serves the control API over Comlink
// and starts pCPU workers as nested module workers.
import * as Comlink from 'comlink';
import type { PcpuCommand } from '../hypervisor/protocol';
import { createControl } from './control';
import type { SpawnedWorker } from './control-api';

function spawnPcpu(): SpawnedWorker<PcpuCommand> {
  const worker = new Worker(new URL('../hypervisor/workers/pcpu.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pcpu0',
  });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.addEventListener('message', (event) => handler(event.data)),
    onError: (handler) =>
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        handler(event.message || 'the worker script could not be loaded');
      }),
    terminate: () => worker.terminate(),
  };
}

Comlink.expose(createControl(spawnPcpu));
