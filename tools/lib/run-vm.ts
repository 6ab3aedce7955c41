import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { F, HART_STATE_BYTES, HartState } from '../../src/hypervisor/cpu/hart-state';
import { gunzip, isGzip } from '../../src/hypervisor/loader/gzip';
import { VM_CTL, type VmReport, type VmStats } from '../../src/hypervisor/protocol';
import { ByteRing } from '../../src/hypervisor/vm/byte-ring';
import type { MachineConfig, StopReason } from '../../src/hypervisor/vm/virt-machine';
import { startNodeWorker } from './node-worker';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DEFAULT_KERNEL = join(ROOT, 'public', 'images', 'linux-rv32.bin.gz');
const WORKER = join(ROOT, 'src', 'hypervisor', 'workers', 'vm.node-worker.ts');

/** Reads a file, gunzipping it when it is gzip-compressed. */
export async function readImage(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(readFileSync(path));
  return isGzip(bytes) ? gunzip(bytes) : bytes;
}

/** A VM running in a Node worker thread, seen from the thread that started it. */
export class NodeVm {
  readonly ring = ByteRing.create(1 << 16);
  readonly control = new Int32Array(new SharedArrayBuffer(VM_CTL.WORDS * 4));
  readonly stopped: Promise<{ reason: StopReason; stats: VmStats }>;
  #output = '';
  #hartStates: HartState[] = [];
  #listeners = new Set<(text: string) => void>();
  #decoder = new TextDecoder();

  private constructor(
    readonly worker: Worker,
    config: MachineConfig,
  ) {
    this.stopped = new Promise((resolve, reject) => {
      worker.on('message', (report: VmReport) => {
        if (report.kind === 'started') {
          this.#hartStates = Array.from(
            { length: report.harts },
            (_, h) => new HartState(report.hartStates, h * HART_STATE_BYTES),
          );
        } else if (report.kind === 'console') {
          const text = this.#decoder.decode(report.bytes, { stream: true });
          this.#output += text;
          for (const l of this.#listeners) l(text);
        } else if (report.kind === 'stopped') {
          resolve({ reason: report.reason, stats: report.stats });
          void worker.terminate();
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        reject(new Error(`VM worker exited (${code}) before the guest stopped`)),
      );
    });
    this.stopped.catch(() => {});
    worker.postMessage({
      kind: 'boot',
      config,
      consoleIn: this.ring.sab,
      control: this.control.buffer,
    });
  }

  static async start(config: MachineConfig): Promise<NodeVm> {
    return new NodeVm(await startNodeWorker(WORKER), config);
  }

  /** Instructions retired so far by all harts, read live from shared memory. */
  instret(): number {
    return this.#hartStates.reduce((sum, st) => sum + st.f64[F.INSTRET], 0);
  }

  /** Everything the console printed so far. */
  get output(): string {
    return this.#output;
  }

  onOutput(listener: (text: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Types into the guest console. */
  type(text: string | Uint8Array): void {
    let bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    while (bytes.length > 0) {
      const n = this.ring.write(bytes);
      bytes = bytes.subarray(n);
      Atomics.add(this.control, VM_CTL.WAKE, 1);
      Atomics.notify(this.control, VM_CTL.WAKE);
      if (bytes.length > 0) Atomics.wait(this.control, VM_CTL.STOP, 0, 5);
    }
  }

  /** Resolves when the console output (from `from` on) matches `pattern`. */
  waitFor(
    pattern: RegExp,
    from = 0,
    timeoutMs = 60_000,
  ): Promise<{ index: number; match: RegExpMatchArray }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.#output.slice(from).match(pattern);
        if (match) {
          done();
          resolve({ index: from + (match.index ?? 0), match });
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out waiting for ${pattern} on the console; last output:\n${this.#output.slice(-800)}`,
          ),
        );
      }, timeoutMs);
      const off = this.onOutput(check);
      const done = () => {
        clearTimeout(timer);
        off();
      };
      this.stopped.then(
        () => {
          check();
          done();
          reject(
            new Error(
              `the guest stopped while waiting for ${pattern}; last output:\n${this.#output.slice(-800)}`,
            ),
          );
        },
        () => {},
      );
      check();
    });
  }

  /** Asks the VM to stop (like a destroy), then waits. */
  async destroy(): Promise<void> {
    Atomics.store(this.control, VM_CTL.STOP, 1);
    Atomics.notify(this.control, VM_CTL.WAKE);
    await this.stopped.catch(() => {});
    await this.worker.terminate();
  }
}

export const PROMPT = /root@virtlab:[^\n#]*# $/;

/** Boots, waits for the shell, runs `line`, returns what it printed (without echo and prompt). */
export async function execInGuest(
  vm: NodeVm,
  line: string,
  from = 0,
  timeoutMs = 120_000,
): Promise<string> {
  const ready = await vm.waitFor(PROMPT, from, timeoutMs);
  const start = ready.index + ready.match[0].length;
  vm.type(line + '\n');
  const after = await vm.waitFor(PROMPT, start, timeoutMs);
  const text = vm.output.slice(start, after.index).replace(/\r\n/g, '\n');
  // Drop the echoed command line.
  const nl = text.indexOf('\n');
  return nl >= 0 ? text.slice(nl + 1) : '';
}
