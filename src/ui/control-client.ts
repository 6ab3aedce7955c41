import * as Comlink from 'comlink';
import type { ControlApi } from '../manage/control-api';

export interface ControlClient {
  api: Comlink.Remote<ControlApi>;
  /** Rejects when the control worker fails to load or dies. Never resolves. */
  failure: Promise<never>;
  terminate(): void;
}

/** Starts the control worker and wraps its API with Comlink. */
export function startControlWorker(): ControlClient {
  const worker = new Worker(new URL('../manage/control.worker.ts', import.meta.url), {
    type: 'module',
    name: 'control',
  });
  const failure = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new Error(event.message || 'the control worker script could not be loaded'));
    });
  });
  failure.catch(() => {}); // observed by callers through race(); never unhandled
  return { api: Comlink.wrap<ControlApi>(worker), failure, terminate: () => worker.terminate() };
}

/** Awaits `call` unless the worker fails first: a blocked worker is an error, not a hang. */
export function race<T>(client: ControlClient, call: Promise<T>): Promise<T> {
  return Promise.race([call, client.failure]);
}
