/**
 * VM Generation ID (Microsoft's "Virtual Machine Generation ID" paper, QEMU
 * docs/specs/vmgenid.rst; Linux drivers/virt/vmgenid.c through the
 * devicetree binding rng/microsoft,vmgenid.yaml): 16 read-only bytes
 * holding a 128-bit id, and an interrupt. The id changes whenever the VM
 * may have been duplicated — started from a snapshot, cloned, restored from
 * a file — and the interrupt tells the guest, whose handler reads the new
 * id and reseeds its RNG at once (add_vmfork_randomness), so two copies of
 * one VM never draw the same random numbers.
 *
 * The line is a level: raised when the id changes and lowered when the
 * guest reads the id (its handler does, right after claiming the
 * interrupt), so the notification is neither lost nor repeated.
 */
import type { IrqLine, MmioDevice } from './mmio-device';
import type { Json } from '../vm/machine-state';
import { DeviceStateError, StateReader } from './device-state';

export const VMGENID_BYTES = 16;

export class VmGenId implements MmioDevice {
  readonly name = 'vmgenid';
  readonly #id = new Uint8Array(VMGENID_BYTES);
  readonly #irq: IrqLine;
  #notifying = false;
  /** Writes (the region is read-only). */
  ignoredWrites = 0;

  constructor(irq: IrqLine, id: Uint8Array) {
    this.#irq = irq;
    this.#id.set(checkId(id));
  }

  get id(): Uint8Array {
    return this.#id.slice();
  }

  /** A new generation: the id becomes `id` and, if it changed, the guest is told. */
  setId(id: Uint8Array): void {
    checkId(id);
    if (this.#id.every((b, k) => b === id[k])) return;
    this.#id.set(id);
    this.#notifying = true;
    this.#irq.set(true);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (this.#notifying) {
      this.#notifying = false;
      this.#irq.set(false);
    }
    let v = 0;
    for (let k = 0; k < size; k++) {
      const at = offset + k;
      v |= (at < VMGENID_BYTES ? this.#id[at] : 0) << (8 * k);
    }
    return v >>> 0;
  }

  write(): void {
    this.ignoredWrites++;
  }

  /** The id the guest was last given. */
  saveState(): Json {
    return { id: Array.from(this.#id) };
  }

  loadState(state: Json): void {
    const id = new StateReader('vmgenid', state).bytes('id', VMGENID_BYTES);
    if (id.length !== VMGENID_BYTES)
      throw new DeviceStateError(
        `vmgenid: the saved id is ${id.length} bytes, not ${VMGENID_BYTES}`,
      );
    this.#id.set(id);
    this.#notifying = false;
  }
}

function checkId(id: Uint8Array): Uint8Array {
  if (id.length !== VMGENID_BYTES) throw new RangeError('a VM generation id is 16 bytes');
  return id;
}

/**
 * The id of a libvirt `<genid>` (a UUID string) as the 16 bytes the guest
 * reads: the GUID's little-endian layout, as QEMU's vmgenid stores it
 * (docs/specs/vmgenid.rst: "the GUID is stored in little-endian format").
 */
export function genidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  const b = Uint8Array.from({ length: 16 }, (_, k) => parseInt(hex.slice(2 * k, 2 * k + 2), 16));
  // time_low, time_mid and time_hi_and_version are little-endian in a GUID.
  return Uint8Array.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)]);
}
