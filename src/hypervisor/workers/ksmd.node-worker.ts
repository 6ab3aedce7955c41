// Node entry of the ksmd worker (node:worker_threads). Same body as the browser's.
import { parentPort } from 'node:worker_threads';
import { ksmdMain } from '../ksm/ksmd-main';
import type { KsmdCommand, KsmdReport } from '../protocol';

if (!parentPort) throw new Error('ksmd.node-worker must run in a worker thread');
const port = parentPort;
ksmdMain({
  onMessage: (handler) => port.on('message', (message: KsmdCommand) => handler(message)),
  post: (message: KsmdReport) => port.postMessage(message),
});
