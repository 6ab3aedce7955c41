import { join } from 'node:path';
import { Host, type HostEvent, type HostOptions } from '../../src/hypervisor/host/host';
import { nodePlatform } from '../../src/hypervisor/host/node-platform';
import { bundleWorker } from './node-worker';
import { ROOT } from './images';

const WORKERS = join(ROOT, 'src', 'hypervisor', 'workers');

/** Bundles the Node worker entries (Node 20 cannot start .ts workers) and returns their paths. */
export async function nodeWorkerEntries() {
  const [pcpu, vmm] = await Promise.all([
    bundleWorker(join(WORKERS, 'pcpu.node-worker.ts')),
    bundleWorker(join(WORKERS, 'vmm.node-worker.ts')),
  ]);
  return { pcpu, vmm };
}

/** A host on this Node thread with its pCPU and VMM workers as worker_threads. */
export async function startNodeHost(
  options: HostOptions,
  emit: (event: HostEvent) => void,
): Promise<Host> {
  return new Host(options, nodePlatform(await nodeWorkerEntries()), emit);
}
