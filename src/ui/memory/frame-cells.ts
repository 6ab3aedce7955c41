import { FRAME_KIND, FRAME_KIND_NAMES, type FrameIndex } from './frame-index';
import type { HilbertLayout } from './hilbert';

/**
 * The frame map zoomed out: `frames` consecutive frames per cell (a power
 * of 4, so a cell is a square of the full map), each cell showing its
 * dominant kind (private frames counted per owning domain), the largest
 * sharer count and whether any of its frames flashes.
 */
export class FrameCells {
  kind: Uint8Array;
  owner: Int16Array;
  owner2: Int16Array;
  maps: Uint16Array;
  flash: Uint8Array;

  constructor(
    readonly frames: number,
    readonly cells: number,
  ) {
    this.kind = new Uint8Array(cells);
    this.owner = new Int16Array(cells);
    this.owner2 = new Int16Array(cells);
    this.maps = new Uint16Array(cells);
    this.flash = new Uint8Array(cells);
  }

  static forIndex(index: FrameIndex, framesPerCell: number): FrameCells {
    return new FrameCells(framesPerCell, Math.ceil(index.frames / framesPerCell));
  }

  update(index: FrameIndex): void {
    const per = this.frames;
    if (per === 1) {
      this.kind.set(index.kind);
      this.owner.set(index.owner);
      this.owner2.set(index.owner2);
      this.maps.set(index.maps);
      this.flash.set(index.flash);
      return;
    }
    // Tally keys: the kinds, then K + d for private frames of domain d.
    const K = FRAME_KIND_NAMES.length;
    const tally = new Int32Array(K + index.names.length);
    const n = index.frames;
    for (let c = 0; c < this.cells; c++) {
      tally.fill(0);
      let maps = 0;
      let flash = 0;
      let ksmOwner = -1;
      let ksmOwner2 = -1;
      const end = Math.min(n, (c + 1) * per);
      for (let f = c * per; f < end; f++) {
        const k = index.kind[f];
        tally[k === FRAME_KIND.PRIVATE && index.owner[f] >= 0 ? K + index.owner[f] : k]++;
        if (index.maps[f] > maps) maps = index.maps[f];
        if (index.flash[f] > flash) flash = index.flash[f];
        if (k === FRAME_KIND.KSM && ksmOwner < 0) {
          ksmOwner = index.owner[f];
          ksmOwner2 = index.owner2[f];
        }
      }
      let best = 0;
      for (let key = 1; key < tally.length; key++) if (tally[key] > tally[best]) best = key;
      this.kind[c] = best >= K ? FRAME_KIND.PRIVATE : best;
      this.owner[c] = best >= K ? best - K : best === FRAME_KIND.KSM ? ksmOwner : -1;
      this.owner2[c] = best === FRAME_KIND.KSM ? ksmOwner2 : -1;
      this.maps[c] = maps;
      this.flash[c] = flash;
    }
  }
}

/** Colours as little-endian RGBA words (ImageData's Uint32 view). */
export interface FramePalette {
  kinds: Uint32Array;
  domains: Uint32Array;
  flash: number;
}

/** `#rrggbb` as an opaque RGBA word for a little-endian Uint32 view of ImageData. */
export function rgbaWord(hex: string): number {
  const n = parseInt(hex.replace('#', '').slice(0, 6), 16);
  return (0xff000000 | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

function mix(a: number, b: number, t: number): number {
  const ch = (w: number, s: number) => (w >>> s) & 0xff;
  const m = (s: number) => Math.round(ch(a, s) + (ch(b, s) - ch(a, s)) * t) << s;
  return (0xff000000 | m(16) | m(8) | m(0)) >>> 0;
}

/**
 * Paints the cells, one pixel per grid position, into `base` (a
 * layout.width × layout.height RGBA image): each cell in its owner's
 * colour or its kind's, flashing cells blended toward the flash colour,
 * fading with each snapshot. `owners` gets, for KSM cells only, the owning
 * VM's colour (transparent elsewhere): the view scales both up and draws
 * `owners` through a stripe mask over `base`, so a KSM page reads as KSM
 * stripes in its sharer's colour, not by colour alone.
 */
export function paintCells(
  base: Uint32Array,
  owners: Uint32Array,
  layout: HilbertLayout,
  cells: FrameCells,
  palette: FramePalette,
  flashSteps: number,
): void {
  const { cellAt } = layout;
  const { kind, owner, flash } = cells;
  const { kinds, domains } = palette;
  for (let i = 0; i < cellAt.length; i++) {
    const c = cellAt[i];
    if (c < 0) {
      base[i] = 0;
      owners[i] = 0;
      continue;
    }
    const k = kind[c];
    const o = owner[c];
    let colour = k === FRAME_KIND.PRIVATE && o >= 0 ? domains[o] : kinds[k];
    let stripe = k === FRAME_KIND.KSM && o >= 0 ? domains[o] : 0;
    const fl = flash[c];
    if (fl > 0) {
      const t = 0.25 + (0.75 * fl) / flashSteps;
      colour = mix(colour, palette.flash, t);
      if (stripe) stripe = mix(stripe, palette.flash, t);
    }
    base[i] = colour;
    owners[i] = stripe;
  }
}
