import type { DomainDef, DomainSummary } from './control-api';
import type { DomainManager } from './domains';
import { VirtError } from './errors';
import type { VmImage } from './mobility';
import { readSaveImage, writeSaveImage } from './save-image';
import { formatDomainXml, parseDomainXml } from './xml/domain-xml';

/**
 * virsh save and restore over files: a VmImage to and from the save-image
 * format (save-image/), with the domain XML libvirt puts in its header.
 */

/** The domain XML a save image carries (dumpxml of the definition it ran with). */
function imageXml(def: DomainDef): string {
  return formatDomainXml({ ...def, uuid: def.uuid!, vcpupin: def.vcpupin ?? {} });
}

/** virsh save: the domain stops only once its image is written. */
export function saveToImage(
  domains: DomainManager,
  name: string,
  options: { paused?: boolean; running?: boolean },
): Promise<Uint8Array> {
  return domains.images.save(name, options, (image: VmImage) =>
    writeSaveImage({
      xml: imageXml(image.def),
      machine: image.machine,
      paused: image.paused,
      pages: pagesOf(image),
    }),
  );
}

/**
 * Ours (virsh snapshot-save): a snapshot written as a save image, the file
 * `virsh restore` takes, so a snapshot outlives the host that holds it.
 */
export function snapshotToFile(
  domains: DomainManager,
  name: string,
  snapshot: string,
): Promise<Uint8Array> {
  const image = domains.snapshots.image(name, snapshot);
  return writeSaveImage({
    xml: imageXml(image.def),
    machine: image.machine,
    paused: image.paused,
    pages: pagesOf(image),
  });
}

function* pagesOf(image: VmImage): Generator<{ gfn: number; bytes: Uint8Array }> {
  for (let i = 0; i < image.gfns.length; i++)
    yield { gfn: image.gfns[i], bytes: image.data.subarray(i * 4096, (i + 1) * 4096) };
}

/**
 * virsh restore [--xml FILE]: the image is read whole and checked first;
 * its definition must match the machine it carries (memory, vCPUs), and a
 * replacement XML must keep the name and uuid (libvirt's ABI check).
 */
export async function restoreFromImage(
  domains: DomainManager,
  file: Uint8Array,
  options: { paused?: boolean; running?: boolean; xml?: string },
): Promise<DomainSummary> {
  const image = await readSaveImage(file);
  const saved = parse(image.xml, 'the save image');
  let def = saved;
  if (options.xml !== undefined) {
    def = parse(options.xml, 'the replacement XML');
    if (
      def.name !== saved.name ||
      (def.uuid ?? '').toLowerCase() !== (saved.uuid ?? '').toLowerCase()
    )
      throw new VirtError(
        'invalid-arg',
        `the replacement XML names domain '${def.name}' (${def.uuid ?? 'no uuid'}), the image holds '${saved.name}' (${saved.uuid})`,
      );
  }
  const machine = image.machine;
  if (def.memoryMiB !== machine.memoryMiB || def.vcpus !== machine.harts)
    throw new VirtError(
      'invalid-arg',
      `the domain XML says ${def.memoryMiB} MiB and ${def.vcpus} vCPUs, the saved machine has ${machine.memoryMiB} MiB and ${machine.harts}`,
    );
  return domains.images.restore(
    { def, machine, gfns: image.gfns, data: image.memory, paused: image.paused },
    options,
  );
}

function parse(xml: string, what: string): DomainDef {
  try {
    return parseDomainXml(xml).def;
  } catch (error) {
    throw new VirtError(
      'invalid-arg',
      `${what} holds a domain XML that does not parse: ${(error as Error).message}`,
    );
  }
}
