/**
 * Guest memory ⇄ the PAGE_INDEX and MEMORY sections. Only touched, non-zero
 * pages are stored (the restorer leaves the others unbacked: they read as
 * zero, as after a fresh boot). PAGE_INDEX lists each stored page's gfn as
 * a u32, in storage order. MEMORY holds their bytes, 4096 each in the same
 * order, cut into segments of `pagesPerSegment` pages deflated separately,
 * so segments compress and inflate in parallel and each inflates straight
 * into its place:
 *
 * | bytes | field                                                   |
 * |-------|---------------------------------------------------------|
 * | 4     | u32 pagesPerSegment P (1..MAX_PAGES_PER_SEGMENT)        |
 * | 4     | u32 segment count S = ⌈stored pages / P⌉                |
 * | 4·S   | u32 compressed length of each segment                   |
 * | …     | the segments, deflate-raw, back to back; segment i      |
 * |       | inflates to the pages [i·P, min((i+1)·P, count)) × 4096 |
 */
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import { deflateRaw, inflateRawInto } from './deflate';
import { SaveImageError } from './save-image-error';

/** A guest page: its frame number and its PAGE_SIZE bytes. */
export interface SavedPage {
  gfn: number;
  bytes: Uint8Array;
}

/** 2 MiB segments: 8 for an idle 64 MiB guest, enough to keep every core busy. */
export const PAGES_PER_SEGMENT = 512;
const MAX_PAGES_PER_SEGMENT = 1 << 16;
/** Segments compressed or inflated at once. */
const SEGMENTS_IN_FLIGHT = 4;
const WORDS_PER_PAGE = PAGE_SIZE / 4;

export interface EncodedPages {
  index: Uint8Array;
  memory: Uint8Array;
  /** Pages stored (all-zero ones left out). */
  count: number;
}

/**
 * Copies the pages into segment buffers as they are iterated (so the VM must
 * stay paused until this settles), leaves out all-zero pages and compresses
 * full segments while later ones fill. A gfn out of range or repeated, or a
 * page not PAGE_SIZE long, is the caller's bug.
 */
export async function encodePages(
  pages: Iterable<SavedPage>,
  memoryPages: number,
): Promise<EncodedPages> {
  const index = new Uint32Array(memoryPages);
  const seen = new Uint8Array(memoryPages);
  const compressed: Promise<Uint8Array>[] = [];
  let segment = new Uint8Array(PAGES_PER_SEGMENT * PAGE_SIZE);
  let words = new Uint32Array(segment.buffer);
  let inSegment = 0;
  let count = 0;
  const flush = async (): Promise<void> => {
    const waitFor = compressed.length - SEGMENTS_IN_FLIGHT;
    if (waitFor >= 0) await compressed[waitFor];
    const done = deflateRaw(segment.subarray(0, inSegment * PAGE_SIZE));
    done.catch(() => {}); // awaited below
    compressed.push(done);
    segment = new Uint8Array(PAGES_PER_SEGMENT * PAGE_SIZE);
    words = new Uint32Array(segment.buffer);
    inSegment = 0;
  };
  for (const { gfn, bytes } of pages) {
    if (!Number.isInteger(gfn) || gfn < 0 || gfn >= memoryPages)
      throw new SaveImageError(
        'invalid',
        `cannot save page ${gfn}: outside the guest's ${memoryPages} pages`,
      );
    if (seen[gfn]) throw new SaveImageError('invalid', `cannot save page ${gfn} twice`);
    if (bytes.length !== PAGE_SIZE)
      throw new SaveImageError(
        'invalid',
        `cannot save page ${gfn}: ${bytes.length} bytes, not ${PAGE_SIZE}`,
      );
    seen[gfn] = 1;
    segment.set(bytes, inSegment * PAGE_SIZE);
    if (isZero(words, inSegment * WORDS_PER_PAGE)) continue;
    index[count++] = gfn;
    if (++inSegment === PAGES_PER_SEGMENT) await flush();
  }
  if (inSegment > 0) await flush();
  const segments = await Promise.all(compressed);
  const head = 8 + 4 * segments.length;
  const memory = new Uint8Array(segments.reduce((sum, s) => sum + s.length, head));
  const view = new DataView(memory.buffer);
  view.setUint32(0, PAGES_PER_SEGMENT, true);
  view.setUint32(4, segments.length, true);
  let at = head;
  segments.forEach((s, i) => {
    view.setUint32(8 + 4 * i, s.length, true);
    memory.set(s, at);
    at += s.length;
  });
  const indexBytes = new Uint8Array(count * 4);
  const indexView = new DataView(indexBytes.buffer);
  for (let i = 0; i < count; i++) indexView.setUint32(i * 4, index[i], true);
  return { index: indexBytes, memory, count };
}

/** The stored gfns, checked: each below `memoryPages`, none twice. */
export function decodePageIndex(bytes: Uint8Array, memoryPages: number): Uint32Array {
  if (bytes.length % 4 !== 0)
    throw invalid(`the page index is ${bytes.length} bytes, not a multiple of 4`);
  const count = bytes.length / 4;
  if (count > memoryPages)
    throw invalid(`${count} pages stored, more than the guest's ${memoryPages}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const gfns = new Uint32Array(count);
  const seen = new Uint8Array(memoryPages);
  for (let i = 0; i < count; i++) {
    const gfn = view.getUint32(i * 4, true);
    if (gfn >= memoryPages)
      throw invalid(`page ${gfn} is outside the guest's ${memoryPages} pages`);
    if (seen[gfn]) throw invalid(`page ${gfn} is stored twice`);
    seen[gfn] = 1;
    gfns[i] = gfn;
  }
  return gfns;
}

export interface MemorySegments {
  pagesPerSegment: number;
  /** Each segment's deflated bytes (views into the file). */
  segments: Uint8Array[];
}

/** Checks the MEMORY section's segment table against `count` stored pages. */
export function decodeMemorySegments(bytes: Uint8Array, count: number): MemorySegments {
  if (bytes.length < 8)
    throw invalid(`the memory section is ${bytes.length} bytes, shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pagesPerSegment = view.getUint32(0, true);
  const segmentCount = view.getUint32(4, true);
  if (pagesPerSegment < 1 || pagesPerSegment > MAX_PAGES_PER_SEGMENT)
    throw invalid(`${pagesPerSegment} pages per memory segment, not 1..${MAX_PAGES_PER_SEGMENT}`);
  const expected = Math.ceil(count / pagesPerSegment);
  if (segmentCount !== expected)
    throw invalid(
      `${segmentCount} memory segments; ${count} pages in segments of ${pagesPerSegment} need ${expected}`,
    );
  let at = 8 + 4 * segmentCount;
  if (at > bytes.length) throw invalid('the memory segment table overruns its section');
  const segments: Uint8Array[] = [];
  for (let i = 0; i < segmentCount; i++) {
    const length = view.getUint32(8 + 4 * i, true);
    if (length === 0 || length > bytes.length - at)
      throw invalid(`memory segment ${i} (${length} bytes) does not fit its section`);
    segments.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length)
    throw invalid(`${bytes.length - at} bytes after the last memory segment`);
  return { pagesPerSegment, segments };
}

/** Inflates every segment into one buffer of `count` pages, several at once. */
export async function inflatePages(layout: MemorySegments, count: number): Promise<Uint8Array> {
  const memory = new Uint8Array(count * PAGE_SIZE);
  const segmentBytes = layout.pagesPerSegment * PAGE_SIZE;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < layout.segments.length) {
      const i = next++;
      const out = memory.subarray(
        i * segmentBytes,
        Math.min((i + 1) * segmentBytes, memory.length),
      );
      await inflateRawInto(layout.segments[i], out, `memory segment ${i}`);
    }
  };
  await Promise.all(Array.from({ length: SEGMENTS_IN_FLIGHT }, worker));
  return memory;
}

/** True when the page at word `from` of `words` is all zero. */
function isZero(words: Uint32Array, from: number): boolean {
  for (let i = from, end = from + WORDS_PER_PAGE; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

function invalid(what: string): SaveImageError {
  return new SaveImageError('invalid', `invalid save image: ${what}`);
}
