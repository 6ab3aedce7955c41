// Node entry of a VM worker (node:worker_threads). Same body as the browser's.
import { parentPort } from 'node:worker_threads';
import type { VmCommand, VmReport } from '../protocol';
import { vmMain } from '../vm/vm-main';

if (!parentPort) throw new Error('vm.node-worker must run in a worker thread');
const port = parentPort;
vmMain({
  onMessage: (handler) => port.on('message', (message: VmCommand) => handler(message)),
  post: (message: VmReport) => port.postMessage(message),
});
