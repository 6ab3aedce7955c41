import { F, HART_STATE_BYTES, HartState } from '../hypervisor/cpu/hart-state';
import { gunzip, isGzip } from '../hypervisor/loader/gzip';
import { VM_CTL, type VmReport } from '../hypervisor/protocol';
import { ByteRing } from '../hypervisor/vm/byte-ring';
import type { StopReason } from '../hypervisor/vm/virt-machine';

export type SessionStatus = 'idle' | 'loading' | 'running' | 'stopped' | 'failed';

/**
 * One VM booted in this tab: fetches the guest image, starts a VM worker,
 * feeds console input through a shared ring and reads live telemetry (the
 * harts' instret) from shared memory every animation frame.
 */
export class VmSession {
  status = $state<SessionStatus>('idle');
  error = $state<string | undefined>(undefined);
  stopReason = $state<StopReason | undefined>(undefined);
  /** Guest instructions per second over the last second, from the harts' instret. */
  mips = $state(0);
  instructions = $state(0);

  #worker: Worker | undefined;
  #ring = ByteRing.create(1 << 16);
  #control = new Int32Array(new SharedArrayBuffer(VM_CTL.WORDS * 4));
  #harts: HartState[] = [];
  #frame = 0;
  #samples: { t: number; n: number }[] = [];

  constructor(readonly onConsole: (bytes: Uint8Array) => void) {}

  async boot(options: { memoryMiB: number; harts: number }): Promise<void> {
    this.status = 'loading';
    this.error = undefined;
    this.stopReason = undefined;
    try {
      const url = new URL('images/linux-rv32.bin.gz', document.baseURI);
      const response = await fetch(url);
      if (!response.ok)
        throw new Error(`could not load the guest image (${response.status} ${url.pathname})`);
      let kernel: Uint8Array = new Uint8Array(await response.arrayBuffer());
      if (isGzip(kernel)) kernel = await gunzip(kernel);
      const worker = new Worker(new URL('../hypervisor/workers/vm.worker.ts', import.meta.url), {
        type: 'module',
        name: 'vm',
      });
      this.#worker = worker;
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.#fail(`the VM worker failed: ${event.message || 'its script could not be loaded'}`);
      });
      worker.addEventListener('message', (event: MessageEvent<VmReport>) =>
        this.#onReport(event.data),
      );
      worker.postMessage(
        {
          kind: 'boot',
          config: { memoryMiB: options.memoryMiB, harts: options.harts, kernel },
          consoleIn: this.#ring.sab,
          control: this.#control.buffer,
        },
        [kernel.buffer],
      );
      this.status = 'running';
      this.#frame = requestAnimationFrame(this.#sample);
    } catch (error) {
      this.#fail(error instanceof Error ? error.message : String(error));
    }
  }

  /** Types into the guest's serial console. */
  type(data: string): void {
    const bytes = new TextEncoder().encode(data);
    this.#ring.write(bytes);
    Atomics.add(this.#control, VM_CTL.WAKE, 1);
    Atomics.notify(this.#control, VM_CTL.WAKE);
  }

  /** Stops the VM from the host side (virsh destroy). */
  destroy(): void {
    Atomics.store(this.#control, VM_CTL.STOP, 1);
    Atomics.notify(this.#control, VM_CTL.WAKE);
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#worker?.terminate();
  }

  #onReport(report: VmReport): void {
    switch (report.kind) {
      case 'started':
        this.#harts = Array.from(
          { length: report.harts },
          (_, h) => new HartState(report.hartStates, h * HART_STATE_BYTES),
        );
        break;
      case 'console':
        this.onConsole(report.bytes);
        break;
      case 'stopped':
        this.stopReason = report.reason;
        this.status = report.reason.kind === 'error' ? 'failed' : 'stopped';
        if (report.reason.kind === 'error') this.error = report.reason.message;
        cancelAnimationFrame(this.#frame);
        this.mips = 0;
        this.#worker?.terminate();
        break;
    }
  }

  #sample = (t: number): void => {
    const n = this.#harts.reduce((sum, st) => sum + st.f64[F.INSTRET], 0);
    this.instructions = n;
    this.#samples.push({ t, n });
    while (this.#samples.length > 2 && t - this.#samples[0].t > 1000) this.#samples.shift();
    const first = this.#samples[0];
    if (t > first.t) this.mips = (n - first.n) / ((t - first.t) * 1000);
    this.#frame = requestAnimationFrame(this.#sample);
  };

  #fail(message: string): void {
    this.status = 'failed';
    this.error = message;
    cancelAnimationFrame(this.#frame);
    this.#worker?.terminate();
  }
}
