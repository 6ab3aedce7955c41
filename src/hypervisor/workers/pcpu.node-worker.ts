// Node entry of a pCPU worker (node:worker_threads). Same body as the browser's.
import { parentPort } from 'node:worker_threads';
import { pcpuMain } from '../pcpu-main';
import type { PcpuCommand, PcpuReport } from '../protocol';

if (!parentPort) throw new Error('pcpu.node-worker must run in a worker thread');
const port = parentPort;
pcpuMain({
  onMessage: (handler) => port.on('message', (message: PcpuCommand) => handler(message)),
  post: (message: PcpuReport) => port.postMessage(message),
});
