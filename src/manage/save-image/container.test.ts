import { describe, expect, it } from 'vitest';
import {
  CHECKSUM_BYTES,
  ENTRY_BYTES,
  HEADER_BYTES,
  SAVE_IMAGE_FLAG,
  SAVE_IMAGE_MAGIC,
  SAVE_IMAGE_VERSION,
  SECTION,
  packContainer,
  unpackContainer,
} from './container';
import { Rng, reseal } from './save-image.test-helper';
import type { SaveImageErrorReason } from './save-image-error';

const rng = new Rng(17);
const xml = new TextEncoder().encode('<domain/>');
const blob = rng.fill(new Uint8Array(300));

function small(): Promise<Uint8Array> {
  return packContainer(SAVE_IMAGE_FLAG.PAUSED, [
    [SECTION.XML, xml],
    [SECTION.HART_STATES, blob],
    [SECTION.MEMORY, new Uint8Array(0)],
  ]);
}

async function rejection(
  file: Uint8Array,
): Promise<{ reason: SaveImageErrorReason; message: string }> {
  try {
    await unpackContainer(file);
  } catch (e) {
    const err = e as { reason: SaveImageErrorReason; message: string; name: string; code: string };
    expect(err.name).toBe('SaveImageError');
    expect(err.code).toBe('invalid-arg');
    return { reason: err.reason, message: err.message };
  }
  throw new Error('accepted');
}

function setU32(file: Uint8Array, at: number, value: number): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

describe('save image container', () => {
  it('frames sections with magic, version, flags, length, table and SHA-256', async () => {
    const file = await small();
    const view = new DataView(file.buffer);
    expect(new TextDecoder().decode(file.subarray(0, 16))).toBe(SAVE_IMAGE_MAGIC);
    expect(view.getUint32(16, true)).toBe(SAVE_IMAGE_VERSION);
    expect(view.getUint32(20, true)).toBe(SAVE_IMAGE_FLAG.PAUSED);
    expect(view.getUint32(24, true)).toBe(file.length);
    expect(view.getUint32(32, true)).toBe(3);
    expect(file.length).toBe(
      HEADER_BYTES + 3 * ENTRY_BYTES + xml.length + blob.length + CHECKSUM_BYTES,
    );
    const body = file.length - CHECKSUM_BYTES;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', file.slice(0, body)));
    expect(file.subarray(body)).toEqual(digest);

    const c = await unpackContainer(file);
    expect(c.version).toBe(SAVE_IMAGE_VERSION);
    expect(c.flags).toBe(SAVE_IMAGE_FLAG.PAUSED);
    expect([...c.sections.keys()]).toEqual([SECTION.XML, SECTION.HART_STATES, SECTION.MEMORY]);
    expect(c.sections.get(SECTION.XML)).toEqual(xml);
    expect(c.sections.get(SECTION.HART_STATES)).toEqual(blob);
    expect(c.sections.get(SECTION.MEMORY)!.length).toBe(0);
    expect(c.sha256).toBe(Buffer.from(digest).toString('hex'));
  });

  it('reads a file at any byte offset of a larger buffer', async () => {
    const file = await small();
    const padded = new Uint8Array(file.length + 7);
    padded.set(file, 3);
    const c = await unpackContainer(padded.subarray(3, 3 + file.length));
    expect(c.sections.get(SECTION.HART_STATES)).toEqual(blob);
  });

  it('calls an empty file or another format not a save image', async () => {
    expect(await rejection(new Uint8Array(0))).toEqual({
      reason: 'not-save-image',
      message: 'not a VirtLab save image: the file is empty',
    });
    const file = await small();
    const other = file.slice();
    other.set(new TextEncoder().encode('LibvirtQemudSave'));
    expect(await rejection(other)).toEqual({
      reason: 'not-save-image',
      message: 'not a VirtLab save image: image magic is incorrect',
    });
    expect((await rejection(new TextEncoder().encode('<domain type="kvm"/>'))).reason).toBe(
      'not-save-image',
    );
  });

  it('calls a file cut at any offset truncated, naming both sizes', async () => {
    const file = await small();
    for (let cut = 1; cut < file.length; cut++) {
      const { reason, message } = await rejection(file.subarray(0, cut));
      expect(reason, `cut at ${cut}`).toBe('truncated');
      expect(message).toMatch(
        new RegExp(`^truncated save image: ${cut} bytes, the (header|file) needs \\d+$`),
      );
    }
  });

  it('calls a file with bytes after its end corrupt', async () => {
    const file = await small();
    const longer = new Uint8Array(file.length + 1);
    longer.set(file);
    expect(await rejection(longer)).toEqual({
      reason: 'corrupt',
      message: `corrupt save image: 1 bytes after the end the header gives (${file.length} bytes)`,
    });
  });

  it('rejects a flipped bit anywhere: corrupt past the version, never accepted', async () => {
    const file = await small();
    for (let at = 0; at < file.length; at++) {
      const bad = file.slice();
      bad[at] ^= 0x10;
      const { reason } = await rejection(bad);
      if (at < 16) expect(reason, `byte ${at}`).toBe('not-save-image');
      else if (at >= 24 && at < 32)
        expect(['truncated', 'corrupt'], `byte ${at}`).toContain(reason);
      else if (at >= 20) expect(reason, `byte ${at}`).toBe('corrupt');
    }
  });

  it('names a newer format version and the newest it reads', async () => {
    const file = await reseal(setU32(await small(), 16, SAVE_IMAGE_VERSION + 1));
    expect(await rejection(file)).toEqual({
      reason: 'newer-version',
      message: `saved by a newer VirtLab (format ${SAVE_IMAGE_VERSION + 1}); this one reads up to ${SAVE_IMAGE_VERSION}`,
    });
    // Checked before the checksum: a newer format may checksum differently.
    expect((await rejection(setU32(await small(), 16, 99))).reason).toBe('newer-version');
    expect((await rejection(await reseal(setU32(await small(), 16, 0)))).message).toBe(
      'image version 0 is not supported',
    );
  });

  it('rejects framing a correct checksum cannot excuse', async () => {
    const file = await small();
    const entry = (i: number, field: number) => HEADER_BYTES + ENTRY_BYTES * i + field;
    const cases: Array<[string, Uint8Array, string]> = [
      ['unknown flag', setU32(file, 20, 0x3), 'unknown flags 0x3'],
      ['reserved', setU32(file, 36, 1), 'reserved header field is not zero'],
      ['no sections', setU32(file, 32, 0), '0 sections; a save image has 1 to 16'],
      ['17 sections', setU32(file, 32, 17), '17 sections; a save image has 1 to 16'],
      ['table overrun', setU32(file, 32, 16), 'the section table (16 entries) overruns the file'],
      ['unknown id', setU32(file, entry(1, 0), 42), 'unknown section id 42'],
      [
        'repeated id',
        setU32(file, entry(1, 0), SECTION.XML),
        'section XML is out of order or repeated',
      ],
      ['entry reserved', setU32(file, entry(0, 4), 9), 'section XML: reserved field is not zero'],
      [
        'gap',
        setU32(file, entry(1, 8), HEADER_BYTES + 3 * ENTRY_BYTES + xml.length + 1),
        'does not follow',
      ],
      ['overrun', setU32(file, entry(2, 16), 1), 'section MEMORY at'],
      [
        'short',
        setU32(await packContainer(0, [[SECTION.XML, xml]]), entry(0, 16), xml.length - 1),
        '1 bytes between the last section and the checksum',
      ],
    ];
    for (const [name, bad, message] of cases) {
      const { reason, message: got } = await rejection(await reseal(bad));
      expect(reason, name).toBe('invalid');
      expect(got, name).toContain(message);
      expect(got, name).toMatch(/^invalid save image: /);
    }
  });
});
