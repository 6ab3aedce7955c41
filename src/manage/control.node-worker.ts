// Node entry of the control worker (node:worker_threads): serves the control
// API over Comlink's node adapter; pCPU and VMM workers are nested worker_threads.
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { availableParallelism } from 'node:os';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { nodePlatform, type NodeWorkerEntries } from '../hypervisor/host/node-platform';
import { installVirtErrorTransfer } from './comlink-errors';
import { createControl } from './control';
import { readImageFile } from './image-file';

export interface ControlWorkerData {
  entries: NodeWorkerEntries;
  defaultKernel: string;
}

if (!parentPort) throw new Error('control.node-worker must run in a worker thread');
const data = workerData as ControlWorkerData;
const platform = nodePlatform(data.entries);

installVirtErrorTransfer();
Comlink.expose(
  createControl({
    host: platform,
    loadImage: readImageFile,
    defaultKernelUrl: data.defaultKernel,
    defaultPcpus: Math.max(1, availableParallelism() - 1),
    defaultRamMiB: 1024,
  }),
  nodeEndpoint(parentPort),
);
