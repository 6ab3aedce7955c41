import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import { MACHINE_STATE_VERSION } from '../../hypervisor/vm/machine-state';
import { CHECKSUM_BYTES, SECTION, unpackContainer, type SectionId } from './container';
import { deflateRaw } from './deflate';
import {
  SAVE_IMAGE_MAGIC,
  SAVE_IMAGE_VERSION,
  SaveImageError,
  defineSaveImageXml,
  readSaveImage,
  readSaveImageHeader,
  savedPages,
  writeSaveImage,
  type SaveImageErrorReason,
} from './index';
import {
  Rng,
  firstDifference,
  nonZeroPages,
  repack,
  reseal,
  synthesizeGuestMemory,
  syntheticMachine,
} from './save-image.test-helper';

const XML = `<domain type='kvm'>\n  <name>web-é</name>\n  <memory unit='KiB'>65536</memory>\n  <vcpu>2</vcpu>\n</domain>\n`;

async function saved(seed = 42) {
  const rng = new Rng(seed);
  const machine = syntheticMachine(rng);
  const pages = synthesizeGuestMemory(rng, 64, 700, {
    zero: 1,
    code: 3,
    sparse: 3,
    text: 2,
    random: 1,
  });
  const file = await writeSaveImage({ xml: XML, machine, paused: false, pages });
  return { machine, pages, file };
}

async function rejected(
  file: Uint8Array,
  read: (f: Uint8Array) => Promise<unknown> = readSaveImage,
): Promise<{ reason: SaveImageErrorReason; message: string }> {
  try {
    await read(file);
  } catch (e) {
    if (!(e instanceof SaveImageError)) throw e;
    return { reason: e.reason, message: e.message };
  }
  throw new Error('accepted');
}

/** Where each section lies in the file, from the (trusted) container. */
async function sectionSpans(file: Uint8Array): Promise<Array<[SectionId, number, number]>> {
  const { sections } = await unpackContainer(file);
  return [...sections].map(([id, bytes]) => [id, bytes.byteOffset - file.byteOffset, bytes.length]);
}

describe('save image', () => {
  it('round-trips XML, machine state, paused flag and every non-zero page exactly', async () => {
    const { machine, pages, file } = await saved();
    expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SAVE_IMAGE_MAGIC);
    const image = await readSaveImage(file);
    expect(image.formatVersion).toBe(SAVE_IMAGE_VERSION);
    expect(image.xml).toBe(XML);
    expect(image.machine).toEqual(machine);
    expect(image.machine.balloon!.words[8]).toBeNaN();
    expect(image.paused).toBe(false);
    expect(image.fileBytes).toBe(file.length);
    const stored = nonZeroPages(pages);
    expect(image.pageCount).toBe(stored.length);
    expect([...image.gfns]).toEqual(stored.map((p) => p.gfn));
    const back = [...savedPages(image)];
    expect(back.map((p) => p.gfn)).toEqual(stored.map((p) => p.gfn));
    back.forEach((p, i) =>
      expect(firstDifference(p.bytes, stored[i].bytes), `gfn ${p.gfn}`).toBe(-1),
    );
    // Every page not stored was zero.
    const storedGfns = new Set(image.gfns);
    for (const p of pages)
      if (!storedGfns.has(p.gfn)) expect(p.bytes.every((b) => b === 0)).toBe(true);
  });

  it('writes the same bytes for the same input, whatever the page views', async () => {
    const a = await saved(5);
    const copies = a.pages.map((p) => ({ gfn: p.gfn, bytes: p.bytes.slice() }));
    const b = await writeSaveImage({ xml: XML, machine: a.machine, paused: false, pages: copies });
    expect(firstDifference(a.file, b)).toBe(-1);
  });

  it('keeps the paused flag and reads the header without the memory', async () => {
    const rng = new Rng(9);
    const machine = syntheticMachine(rng);
    const file = await writeSaveImage({ xml: XML, machine, paused: true, pages: [] });
    const header = await readSaveImageHeader(file);
    expect(header).toMatchObject({ xml: XML, paused: true, pageCount: 0, machine });
    expect(header.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await readSaveImage(file)).memory.length).toBe(0);
  });

  it('save-image-dumpxml does not inflate memory: it reads an image whose memory would not', async () => {
    const { file } = await saved();
    const broken = await repack(file, (s) => {
      const m = s.get(SECTION.MEMORY)!.slice();
      m.fill(0xff, 8 + 4 * new DataView(m.buffer).getUint32(4, true));
      s.set(SECTION.MEMORY, m);
    });
    expect((await readSaveImageHeader(broken)).xml).toBe(XML);
    expect((await rejected(broken)).reason).toBe('corrupt');
  });

  it('save-image-define replaces the XML and the paused flag, keeping the memory', async () => {
    const { file, machine } = await saved();
    const xml = XML.replace('web-é', 'web-2');
    const defined = await defineSaveImageXml(file, xml, { paused: true });
    const image = await readSaveImage(defined);
    expect(image.xml).toBe(xml);
    expect(image.paused).toBe(true);
    expect(image.machine).toEqual(machine);
    const before = (await unpackContainer(file)).sections.get(SECTION.MEMORY)!;
    const after = (await unpackContainer(defined)).sections.get(SECTION.MEMORY)!;
    expect(firstDifference(before, after)).toBe(-1);
    expect((await readSaveImageHeader(await defineSaveImageXml(defined, xml))).paused).toBe(true);
    expect((await rejected(file, (f) => defineSaveImageXml(f, ''))).message).toBe(
      'cannot save: the domain XML is empty',
    );
    expect((await rejected(file.subarray(0, 100), (f) => defineSaveImageXml(f, xml))).reason).toBe(
      'truncated',
    );
  });

  it('refuses an image that does not match the domain it restores into', async () => {
    const { file } = await saved();
    expect(await rejected(file, (f) => readSaveImage(f, { memoryMiB: 128 }))).toEqual({
      reason: 'mismatch',
      message:
        'save image does not match the domain: target domain memory 128 MiB does not match source 64 MiB',
    });
    expect(await rejected(file, (f) => readSaveImage(f, { harts: 4 }))).toEqual({
      reason: 'mismatch',
      message:
        'save image does not match the domain: target domain vCPUs 4 does not match source 2',
    });
    expect((await readSaveImage(file, { harts: 2, memoryMiB: 64 })).pageCount).toBeGreaterThan(0);
  });

  it('refuses to write an empty XML, a bad machine state or a page outside the guest', async () => {
    const machine = syntheticMachine(new Rng(1));
    const write = (over: object) => () =>
      writeSaveImage({ xml: XML, machine, paused: false, pages: [], ...over });
    await expect(write({ xml: '' })).rejects.toThrow('cannot save: the domain XML is empty');
    await expect(write({ xml: 'x'.repeat((1 << 20) + 1) })).rejects.toThrow(
      'over the 1048576 limit',
    );
    await expect(
      write({ machine: { ...machine, hartStates: new Uint8Array(10) } }),
    ).rejects.toThrow('invalid save image: hart states are 10 bytes; 2 harts need 1024');
    await expect(write({ machine: { ...machine, harts: 9 } })).rejects.toThrow('harts is 9');
    const far = { gfn: 16384, bytes: new Uint8Array(PAGE_SIZE).fill(1) };
    await expect(write({ pages: [far] })).rejects.toThrow(
      "cannot save page 16384: outside the guest's 16384 pages",
    );
  });

  it('rejects an empty file, another format, a future version', async () => {
    const { file } = await saved();
    expect(await rejected(new Uint8Array(0))).toEqual({
      reason: 'not-save-image',
      message: 'not a VirtLab save image: the file is empty',
    });
    const qemu = file.slice();
    qemu.set(new TextEncoder().encode('LibvirtQemudSave'));
    expect((await rejected(qemu)).message).toBe(
      'not a VirtLab save image: image magic is incorrect',
    );
    const future = file.slice();
    new DataView(future.buffer).setUint32(16, SAVE_IMAGE_VERSION + 1, true);
    expect(await rejected(await reseal(future))).toEqual({
      reason: 'newer-version',
      message: `saved by a newer VirtLab (format ${SAVE_IMAGE_VERSION + 1}); this one reads up to ${SAVE_IMAGE_VERSION}`,
    });
    const newerMachine = await repack(file, (s) => {
      const meta = JSON.parse(new TextDecoder().decode(s.get(SECTION.MACHINE)));
      meta.version = MACHINE_STATE_VERSION + 1;
      s.set(SECTION.MACHINE, new TextEncoder().encode(JSON.stringify(meta)));
    });
    expect((await rejected(newerMachine)).reason).toBe('newer-version');
  });

  it('rejects the file cut at any of 200 offsets and at every section boundary', async () => {
    const { file } = await saved();
    const cuts = new Set<number>();
    for (let i = 1; i < 200; i++) cuts.add(Math.floor((file.length * i) / 200));
    for (const [, at, length] of await sectionSpans(file))
      for (const d of [-1, 0, 1]) cuts.add(at + length + d);
    cuts.add(file.length - 1);
    cuts.add(file.length - CHECKSUM_BYTES);
    for (const cut of [...cuts].filter((c) => c > 0 && c < file.length)) {
      for (const read of [readSaveImage, readSaveImageHeader]) {
        const { reason, message } = await rejected(file.subarray(0, cut), read);
        expect(reason, `cut at ${cut}`).toBe('truncated');
        expect(message).toContain(`truncated save image: ${cut} bytes`);
      }
    }
  });

  it('calls a flipped byte inside any section, the table or the checksum corrupt', async () => {
    const { file } = await saved();
    const rng = new Rng(99);
    const spots: Array<[string, number]> = [
      ['flags', 20],
      ['section count', 32],
      ['table', 48],
      ['checksum', file.length - 1],
    ];
    for (const [id, at, length] of await sectionSpans(file))
      for (const where of [0, length >> 1, length - 1, rng.below(length)])
        spots.push([`section ${id}`, at + where]);
    for (const [what, at] of spots) {
      const bad = file.slice();
      bad[at] ^= 1 << rng.below(8);
      expect(await rejected(bad), `${what} byte ${at}`).toEqual({
        reason: 'corrupt',
        message: 'corrupt save image: checksum mismatch (SHA-256)',
      });
    }
  });

  it('rejects sections inconsistent with each other even under a valid checksum', async () => {
    const { file } = await saved();
    const index = async (edit: (gfns: DataView) => void) =>
      repack(file, (s) => {
        const bytes = s.get(SECTION.PAGE_INDEX)!.slice();
        edit(new DataView(bytes.buffer));
        s.set(SECTION.PAGE_INDEX, bytes);
      });
    const cases: Array<[string, Promise<Uint8Array>, string]> = [
      [
        'gfn beyond memory',
        index((v) => v.setUint32(4, 16384, true)),
        "invalid save image: page 16384 is outside the guest's 16384 pages",
      ],
      [
        'duplicate gfn',
        index((v) => v.setUint32(4, v.getUint32(0, true), true)),
        'is stored twice',
      ],
      [
        'hart states of 3 harts',
        repack(file, (s) => s.set(SECTION.HART_STATES, new Uint8Array(1536))),
        'invalid save image: hart states are 1536 bytes; 2 harts need 1024',
      ],
      [
        'bad JSON',
        repack(file, (s) => s.set(SECTION.MACHINE, new TextEncoder().encode('{"harts":'))),
        'invalid save image: machine state is not valid JSON',
      ],
      [
        'XML not UTF-8',
        repack(file, (s) => s.set(SECTION.XML, Uint8Array.of(0x3c, 0xc3, 0x28, 0x3e))),
        'invalid save image: the domain XML is not valid UTF-8',
      ],
      [
        'XML missing',
        repack(file, (s) => s.delete(SECTION.XML)),
        'invalid save image: the domain XML is missing',
      ],
      [
        'memory missing',
        repack(file, (s) => s.delete(SECTION.MEMORY)),
        'invalid save image: the memory is missing',
      ],
      [
        'one page more than the memory holds',
        repack(file, (s) => {
          const old = s.get(SECTION.PAGE_INDEX)!;
          const bytes = new Uint8Array(old.length + 4);
          bytes.set(old);
          new DataView(bytes.buffer).setUint32(old.length, 16383, true);
          s.set(SECTION.PAGE_INDEX, bytes);
        }),
        'decompresses to',
      ],
      ['unknown flag', repack(file, () => {}, 0x80), 'invalid save image: unknown flags 0x80'],
    ];
    for (const [what, crafted, message] of cases) {
      const bytes = await crafted;
      const { message: got } = await rejected(bytes);
      expect(got, what).toContain(message);
    }
  });

  it('rejects memory that decompresses to fewer bytes than its pages, under a valid checksum', async () => {
    const machine = syntheticMachine(new Rng(3));
    const page = new Uint8Array(PAGE_SIZE).fill(0x5a);
    const file = await writeSaveImage({
      xml: XML,
      machine,
      paused: false,
      pages: [{ gfn: 7, bytes: page }],
    });
    const short = await deflateRaw(page.subarray(0, PAGE_SIZE - 1));
    const crafted = await repack(file, (s) => {
      const memory = new Uint8Array(12 + short.length);
      const view = new DataView(memory.buffer);
      view.setUint32(0, 512, true);
      view.setUint32(4, 1, true);
      view.setUint32(8, short.length, true);
      memory.set(short, 12);
      s.set(SECTION.MEMORY, memory);
    });
    expect(await rejected(crafted)).toEqual({
      reason: 'corrupt',
      message: 'corrupt save image: memory segment 0 decompresses to 4095 bytes, not 4096',
    });
    expect((await readSaveImageHeader(crafted)).pageCount).toBe(1);
  });
});
