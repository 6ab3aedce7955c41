/// <reference lib="webworker" />
// Browser entry of a VMM worker (a Web Worker). Same body as the Node one.
import { vmmMain } from '../host/vmm';
import type { VmmCommand, VmmReport } from '../protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
vmmMain({
  onMessage: (handler) => {
    scope.onmessage = (event: MessageEvent<VmmCommand>) => handler(event.data);
  },
  post: (message: VmmReport) => scope.postMessage(message),
});
