import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import type { MachineState } from '../../hypervisor/vm/machine-state';
import { SAVE_IMAGE_FLAG, SECTION, packContainer, type SectionId } from './container';
import { decodeMachine, encodeMachine } from './machine-codec';
import { encodePages, type SavedPage } from './page-codec';
import { parseSaveImage } from './read';
import { encodeXml } from './xml-section';

export interface SaveImageInput {
  /** The domain XML (virDomainGetXMLDesc with VIR_DOMAIN_XML_SECURE | MIGRATABLE). */
  xml: string;
  machine: MachineState;
  /** Restore paused (libvirt: the domain was not running when saved, or --paused). */
  paused: boolean;
  /** The touched pages; all-zero ones are left out. Read while the promise is pending. */
  pages: Iterable<SavedPage>;
}

/**
 * `virsh save`: one save image of a stopped-in-place VM. The input is
 * checked by the reader's rules before any memory is compressed: a machine
 * state the reader would refuse is a host bug, thrown as SaveImageError
 * 'invalid' (so is a page outside the guest, repeated, or not 4096 bytes).
 */
export async function writeSaveImage(input: SaveImageInput): Promise<Uint8Array<ArrayBuffer>> {
  const xml = encodeXml(input.xml);
  const machine = encodeMachine(input.machine);
  decodeMachine(new Map(machine));
  const memoryPages = (input.machine.memoryMiB * (1 << 20)) / PAGE_SIZE;
  const { index, memory } = await encodePages(input.pages, memoryPages);
  const sections: Array<[SectionId, Uint8Array]> = [
    [SECTION.XML, xml],
    ...machine,
    [SECTION.PAGE_INDEX, index],
    [SECTION.MEMORY, memory],
  ];
  return packContainer(input.paused ? SAVE_IMAGE_FLAG.PAUSED : 0, sections);
}

/**
 * `virsh save-image-define FILE XML [--running|--paused]`
 * (virDomainSaveImageDefineXML): the same image with another domain XML
 * and, when given, another running/paused choice. The file is checked
 * first; its memory is copied as it is, not inflated.
 */
export async function defineSaveImageXml(
  file: Uint8Array,
  xml: string,
  options: { paused?: boolean } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { header, sections } = await parseSaveImage(file);
  const paused = options.paused ?? header.paused;
  const replaced = [...sections].map(([id, bytes]): [SectionId, Uint8Array] =>
    id === SECTION.XML ? [id, encodeXml(xml)] : [id, bytes],
  );
  return packContainer(paused ? SAVE_IMAGE_FLAG.PAUSED : 0, replaced);
}
