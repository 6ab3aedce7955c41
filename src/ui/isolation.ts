/**
 * Cross-origin isolation for the page. VirtLab's host RAM, run queues and
 * telemetry are SharedArrayBuffers, which browsers only give to pages that
 * are `crossOriginIsolated`. On hosts that cannot send COOP/COEP we register
 * public/coi-serviceworker.js and reload once under its control.
 */

export type IsolationResult =
  | { kind: 'isolated' }
  /** The page is about to reload under the service worker. */
  | { kind: 'reloading' }
  | { kind: 'unavailable'; reason: IsolationFailure; detail?: string };

export type IsolationFailure =
  'insecure-context' | 'no-service-worker' | 'service-worker-failed' | 'still-not-isolated';

const RELOAD_FLAG = 'virtlab.coi-reload';
/** A registration that neither succeeds nor fails is blocked too. */
const REGISTER_TIMEOUT_MS = 8_000;

export async function ensureCrossOriginIsolation(): Promise<IsolationResult> {
  if (globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function') {
    sessionStorage.removeItem(RELOAD_FLAG);
    return { kind: 'isolated' };
  }
  if (!window.isSecureContext) return { kind: 'unavailable', reason: 'insecure-context' };
  if (!('serviceWorker' in navigator)) return { kind: 'unavailable', reason: 'no-service-worker' };

  // One automatic reload per tab session: never a reload loop.
  if (sessionStorage.getItem(RELOAD_FLAG)) {
    sessionStorage.removeItem(RELOAD_FLAG);
    return { kind: 'unavailable', reason: 'still-not-isolated' };
  }
  try {
    const url = new URL('coi-serviceworker.js', document.baseURI);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `service worker registration did not finish within ${REGISTER_TIMEOUT_MS / 1000} s`,
            ),
          ),
        REGISTER_TIMEOUT_MS,
      );
    });
    await Promise.race([
      navigator.serviceWorker.register(url).then(() => navigator.serviceWorker.ready),
      timeout,
    ]);
    clearTimeout(timer);
  } catch (error) {
    return {
      kind: 'unavailable',
      reason: 'service-worker-failed',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  sessionStorage.setItem(RELOAD_FLAG, '1');
  location.reload();
  return { kind: 'reloading' };
}

/** Plain-language advice for each failure, shown on the page. */
export function isolationAdvice(reason: IsolationFailure): { title: string; advice: string } {
  switch (reason) {
    case 'insecure-context':
      return {
        title: 'This page must be opened over HTTPS (or from localhost).',
        advice:
          'Browsers only allow the shared memory VirtLab needs on secure pages. Open the https:// address of this site, or run it locally with npm start.',
      };
    case 'no-service-worker':
      return {
        title: 'Your browser blocks service workers here.',
        advice:
          'VirtLab uses a small service worker to enable shared memory on static hosting. Private or incognito windows (notably Firefox) and some privacy settings disable them: open VirtLab in a normal window, or allow service workers for this site.',
      };
    case 'service-worker-failed':
      return {
        title: 'The service worker that enables shared memory could not start.',
        advice:
          'Reload the page. If it keeps failing, your browser or an extension is blocking service workers for this site; allow them, or use a recent Chrome, Edge or Firefox in a normal window.',
      };
    case 'still-not-isolated':
      return {
        title: 'This browser did not enable cross-origin isolation.',
        advice:
          'VirtLab needs SharedArrayBuffer, which requires cross-origin isolation. Use a recent Chrome, Edge, Firefox or Safari (2022 or later) in a normal window, then reload.',
      };
  }
}
