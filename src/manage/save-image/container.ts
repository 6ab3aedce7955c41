/**
 * The save image's container: header, section table, sections, checksum
 * (what `virsh save` writes and `virsh restore` reads; libvirt's own file is
 * a "LibvirtQemudSave" header, the domain XML and QEMU's migration stream).
 * This file knows the framing only; the sections' contents are decoded by
 * machine-codec.ts and page-codec.ts. Also in ARCHITECTURE.md, "Save image
 * format". All integers little-endian; u64 values must be < 2^53.
 *
 * | offset     | bytes | field                                                        |
 * |------------|-------|--------------------------------------------------------------|
 * | 0          | 16    | magic, ASCII "VirtLabSaveImage" (no NUL)                     |
 * | 16         | 4     | u32 format version (SAVE_IMAGE_VERSION)                      |
 * | 20         | 4     | u32 flags: bit 0 PAUSED (restore paused); other bits zero   |
 * | 24         | 8     | u64 file length in bytes, checksum included                  |
 * | 32         | 4     | u32 section count n (1..MAX_SECTIONS)                        |
 * | 36         | 4     | u32 reserved, zero                                           |
 * | 40         | 24·n  | section table: u32 id, u32 reserved (zero), u64 offset,      |
 * |            |       | u64 length; ids strictly ascending                           |
 * | 40 + 24·n  | …     | the sections, back to back in table order, no gaps           |
 * | length−32  | 32    | SHA-256 of bytes [0, length − 32)                            |
 *
 * Sections (SECTION), each at most once; all but BALLOON required:
 * | id | name         | contents                                                         |
 * |----|--------------|------------------------------------------------------------------|
 * | 1  | XML          | the domain XML, UTF-8 (save-image-dumpxml; save-image-define)    |
 * | 2  | MACHINE      | MachineState's scalars and `devices` as UTF-8 JSON               |
 * | 3  | HART_STATES  | harts × HART_STATE_BYTES (cpu/hart-state.ts layout)              |
 * | 4  | PLIC         | the PLIC's shared words (devices/plic.ts layout)                  |
 * | 5  | CLINT        | the CLINT's shared words (devices/clint.ts layout)                |
 * | 6  | BALLOON      | BAL.WORDS Float64 (vm-shared.ts), when the machine has a balloon |
 * | 7  | PAGE_INDEX   | u32 gfn of each stored page, in storage order                    |
 * | 8  | MEMORY       | the stored pages' 4096 bytes each, deflate-raw in segments       |
 *
 * The checksum is SHA-256 through `crypto.subtle` (browsers in a secure
 * context, which cross-origin isolation already requires, and Node 20):
 * native, ~0.8 GB/s here, no code of ours to maintain; CRC-32 would need a JS
 * table loop of about the same speed. It detects damage, it does not
 * authenticate: anyone can recompute it.
 */
import { SaveImageError } from './save-image-error';

export const SAVE_IMAGE_MAGIC = 'VirtLabSaveImage';
/** The format this code writes and the newest it reads. */
export const SAVE_IMAGE_VERSION = 1;
export const SAVE_IMAGE_FLAG = { PAUSED: 1 } as const;

export const SECTION = {
  XML: 1,
  MACHINE: 2,
  HART_STATES: 3,
  PLIC: 4,
  CLINT: 5,
  BALLOON: 6,
  PAGE_INDEX: 7,
  MEMORY: 8,
} as const;
export type SectionId = (typeof SECTION)[keyof typeof SECTION];
const SECTION_NAME = Object.fromEntries(
  Object.entries(SECTION).map(([name, id]) => [id, name]),
) as Record<number, string>;

export const HEADER_BYTES = 40;
export const ENTRY_BYTES = 24;
export const CHECKSUM_BYTES = 32;
const MAX_SECTIONS = 16;
const KNOWN_FLAGS = SAVE_IMAGE_FLAG.PAUSED;
const MAGIC_BYTES = new TextEncoder().encode(SAVE_IMAGE_MAGIC);

export interface Container {
  version: number;
  flags: number;
  /** Each present section's bytes (views into the file). */
  sections: Map<SectionId, Uint8Array>;
  /** SHA-256 of the image, lowercase hex. */
  sha256: string;
}

/** Frames sections (in ascending id order) into a checksummed file. */
export async function packContainer(
  flags: number,
  sections: ReadonlyArray<readonly [SectionId, Uint8Array]>,
): Promise<Uint8Array<ArrayBuffer>> {
  const tableEnd = HEADER_BYTES + ENTRY_BYTES * sections.length;
  const length = sections.reduce((sum, [, bytes]) => sum + bytes.length, tableEnd + CHECKSUM_BYTES);
  const file = new Uint8Array(length);
  const view = new DataView(file.buffer);
  file.set(MAGIC_BYTES, 0);
  view.setUint32(16, SAVE_IMAGE_VERSION, true);
  view.setUint32(20, flags, true);
  setU64(view, 24, length);
  view.setUint32(32, sections.length, true);
  let at = tableEnd;
  sections.forEach(([id, bytes], i) => {
    const entry = HEADER_BYTES + ENTRY_BYTES * i;
    view.setUint32(entry, id, true);
    setU64(view, entry + 8, at);
    setU64(view, entry + 16, bytes.length);
    file.set(bytes, at);
    at += bytes.length;
  });
  file.set(await sha256(file.subarray(0, at)), at);
  return file;
}

/**
 * Checks the framing (magic, version, length, checksum, flags, table) and
 * returns the sections. Nothing is allocated from header fields: every
 * offset and length is checked against the file first.
 */
export async function unpackContainer(file: Uint8Array): Promise<Container> {
  if (file.length === 0)
    throw new SaveImageError('not-save-image', 'not a VirtLab save image: the file is empty');
  const magicSeen = file.subarray(0, MAGIC_BYTES.length);
  if (magicSeen.some((b, i) => b !== MAGIC_BYTES[i]))
    throw new SaveImageError(
      'not-save-image',
      'not a VirtLab save image: image magic is incorrect',
    );
  if (file.length < HEADER_BYTES + CHECKSUM_BYTES)
    throw truncated(file.length, HEADER_BYTES + CHECKSUM_BYTES, 'header');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = view.getUint32(16, true);
  if (version > SAVE_IMAGE_VERSION)
    throw new SaveImageError(
      'newer-version',
      `saved by a newer VirtLab (format ${version}); this one reads up to ${SAVE_IMAGE_VERSION}`,
    );
  if (version === 0) throw new SaveImageError('invalid', 'image version 0 is not supported');
  const length = getU64(view, 24);
  if (file.length < length) throw truncated(file.length, length, 'file');
  if (file.length > length)
    throw new SaveImageError(
      'corrupt',
      `corrupt save image: ${file.length - length} bytes after the end the header gives (${length} bytes)`,
    );
  const body = length - CHECKSUM_BYTES;
  const digest = await sha256(file.subarray(0, body));
  if (digest.some((b, i) => b !== file[body + i]))
    throw new SaveImageError('corrupt', 'corrupt save image: checksum mismatch (SHA-256)');

  // Past the checksum: what follows are inconsistencies of a well-formed
  // file (a writer's bug or a crafted file), not damage.
  const flags = view.getUint32(20, true);
  if (flags & ~KNOWN_FLAGS) throw invalid(`unknown flags 0x${flags.toString(16)}`);
  if (view.getUint32(36, true) !== 0) throw invalid('reserved header field is not zero');
  const count = view.getUint32(32, true);
  if (count < 1 || count > MAX_SECTIONS)
    throw invalid(`${count} sections; a save image has 1 to ${MAX_SECTIONS}`);
  const tableEnd = HEADER_BYTES + ENTRY_BYTES * count;
  if (tableEnd > body) throw invalid(`the section table (${count} entries) overruns the file`);
  const sections = new Map<SectionId, Uint8Array>();
  let at = tableEnd;
  let lastId = 0;
  for (let i = 0; i < count; i++) {
    const entry = HEADER_BYTES + ENTRY_BYTES * i;
    const id = view.getUint32(entry, true);
    const offset = getU64(view, entry + 8);
    const size = getU64(view, entry + 16);
    if (!(id in SECTION_NAME)) throw invalid(`unknown section id ${id}`);
    if (id <= lastId) throw invalid(`section ${SECTION_NAME[id]} is out of order or repeated`);
    if (view.getUint32(entry + 4, true) !== 0)
      throw invalid(`section ${SECTION_NAME[id]}: reserved field is not zero`);
    if (offset !== at || size > body - at)
      throw invalid(
        `section ${SECTION_NAME[id]} at ${offset}+${size} does not follow the previous one (at ${at}) within the file`,
      );
    sections.set(id as SectionId, file.subarray(at, at + size));
    at += size;
    lastId = id;
  }
  if (at !== body) throw invalid(`${body - at} bytes between the last section and the checksum`);
  return { version, flags, sections, sha256: hex(digest) };
}

function truncated(have: number, need: number, what: string): SaveImageError {
  return new SaveImageError(
    'truncated',
    `truncated save image: ${have} bytes, the ${what} needs ${need}`,
  );
}

function invalid(what: string): SaveImageError {
  return new SaveImageError('invalid', `invalid save image: ${what}`);
}

/** u64 as two u32 halves; above 2^53 it is inexact, but then it matches no real offset. */
function getU64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new Error(
      'crypto.subtle is unavailable: save images need a secure context (https or localhost)',
    );
  // subtle.digest takes no views of a SharedArrayBuffer.
  const own = bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
  return new Uint8Array(await subtle.digest('SHA-256', own as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
