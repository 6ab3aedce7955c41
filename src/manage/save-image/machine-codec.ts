/**
 * MachineState ⇄ the save image's MACHINE (JSON), HART_STATES, PLIC, CLINT
 * and BALLOON sections. The binary parts stay binary (byte copies of their
 * shared layouts; the balloon's Float64 words hold NaN, which JSON cannot);
 * everything else is JSON. Decoding checks every field and every blob size
 * against the machine's geometry, so a restorer never sees a state its
 * workers would misread.
 */
import { HART_STATE_BYTES } from '../../hypervisor/cpu/hart-state';
import { CLINT_WORD, clintLayout } from '../../hypervisor/devices/clint';
import { PLIC_WORD, plicLayout } from '../../hypervisor/devices/plic';
import { VIRT } from '../../hypervisor/board/virt-board';
import { BAL } from '../../hypervisor/host/vm-shared';
import { MAX_HARTS, MAX_MEMORY_MIB, MIN_MEMORY_MIB } from '../../hypervisor/vm/boot';
import {
  MACHINE_STATE_VERSION,
  type Json,
  type MachineState,
  type VmmDeviceState,
} from '../../hypervisor/vm/machine-state';
import { SECTION, type SectionId } from './container';
import { SaveImageError } from './save-image-error';

/** Limit of the MACHINE section (device states are a few KiB). */
export const MACHINE_JSON_MAX_BYTES = 1 << 20;
/** PLIC sources addressable in its MMIO map (priority words before the pending bits). */
const PLIC_MAX_NDEV = 1023;

/** What the MACHINE section's JSON holds: MachineState without its binary parts. */
interface MachineJson {
  version: number;
  harts: number;
  memoryMiB: number;
  sbi: boolean;
  engine: MachineState['engine'];
  htif?: MachineState['htif'];
  mtime: number;
  balloon?: { deflateOnOom: boolean; freePageReporting: boolean };
  devices: VmmDeviceState;
}

export function encodeMachine(machine: MachineState): Array<[SectionId, Uint8Array]> {
  const { hartStates, plic, clint, balloon, ...scalars } = machine;
  const meta: MachineJson = {
    ...scalars,
    ...(balloon && {
      balloon: { deflateOnOom: balloon.deflateOnOom, freePageReporting: balloon.freePageReporting },
    }),
  };
  checkJson(meta, 'machine');
  const sections: Array<[SectionId, Uint8Array]> = [
    [SECTION.MACHINE, new TextEncoder().encode(JSON.stringify(meta))],
    [SECTION.HART_STATES, hartStates],
    [SECTION.PLIC, plic],
    [SECTION.CLINT, clint],
  ];
  if (balloon) {
    const words = new Uint8Array(balloon.words.length * 8);
    const view = new DataView(words.buffer);
    balloon.words.forEach((w, i) => view.setFloat64(i * 8, w, true));
    sections.push([SECTION.BALLOON, words]);
  }
  return sections;
}

/** Decodes and checks the machine sections; the blobs are copied out of the file. */
export function decodeMachine(sections: Map<SectionId, Uint8Array>): MachineState {
  const meta = parseMeta(required(sections, SECTION.MACHINE, 'MACHINE'));
  const hartStates = required(sections, SECTION.HART_STATES, 'HART_STATES');
  if (hartStates.length !== meta.harts * HART_STATE_BYTES)
    throw invalid(
      `hart states are ${hartStates.length} bytes; ${meta.harts} harts need ${meta.harts * HART_STATE_BYTES}`,
    );
  const plic = required(sections, SECTION.PLIC, 'PLIC');
  checkPlic(plic, meta.harts);
  const clint = required(sections, SECTION.CLINT, 'CLINT');
  const clintBytes = clintLayout(meta.harts).words * 4;
  if (clint.length !== clintBytes)
    throw invalid(`CLINT state is ${clint.length} bytes; ${meta.harts} harts need ${clintBytes}`);
  if (word(clint, CLINT_WORD.HARTS) !== meta.harts)
    throw invalid(
      `CLINT state is for ${word(clint, CLINT_WORD.HARTS)} harts, the machine has ${meta.harts}`,
    );
  const words = sections.get(SECTION.BALLOON);
  if (!meta.balloon !== !words)
    throw invalid(
      meta.balloon ? 'the balloon words are missing' : 'balloon words without a balloon',
    );
  if (words && words.length !== BAL.WORDS * 8)
    throw invalid(`balloon state is ${words.length} bytes, not ${BAL.WORDS * 8}`);
  const { balloon, ...scalars } = meta;
  const machine: MachineState = {
    ...scalars,
    hartStates: hartStates.slice(),
    plic: plic.slice(),
    clint: clint.slice(),
  };
  if (balloon && words) {
    const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
    const values = Array.from({ length: BAL.WORDS }, (_, i) => view.getFloat64(i * 8, true));
    machine.balloon = { ...balloon, words: values };
  }
  return machine;
}

function parseMeta(bytes: Uint8Array): MachineJson {
  if (bytes.length > MACHINE_JSON_MAX_BYTES)
    throw invalid(
      `machine state is ${bytes.length} bytes, over the ${MACHINE_JSON_MAX_BYTES} limit`,
    );
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw invalid(`machine state is not valid JSON: ${(e as Error).message}`);
  }
  const m = object(value, 'machine state', [
    'version',
    'harts',
    'memoryMiB',
    'sbi',
    'engine',
    'htif',
    'mtime',
    'balloon',
    'devices',
  ]);
  const version = integer(m.version, 'machine state version', 1, Number.MAX_SAFE_INTEGER);
  if (version > MACHINE_STATE_VERSION)
    throw new SaveImageError(
      'newer-version',
      `saved by a newer VirtLab (machine state ${version}); this one reads up to ${MACHINE_STATE_VERSION}`,
    );
  const harts = integer(m.harts, 'harts', 1, MAX_HARTS);
  const memoryMiB = integer(m.memoryMiB, 'memoryMiB', MIN_MEMORY_MIB, MAX_MEMORY_MIB);
  if (typeof m.sbi !== 'boolean') throw invalid('sbi is not a boolean');
  if (m.engine !== 'interpreter' && m.engine !== 'jit')
    throw invalid(`unknown CPU engine ${JSON.stringify(m.engine)}`);
  if (typeof m.mtime !== 'number' || !(m.mtime >= 0)) throw invalid('mtime is not a number ≥ 0');
  const meta: MachineJson = {
    version,
    harts,
    memoryMiB,
    sbi: m.sbi,
    engine: m.engine,
    mtime: m.mtime,
    devices: devices(m.devices),
  };
  if (m.htif !== undefined) {
    const h = object(m.htif, 'htif', ['tohost', 'fromhost']);
    meta.htif = { tohost: integer(h.tohost, 'htif.tohost', 0, 2 ** 32 - 1) };
    if (h.fromhost !== undefined)
      meta.htif.fromhost = integer(h.fromhost, 'htif.fromhost', 0, 2 ** 32 - 1);
  }
  if (m.balloon !== undefined) {
    const b = object(m.balloon, 'balloon', ['deflateOnOom', 'freePageReporting']);
    if (typeof b.deflateOnOom !== 'boolean' || typeof b.freePageReporting !== 'boolean')
      throw invalid('balloon flags are not booleans');
    meta.balloon = { deflateOnOom: b.deflateOnOom, freePageReporting: b.freePageReporting };
  }
  return meta;
}

function devices(value: unknown): VmmDeviceState {
  const d = object(value, 'devices', ['uart', 'rtc', 'pvpanic', 'vmgenid', 'virtio']);
  for (const key of ['uart', 'rtc', 'pvpanic'] as const)
    if (!(key in d)) throw invalid(`devices.${key} is missing`);
  if (!Array.isArray(d.virtio) || d.virtio.length > VIRT.VIRTIO.count)
    throw invalid(`devices.virtio is not a list of at most ${VIRT.VIRTIO.count} slots`);
  const out: VmmDeviceState = {
    uart: d.uart as Json,
    rtc: d.rtc as Json,
    pvpanic: d.pvpanic as Json,
    virtio: d.virtio,
  };
  // Optional: images saved before the board had a vmgenid have none (the device then keeps its id).
  if (d.vmgenid !== undefined) out.vmgenid = d.vmgenid as Json;
  return out;
}

function checkPlic(plic: Uint8Array, harts: number): void {
  if (plic.length < 16)
    throw invalid(`PLIC state is ${plic.length} bytes, shorter than its header`);
  const plicHarts = word(plic, PLIC_WORD.HARTS);
  const ndev = word(plic, PLIC_WORD.NDEV);
  if (plicHarts !== harts)
    throw invalid(`PLIC state is for ${plicHarts} harts, the machine has ${harts}`);
  if (ndev < 1 || ndev > PLIC_MAX_NDEV) throw invalid(`PLIC state has ${ndev} sources`);
  const bytes = plicLayout(harts, ndev).words * 4;
  if (plic.length !== bytes)
    throw invalid(
      `PLIC state is ${plic.length} bytes; ${harts} harts and ${ndev} sources need ${bytes}`,
    );
}

/** Int32 word `i` of a shared-layout copy (little-endian, as every host we run on). */
function word(bytes: Uint8Array, i: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(i * 4, true);
}

function required(sections: Map<SectionId, Uint8Array>, id: SectionId, name: string): Uint8Array {
  const bytes = sections.get(id);
  if (!bytes) throw invalid(`the ${name} section is missing`);
  return bytes;
}

function object(value: unknown, what: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} is not an object`);
  const extra = Object.keys(value).find((k) => !keys.includes(k));
  if (extra !== undefined) throw invalid(`${what} has an unknown field ${JSON.stringify(extra)}`);
  return value as Record<string, unknown>;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${what} is ${JSON.stringify(value)}, not an integer in ${min}..${max}`);
  return value;
}

/**
 * A writer-side check that JSON.stringify keeps `value` exactly: it would
 * turn NaN and Infinity into null, drop undefined fields, and throw on a
 * bigint only when it meets one. A device model that saves such a value is
 * a host bug, reported with the value's path.
 */
function checkJson(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => checkJson(v, `${path}[${i}]`));
        return;
      }
      if (
        Object.getPrototypeOf(value) !== Object.prototype &&
        Object.getPrototypeOf(value) !== null
      )
        throw notJson(path, `a ${value.constructor?.name ?? 'non-plain'} object`);
      for (const [k, v] of Object.entries(value)) if (v !== undefined) checkJson(v, `${path}.${k}`);
      return;
    default:
      throw notJson(path, `a ${typeof value}`);
  }
}

function notJson(path: string, what: string): SaveImageError {
  return new SaveImageError('invalid', `cannot save ${path}: ${what} does not survive JSON`);
}

function invalid(what: string): SaveImageError {
  return new SaveImageError('invalid', `invalid save image: ${what}`);
}
