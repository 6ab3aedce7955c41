import type { Host } from '../hypervisor/host/host';
import type { FrameSnapshot, MachineState } from '../hypervisor/vm/machine-state';
import type { DomainDef } from './control-api';

/**
 * Quick boot: the page's default VMs resume from a snapshot taken at the
 * shell prompt instead of booting Linux again (like a cloud image's
 * "golden" snapshot, or a VM pool of pre-booted clones). The first VM of
 * a given configuration boots for real; when its console first shows the
 * shell prompt, the host takes a copy-on-write snapshot of it (a pause of
 * a few ms) and keeps it as that configuration's template. The next VM
 * of that configuration starts from the template: its RAM shared with
 * it copy-on-write, its prompt there at once.
 *
 * Clones of one template share its state: the same guest clock reading at
 * start, the same kernel random-number state (a real clone issue; Linux
 * reseeds from vmgenid, which this board lacks).
 */

/** The shell prompt of the guest image (tools/guest/userland). */
const PROMPT = /root@virtlab:[^\n#]*# $/;
/** Templates kept at most (each holds its frames: a few MiB). */
const MAX_TEMPLATES = 4;

export interface BootTemplate {
  key: string;
  machine: MachineState;
  frames: FrameSnapshot;
}

/**
 * What makes two boots of the built-in kernel reach the same state: the
 * machine and the kernel command line. Undefined for a domain a template
 * cannot stand for (its own kernel bytes, initrd or bare-metal program).
 */
export function templateKey(def: DomainDef): string | undefined {
  if (def.kernel || def.initrd || def.elf) return undefined;
  return JSON.stringify([
    def.type ?? 'kvm',
    def.memoryMiB,
    def.vcpus,
    def.vcpusCurrent ?? def.vcpus,
    def.kernelPath ?? '',
    def.bootargs ?? '',
    def.balloon === false ? 'none' : [!!def.balloon?.autodeflate, !!def.balloon?.freePageReporting],
    def.currentMemoryKiB ?? def.memoryMiB * 1024,
  ]);
}

/** The host's templates, and the boots being watched for their first prompt. */
export class BootTemplates {
  readonly #ready = new Map<string, BootTemplate>();
  /** VM → its config key and the tail of its console, until the prompt shows. */
  readonly #watching = new Map<number, { key: string; tail: string }>();

  constructor(readonly host: Host) {}

  get(key: string): BootTemplate | undefined {
    const t = this.#ready.get(key);
    if (t) {
      // Most recently used last (the eviction order).
      this.#ready.delete(key);
      this.#ready.set(key, t);
    }
    return t;
  }

  /** A real boot of configuration `key` on `vm`: its first prompt becomes the template. */
  watch(vm: number, key: string): void {
    if (this.#ready.has(key) || [...this.#watching.values()].some((w) => w.key === key)) return;
    this.#watching.set(vm, { key, tail: '' });
  }

  /**
   * Console bytes of `vm`: returns the key once its first prompt shows
   * (the caller then captures the template), else undefined.
   */
  console(vm: number, bytes: Uint8Array): string | undefined {
    const w = this.#watching.get(vm);
    if (!w) return undefined;
    w.tail = (w.tail + new TextDecoder().decode(bytes)).replace(/\r/g, '').slice(-256);
    if (!PROMPT.test(w.tail)) return undefined;
    this.#watching.delete(vm);
    return w.key;
  }

  /** The VM stopped: stop watching it. */
  forget(vm: number): void {
    this.#watching.delete(vm);
  }

  add(template: BootTemplate): void {
    const old = this.#ready.get(template.key);
    if (old) this.host.releaseSnapshotFrames(old.frames);
    this.#ready.set(template.key, template);
    while (this.#ready.size > MAX_TEMPLATES) {
      const [key, oldest] = this.#ready.entries().next().value as [string, BootTemplate];
      this.#ready.delete(key);
      this.host.releaseSnapshotFrames(oldest.frames);
    }
  }

  /** Guest pages the templates hold. */
  get pages(): number {
    let n = 0;
    for (const t of this.#ready.values()) for (const f of t.frames.frames) if (f >= 0) n++;
    return n;
  }
}
