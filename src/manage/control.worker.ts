/// <reference lib="webworker" />
// Browser entry of the control worker: serves the control API over Comlink
// and starts pCPU and VMM workers as nested module workers.
import * as Comlink from 'comlink';
import type { WorkerLink } from '../hypervisor/host/host';
import { IMAGE_MAX_BYTES, gunzip, isGzip } from '../hypervisor/loader/gzip';
import { installVirtErrorTransfer } from './comlink-errors';
import { createControl } from './control';

function link<In, Out>(worker: Worker): WorkerLink<In, Out> {
  return {
    post: (message: In) => worker.postMessage(message),
    onMessage: (handler: (message: Out) => void) =>
      worker.addEventListener('message', (event) => handler(event.data as Out)),
    onError: (handler) =>
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        handler(event.message || 'the worker script could not be loaded');
      }),
    terminate: () => worker.terminate(),
  };
}

const pcpuWorker = (name: string) =>
  new Worker(new URL('../hypervisor/workers/pcpu.worker.ts', import.meta.url), {
    type: 'module',
    name,
  });

installVirtErrorTransfer();
Comlink.expose(
  createControl({
    host: {
      spawnPcpu: (index) => link(pcpuWorker(`pcpu${index}`)),
      spawnVmm: (name) =>
        link(
          new Worker(new URL('../hypervisor/workers/vmm.worker.ts', import.meta.url), {
            type: 'module',
            name: `vmm-${name}`,
          }),
        ),
      spawnKsmd: () =>
        link(
          new Worker(new URL('../hypervisor/workers/ksmd.worker.ts', import.meta.url), {
            type: 'module',
            name: 'ksmd',
          }),
        ),
    },
    async loadImage(url) {
      const response = await fetch(url);
      if (!response.ok)
        throw new Error(`could not load the guest image (${response.status} ${url})`);
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > IMAGE_MAX_BYTES)
        throw new Error(
          `${url}: ${length} bytes, more than the ${IMAGE_MAX_BYTES >> 20} MiB limit`,
        );
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > IMAGE_MAX_BYTES)
        throw new Error(`${url}: more than the ${IMAGE_MAX_BYTES >> 20} MiB limit`);
      return isGzip(bytes) ? gunzip(bytes) : bytes;
    },
    defaultKernelUrl: new URL('images/linux-rv32.bin.gz', self.location.href).href,
    defaultPcpus: Math.max(1, (navigator.hardwareConcurrency || 2) - 1),
    defaultRamMiB: 512,
  }),
);
