import * as Comlink from 'comlink';
import { installVirtErrorTransfer } from '../manage/comlink-errors';
import type { HostConfig, HostInfo } from '../manage/control-api';
import { race, startControlWorker, type ControlClient } from './control-client';

/** Where a host's start stands, for the loading screen. */
export interface HostStartPhase {
  phase: 'host' | 'download' | 'boot';
  done?: number;
  total?: number;
}

/** The built-in guest image, beside the page. */
function kernelImageUrl(): string {
  return new URL('images/linux-rv32.bin.gz', document.baseURI).href;
}

/**
 * A host being started: its control worker, the control API's `init`
 * (which starts the pCPU workers, and they train the interpreter:
 * hypervisor/host/warm-up.ts) while the guest image downloads, then the
 * image's handover (`provideKernelImage`). The page downloads the image
 * itself, to show its progress, and hands it to the control worker
 * (transferred, not copied); if the download fails, the worker tries the
 * URL and reports its own error.
 *
 * The page's own host is begun by main.ts as soon as the page knows it is
 * cross-origin isolated, before the app's script (Svelte, xterm, the
 * views: most of the page's bytes) has loaded, so the host starts while
 * that loads; the HostSession (host.svelte.ts) takes it over. Small on
 * purpose: main.ts's chunk carries it.
 */
export class HostStart {
  readonly client: ControlClient;
  /** init's answer, once the image is handed over; rejects with init's error (or the control worker's failure). */
  readonly info: Promise<HostInfo>;
  #phase: HostStartPhase = { phase: 'host' };
  readonly #listeners = new Set<(phase: HostStartPhase) => void>();

  constructor(config: Partial<HostConfig> = {}, client?: ControlClient) {
    installVirtErrorTransfer();
    this.client = client ?? startControlWorker();
    this.info = this.#start(config);
    this.info.catch(() => {}); // reported by whoever awaits it (HostSession.start)
  }

  /** Calls `listener` with the phase now and at every change; returns the unsubscribe. */
  onPhase(listener: (phase: HostStartPhase) => void): () => void {
    listener(this.#phase);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(phase: HostStartPhase): void {
    this.#phase = phase;
    for (const listener of this.#listeners) listener(phase);
  }

  async #start(options: Partial<HostConfig>): Promise<HostInfo> {
    const kernelUrl = options.kernelUrl ?? kernelImageUrl();
    const api = this.client.api;
    // The host starts (its pCPU workers, and their training) while the image downloads.
    const info = race(this.client, api.init({ kernelUrl, kernelImageToFollow: true, ...options }));
    info.catch(() => {}); // awaited below, after the download
    const image = await download(kernelUrl, (done, total) =>
      this.#set({ phase: 'download', done, total }),
    );
    this.#set({ phase: 'boot' });
    await info; // the image can be handed over only to a started host
    await race(
      this.client,
      api.provideKernelImage(image ? Comlink.transfer(image, [image.buffer]) : undefined),
    );
    return info;
  }
}

/** The image at `url`, with progress; undefined when it could not be fetched. */
async function download(
  url: string,
  progress: (done: number, total?: number) => void,
): Promise<Uint8Array | undefined> {
  try {
    const response = await fetch(url);
    if (!response.ok || !response.body) return undefined;
    const total = Number(response.headers.get('content-length') ?? 0) || undefined;
    let done = 0;
    progress(done, total);
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          done += chunk.length;
          progress(done, total);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Uint8Array(await new Response(counted).arrayBuffer());
  } catch {
    return undefined;
  }
}
