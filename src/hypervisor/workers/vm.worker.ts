/// <reference lib="webworker" />
// Browser entry of a VM worker (a Web Worker). Same body as the Node one.
import type { VmCommand, VmReport } from '../protocol';
import { vmMain } from '../vm/vm-main';

const scope = self as unknown as DedicatedWorkerGlobalScope;
vmMain({
  onMessage: (handler) => {
    scope.onmessage = (event: MessageEvent<VmCommand>) => handler(event.data);
  },
  post: (message: VmReport) => scope.postMessage(message),
});
