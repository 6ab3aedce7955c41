import { Host } from '../../src/hypervisor/host/host';
import { nodePlatform } from '../../src/hypervisor/host/node-platform';
import type { VmShared } from '../../src/hypervisor/host/vm-shared';
import { P2M } from '../../src/hypervisor/memory/p2m';
import { DEFAULT_KERNEL, readImage } from '../../tools/lib/images';
import { nodeWorkerEntries } from '../../tools/lib/node-host';
import { PROMPT } from '../../tools/lib/domain-session';
import { TEST_BOOTARGS } from './hypervisor';

/**
 * A Host driven directly from the test's thread, below the control API:
 * for tests of host interfaces the API does not expose (dirty logging).
 */
export class RawHost {
  readonly #output = new Map<number, string>();
  readonly #decoder = new TextDecoder();

  private constructor(readonly host: Host) {}

  static async create(ramMiB: number, pcpus = 1): Promise<RawHost> {
    const platform = nodePlatform(await nodeWorkerEntries());
    let raw: RawHost | undefined;
    const host = new Host({ pcpus, ramMiB }, platform, (e) => {
      if (e.kind === 'console' && raw)
        raw.#output.set(e.vm, (raw.#output.get(e.vm) ?? '') + raw.#decoder.decode(e.bytes));
    });
    raw = new RawHost(host);
    await host.pcpusOnline();
    return raw;
  }

  /** Boots the default kernel and waits for its shell prompt. */
  async boot(name: string, memoryMiB = 32): Promise<VmShared> {
    const kernel = await readImage(DEFAULT_KERNEL);
    const shared = this.host.createVm(name, {
      memoryMiB,
      harts: 1,
      kernel,
      bootargs: TEST_BOOTARGS,
      engine: 'jit',
    });
    this.host.startVm(shared.vm);
    await this.waitFor(shared.vm, PROMPT, 0, 90_000);
    return shared;
  }

  output(vm: number): string {
    return this.#output.get(vm) ?? '';
  }

  type(vm: number, text: string): void {
    if (!this.host.consoleInput(vm, new TextEncoder().encode(text)))
      throw new Error('console input ring full');
  }

  async waitFor(vm: number, pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
    for (const end = Date.now() + timeoutMs; Date.now() < end;) {
      const text = this.output(vm).slice(from);
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(
      `timed out waiting for ${pattern}; console tail: ${this.output(vm).slice(-300)}`,
    );
  }

  /** Types a command line and resolves with what it printed up to the next prompt. */
  async run(vm: number, line: string, timeoutMs = 30_000): Promise<string> {
    const from = this.output(vm).length;
    this.type(vm, `${line}\n`);
    const text = await this.waitFor(vm, PROMPT, from, timeoutMs);
    return text;
  }

  /** Guest frames whose host frame holds `bytes` (a fresh marker: found only where it was written). */
  pagesHolding(vm: number, bytes: Uint8Array): number[] {
    const p2m = new Int32Array(this.host.shared(vm).p2m);
    const ram = this.host.mem.ram8;
    const out: number[] = [];
    for (let g = 0; g < p2m.length; g++) {
      const e = p2m[g];
      if (e < 0) continue;
      const page = ram.subarray((e & P2M.FRAME) * 4096, ((e & P2M.FRAME) + 1) * 4096);
      if (indexOf(page, bytes) >= 0) out.push(g);
    }
    return out;
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    if (hay[i] !== needle[0]) continue;
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
