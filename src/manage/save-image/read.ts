import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import type { MachineState } from '../../hypervisor/vm/machine-state';
import { SAVE_IMAGE_FLAG, SECTION, unpackContainer, type SectionId } from './container';
import { decodeMachine } from './machine-codec';
import {
  decodeMemorySegments,
  decodePageIndex,
  inflatePages,
  type MemorySegments,
  type SavedPage,
} from './page-codec';
import { SaveImageError } from './save-image-error';
import { decodeXml } from './xml-section';

/** What `save-image-dumpxml` and a restore's checks need, without the memory. */
export interface SaveImageHeader {
  /** Format version of the file (≤ SAVE_IMAGE_VERSION). */
  formatVersion: number;
  xml: string;
  machine: MachineState;
  /** Restore paused unless overridden (`virsh restore --running`). */
  paused: boolean;
  /** Pages stored (touched and not all zero). */
  pageCount: number;
  /** Compressed size of the memory section. */
  memoryBytes: number;
  fileBytes: number;
  /** SHA-256 of the image, lowercase hex (the checksum it carries). */
  sha256: string;
}

export interface SaveImage extends SaveImageHeader {
  /** gfn of each stored page, in storage order. */
  gfns: Uint32Array;
  /** The stored pages' bytes: page i is memory[i·4096, (i+1)·4096). */
  memory: Uint8Array;
}

/** What the restorer requires of the image (libvirt's ABI-stability check). */
export interface SaveImageExpect {
  harts?: number;
  memoryMiB?: number;
}

/**
 * `virsh save-image-dumpxml`: checks the whole file (checksum, every
 * section, the page index, the memory's segment table) but does not
 * inflate the memory.
 */
export async function readSaveImageHeader(file: Uint8Array): Promise<SaveImageHeader> {
  return (await parseSaveImage(file)).header;
}

/**
 * `virsh restore`: the whole image, checked. Any problem throws a
 * SaveImageError; nothing partly read is returned.
 */
export async function readSaveImage(
  file: Uint8Array,
  expect: SaveImageExpect = {},
): Promise<SaveImage> {
  const { header, gfns, segments } = await parseSaveImage(file);
  const { harts, memoryMiB } = header.machine;
  if (expect.memoryMiB !== undefined && expect.memoryMiB !== memoryMiB)
    throw mismatch(
      `target domain memory ${expect.memoryMiB} MiB does not match source ${memoryMiB} MiB`,
    );
  if (expect.harts !== undefined && expect.harts !== harts)
    throw mismatch(`target domain vCPUs ${expect.harts} does not match source ${harts}`);
  const memory = await inflatePages(segments, gfns.length);
  return { ...header, gfns, memory };
}

/** The pages of a read image as (gfn, view of its 4096 bytes). */
export function* savedPages(image: Pick<SaveImage, 'gfns' | 'memory'>): Generator<SavedPage> {
  for (let i = 0; i < image.gfns.length; i++)
    yield { gfn: image.gfns[i], bytes: image.memory.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE) };
}

export interface ParsedSaveImage {
  header: SaveImageHeader;
  sections: Map<SectionId, Uint8Array>;
  gfns: Uint32Array;
  segments: MemorySegments;
}

/** Everything but the inflation of memory; shared by the readers and save-image-define. */
export async function parseSaveImage(file: Uint8Array): Promise<ParsedSaveImage> {
  // Views of a SharedArrayBuffer cannot be hashed or inflated by the platform.
  const own = file.buffer instanceof ArrayBuffer ? file : file.slice();
  const container = await unpackContainer(own);
  const { sections } = container;
  const xml = decodeXml(sections.get(SECTION.XML));
  const machine = decodeMachine(sections);
  const index = sections.get(SECTION.PAGE_INDEX);
  const memory = sections.get(SECTION.MEMORY);
  if (!index || !memory)
    throw new SaveImageError('invalid', 'invalid save image: the memory is missing');
  const gfns = decodePageIndex(index, (machine.memoryMiB * (1 << 20)) / PAGE_SIZE);
  const segments = decodeMemorySegments(memory, gfns.length);
  const header: SaveImageHeader = {
    formatVersion: container.version,
    xml,
    machine,
    paused: (container.flags & SAVE_IMAGE_FLAG.PAUSED) !== 0,
    pageCount: gfns.length,
    memoryBytes: memory.length,
    fileBytes: own.length,
    sha256: container.sha256,
  };
  return { header, sections, gfns, segments };
}

function mismatch(what: string): SaveImageError {
  return new SaveImageError('mismatch', `save image does not match the domain: ${what}`);
}
