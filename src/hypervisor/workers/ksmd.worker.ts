/// <reference lib="webworker" />
// Browser entry of the ksmd worker (a Web Worker). Same body as the Node one.
import { ksmdMain } from '../ksm/ksmd-main';
import type { KsmdCommand, KsmdReport } from '../protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
ksmdMain({
  onMessage: (handler) => {
    scope.onmessage = (event: MessageEvent<KsmdCommand>) => handler(event.data);
  },
  post: (message: KsmdReport) => scope.postMessage(message),
});
