import { join } from 'node:path';
import { bundleWorker } from './node-worker';
import { ROOT } from './images';

const WORKERS = join(ROOT, 'src', 'hypervisor', 'workers');

/** Bundles the Node worker entries (Node 20 cannot start .ts workers) and returns their paths. */
export async function nodeWorkerEntries() {
  const [pcpu, vmm, ksmd] = await Promise.all([
    bundleWorker(join(WORKERS, 'pcpu.node-worker.ts')),
    bundleWorker(join(WORKERS, 'vmm.node-worker.ts')),
    bundleWorker(join(WORKERS, 'ksmd.node-worker.ts')),
  ]);
  return { pcpu, vmm, ksmd };
}
