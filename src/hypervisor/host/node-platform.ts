import { Worker } from 'node:worker_threads';
import type { HostPlatform, WorkerLink } from './host';

/** Paths of the bundled Node worker entries (pcpu, vmm and ksmd .node-worker). */
export interface NodeWorkerEntries {
  pcpu: string;
  vmm: string;
  ksmd: string;
}

/** The host's threads as node:worker_threads. */
export function nodePlatform(entries: NodeWorkerEntries): HostPlatform {
  return {
    spawnPcpu: (index) => link(new Worker(entries.pcpu, { name: `pcpu${index}` })),
    spawnVmm: (name) => link(new Worker(entries.vmm, { name: `vmm-${name}` })),
    spawnKsmd: () => link(new Worker(entries.ksmd, { name: 'ksmd' })),
  };
}

function link<In, Out>(worker: Worker): WorkerLink<In, Out> {
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.on('message', handler),
    onError: (handler) => worker.on('error', (error) => handler(error.message)),
    terminate: () => void worker.terminate(),
  };
}
