import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import { deflateRaw } from './deflate';
import {
  PAGES_PER_SEGMENT,
  decodeMemorySegments,
  decodePageIndex,
  encodePages,
  inflatePages,
  type SavedPage,
} from './page-codec';
import {
  Rng,
  firstDifference,
  nonZeroPages,
  synthesizeGuestMemory,
} from './save-image.test-helper';

const MEMORY_PAGES = 16384; // 64 MiB

function u32s(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(bytes.buffer).setUint32(i * 4, v, true));
  return bytes;
}

async function thrown(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    expect((e as Error).name).toBe('SaveImageError');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('page codec', () => {
  it('stores the non-zero pages in order, in segments, and inflates them back exactly', async () => {
    const pages = synthesizeGuestMemory(new Rng(7), 64, 1300, {
      zero: 1,
      code: 2,
      sparse: 2,
      random: 1,
    });
    const stored = nonZeroPages(pages);
    expect(stored.length).toBeLessThan(pages.length);
    const encoded = await encodePages(pages, MEMORY_PAGES);
    expect(encoded.count).toBe(stored.length);
    const gfns = decodePageIndex(encoded.index, MEMORY_PAGES);
    expect([...gfns]).toEqual(stored.map((p) => p.gfn));
    const layout = decodeMemorySegments(encoded.memory, gfns.length);
    expect(layout.pagesPerSegment).toBe(PAGES_PER_SEGMENT);
    expect(layout.segments.length).toBe(Math.ceil(stored.length / PAGES_PER_SEGMENT));
    const memory = await inflatePages(layout, gfns.length);
    const expected = new Uint8Array(stored.length * PAGE_SIZE);
    stored.forEach((p, i) => expected.set(p.bytes, i * PAGE_SIZE));
    expect(firstDifference(memory, expected)).toBe(-1);
  });

  it('keeps a page that differs from zero in its last byte, and stores nothing for none', async () => {
    const last = new Uint8Array(PAGE_SIZE);
    last[PAGE_SIZE - 1] = 1;
    const odd = new Uint8Array(PAGE_SIZE + 1).subarray(1); // unaligned view
    odd[5] = 9;
    const encoded = await encodePages(
      [
        { gfn: 3, bytes: new Uint8Array(PAGE_SIZE) },
        { gfn: 9, bytes: last },
        { gfn: 1, bytes: odd },
      ],
      MEMORY_PAGES,
    );
    expect([...decodePageIndex(encoded.index, MEMORY_PAGES)]).toEqual([9, 1]);
    const empty = await encodePages([], MEMORY_PAGES);
    expect(empty.count).toBe(0);
    expect(decodeMemorySegments(empty.memory, 0).segments).toEqual([]);
    expect((await inflatePages(decodeMemorySegments(empty.memory, 0), 0)).length).toBe(0);
  });

  it('refuses to save pages outside the guest, twice, or not a page long', async () => {
    const page = (gfn: number, bytes = new Uint8Array(PAGE_SIZE).fill(1)): SavedPage => ({
      gfn,
      bytes,
    });
    expect(await thrown(() => encodePages([page(MEMORY_PAGES)], MEMORY_PAGES))).toBe(
      "cannot save page 16384: outside the guest's 16384 pages",
    );
    expect(await thrown(() => encodePages([page(-1)], MEMORY_PAGES))).toContain('outside');
    expect(await thrown(() => encodePages([page(4), page(4)], MEMORY_PAGES))).toBe(
      'cannot save page 4 twice',
    );
    expect(await thrown(() => encodePages([page(4, new Uint8Array(100))], MEMORY_PAGES))).toBe(
      'cannot save page 4: 100 bytes, not 4096',
    );
  });

  it('rejects a page index with pages outside the guest, repeated or too many', async () => {
    expect(await thrown(() => decodePageIndex(u32s(1, 16384), MEMORY_PAGES))).toBe(
      "invalid save image: page 16384 is outside the guest's 16384 pages",
    );
    expect(await thrown(() => decodePageIndex(u32s(5, 1, 5), MEMORY_PAGES))).toBe(
      'invalid save image: page 5 is stored twice',
    );
    expect(await thrown(() => decodePageIndex(new Uint8Array(7), MEMORY_PAGES))).toBe(
      'invalid save image: the page index is 7 bytes, not a multiple of 4',
    );
    expect(await thrown(() => decodePageIndex(new Uint8Array(4 * 5), 4))).toBe(
      "invalid save image: 5 pages stored, more than the guest's 4",
    );
  });

  it('rejects a segment table that does not match the pages or the section', async () => {
    const seg = await deflateRaw(new Uint8Array(PAGE_SIZE).fill(7));
    const memory = (...head: number[]) => {
      const h = u32s(...head);
      const out = new Uint8Array(h.length + seg.length);
      out.set(h);
      out.set(seg, h.length);
      return out;
    };
    expect(decodeMemorySegments(memory(512, 1, seg.length), 1).segments[0]).toEqual(seg);
    const cases: Array<[Uint8Array, number, string]> = [
      [new Uint8Array(4), 1, 'the memory section is 4 bytes, shorter than its header'],
      [memory(0, 1, seg.length), 1, '0 pages per memory segment, not 1..65536'],
      [memory(70000, 1, seg.length), 1, '70000 pages per memory segment, not 1..65536'],
      [memory(512, 2, seg.length), 1, '2 memory segments; 1 pages in segments of 512 need 1'],
      [memory(512, 1, seg.length), 513, '1 memory segments; 513 pages in segments of 512 need 2'],
      [u32s(1, 1000), 1000, 'the memory segment table overruns its section'],
      [
        memory(512, 1, seg.length + 1),
        1,
        `memory segment 0 (${seg.length + 1} bytes) does not fit its section`,
      ],
      [memory(512, 1, 0), 1, 'memory segment 0 (0 bytes) does not fit its section'],
      [memory(512, 1, seg.length - 1), 1, '1 bytes after the last memory segment'],
    ];
    for (const [bytes, count, message] of cases)
      expect(await thrown(() => decodeMemorySegments(bytes, count))).toBe(
        `invalid save image: ${message}`,
      );
  });

  it('rejects memory that inflates to more or less than its pages, or not at all', async () => {
    const one = async (raw: Uint8Array) => ({
      pagesPerSegment: 512,
      segments: [await deflateRaw(raw)],
    });
    expect(
      await thrown(async () => inflatePages(await one(new Uint8Array(PAGE_SIZE + 1)), 1)),
    ).toBe('corrupt save image: memory segment 0 decompresses to more than its 4096 bytes');
    expect(
      await thrown(async () => inflatePages(await one(new Uint8Array(PAGE_SIZE * 2)), 3)),
    ).toBe('corrupt save image: memory segment 0 decompresses to 8192 bytes, not 12288');
    // A bomb stops at the expected size instead of inflating 64 MiB.
    expect(
      await thrown(async () => inflatePages(await one(new Uint8Array(64 << 20)), 1)),
    ).toContain('decompresses to more than its 4096 bytes');
    const garbage = { pagesPerSegment: 512, segments: [Uint8Array.of(0xff, 0xff, 0xff, 0xff)] };
    expect(await thrown(() => inflatePages(garbage, 1))).toMatch(
      /^corrupt save image: memory segment 0 does not decompress \(/,
    );
    const cut = (await one(new Rng(8).fill(new Uint8Array(PAGE_SIZE)))).segments[0];
    const truncated = { pagesPerSegment: 512, segments: [cut.subarray(0, cut.length - 100)] };
    expect(await thrown(() => inflatePages(truncated, 1))).toMatch(
      /^corrupt save image: memory segment 0 /,
    );
  });
});
