import { hostname } from 'node:os';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { installVirtErrorTransfer } from '../../src/manage/comlink-errors';
import type { ControlApi, DomainEvent, HostConfig } from '../../src/manage/control-api';
import type { ControlWorkerData } from '../../src/manage/control.node-worker';
import { nodeWorkerEntries } from './node-host';
import { bundleWorker } from './node-worker';
import { DEFAULT_KERNEL, ROOT } from './images';

export interface ControlClient {
  api: Comlink.Remote<ControlApi>;
  /** Subscribes to one domain's events (all domains when omitted); returns the subscription id. */
  on(listener: (event: DomainEvent) => void, domain?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the control worker in a worker thread (libvirtd's place) and
 * connects to it through Comlink's node adapter: the same API the page uses.
 */
export async function startControl(config: HostConfig = {}): Promise<ControlClient> {
  installVirtErrorTransfer();
  const [entries, control] = await Promise.all([
    nodeWorkerEntries(),
    bundleWorker(join(ROOT, 'src', 'manage', 'control.node-worker.ts')),
  ]);
  const workerData: ControlWorkerData = { entries, defaultKernel: DEFAULT_KERNEL };
  const worker = new Worker(control, { workerData, name: 'control' });
  const api = Comlink.wrap<ControlApi>(nodeEndpoint(worker));
  // The machine's name for virsh hostname (libvirt asks the host's gethostname).
  await api.init({ hostname: hostname(), ...config });
  return {
    api,
    on: (listener, domain) => api.subscribe(Comlink.proxy(listener), domain),
    async close() {
      await api.close().catch(() => {});
      api[Comlink.releaseProxy]();
      await worker.terminate();
    },
  };
}
