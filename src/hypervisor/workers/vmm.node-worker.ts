// Node entry of a VMM worker (node:worker_threads). Same body as the browser's.
import { parentPort } from 'node:worker_threads';
import { vmmMain } from '../host/vmm';
import type { VmmCommand, VmmReport } from '../protocol';

if (!parentPort) throw new Error('vmm.node-worker must run in a worker thread');
const port = parentPort;
vmmMain({
  onMessage: (handler) => port.on('message', (message: VmmCommand) => handler(message)),
  post: (message: VmmReport) => port.postMessage(message),
});
