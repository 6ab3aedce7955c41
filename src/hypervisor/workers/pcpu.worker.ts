/// <reference lib="webworker" />
// Browser entry of a pCPU worker (a Web Worker, possibly nested in the control worker).
import { pcpuMain } from '../pcpu-main';
import type { PcpuCommand, PcpuReport } from '../protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
pcpuMain({
  onMessage: (handler) => {
    scope.onmessage = (event: MessageEvent<PcpuCommand>) => handler(event.data);
  },
  post: (message: PcpuReport) => scope.postMessage(message),
});
