/**
 * The timeline's slices and state tracks as pixels: each row is built as
 * one line of colours (and, for pCPU lanes, a bar height per column) from
 * its runs, then copied into an ImageData and drawn with one drawImage.
 * Thousands of tiny rectangles cost a software canvas far more through
 * fillRect or paths than a few hundred thousand typed-array writes do.
 * Drawn at CSS-pixel resolution and scaled up without smoothing, so a
 * high-DPI screen does not quadruple the work.
 */
export class PixelLayer {
  width = 0;
  height = 0;
  #buf = new Uint32Array(0);
  #img: ImageData | undefined;
  #canvas: HTMLCanvasElement | undefined;
  #ctx: CanvasRenderingContext2D | undefined;
  /** The row being built: a colour per column (0 = transparent), and for lanes a bar height. */
  line = new Uint32Array(0);
  heights = new Uint8Array(0);

  resize(width: number, height: number): void {
    width = Math.max(1, Math.round(width));
    height = Math.max(1, Math.round(height));
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.#img = new ImageData(width, height);
    this.#buf = new Uint32Array(this.#img.data.buffer);
    this.line = new Uint32Array(width);
    this.heights = new Uint8Array(width);
    this.#canvas ??= document.createElement('canvas');
    this.#canvas.width = width;
    this.#canvas.height = height;
    this.#ctx = this.#canvas.getContext('2d')!;
  }

  clear(): void {
    this.#buf.fill(0);
  }

  beginRow(): void {
    this.line.fill(0);
    this.heights.fill(0);
  }

  /** Paints columns [x0, x1) of the row with `color`, as a bar `h` px high (lanes). */
  span(x0: number, x1: number, color: number, h = 255): void {
    const a = Math.max(0, Math.round(x0));
    const b = Math.min(this.width, Math.max(a + 1, Math.round(x1)));
    if (b <= a) return;
    this.line.fill(color, a, b);
    this.heights.fill(h, a, b);
  }

  /** Fills a whole row's rectangle with `color` (a lane's background). */
  fillRow(y: number, h: number, color: number): void {
    const buf = this.#buf;
    const w = this.width;
    for (let s = Math.max(0, y); s < Math.min(this.height, y + h); s++)
      buf.fill(color, s * w, s * w + w);
  }

  /** Copies the row into rows y … y + h − 1: full height, or bottom-aligned bars (`bars`). */
  commitRow(y: number, h: number, bars: boolean): void {
    const buf = this.#buf;
    const w = this.width;
    const line = this.line;
    const heights = this.heights;
    for (let s = 0; s < h; s++) {
      const row = y + s;
      if (row < 0 || row >= this.height) continue;
      const at = row * w;
      if (!bars) {
        // Transparent columns stay as they were.
        for (let x = 0; x < w; x++) if (line[x] !== 0) buf[at + x] = line[x];
        continue;
      }
      const depth = h - 1 - s;
      for (let x = 0; x < w; x++) if (line[x] !== 0 && heights[x] > depth) buf[at + x] = line[x];
    }
  }

  /** Draws the layer at (x, y) in the target's CSS pixels. */
  blit(target: CanvasRenderingContext2D, x: number, y: number): void {
    if (!this.#img || !this.#ctx || !this.#canvas) return;
    this.#ctx.putImageData(this.#img, 0, 0);
    target.imageSmoothingEnabled = false;
    target.drawImage(this.#canvas, x, y, this.width, this.height);
  }
}

/** A CSS colour (#rgb, #rrggbb, rgb()/rgba()) as the Uint32 of its RGBA bytes (little-endian); 0 if unknown. */
export function rgba(color: string): number {
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 255;
  const c = color.trim();
  if (c.startsWith('#')) {
    let hex = c.slice(1);
    if (hex.length === 3 || hex.length === 4) hex = [...hex].map((ch) => ch + ch).join('');
    const n = parseInt(hex.slice(0, 6), 16);
    if (Number.isNaN(n)) return 0;
    r = n >> 16;
    g = (n >> 8) & 255;
    b = n & 255;
    if (hex.length === 8) a = parseInt(hex.slice(6, 8), 16);
  } else {
    const m = c.match(
      /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/,
    );
    if (!m) return 0;
    r = Number(m[1]);
    g = Number(m[2]);
    b = Number(m[3]);
    if (m[4] !== undefined)
      a = m[4].endsWith('%') ? (parseFloat(m[4]) / 100) * 255 : Number(m[4]) * 255;
  }
  return ((Math.round(a) << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** `fg` drawn at `alpha` over the opaque `bg`, as an opaque colour. */
export function blend(fg: number, bg: number, alpha: number): number {
  const mix = (shift: number) =>
    Math.round(((fg >>> shift) & 255) * alpha + ((bg >>> shift) & 255) * (1 - alpha));
  return ((255 << 24) | (mix(16) << 16) | (mix(8) << 8) | mix(0)) >>> 0;
}
