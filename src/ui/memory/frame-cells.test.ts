import { describe, expect, it } from 'vitest';
import { P2M } from '../../hypervisor/memory/p2m';
import { FRAME_KIND, FrameIndex } from './frame-index';
import { FrameCells, paintCells, rgbaWord } from './frame-cells';
import { hilbertLayout } from './hilbert';

function indexOf(tables: Int32Array[], held: number[]): FrameIndex {
  const refs = new Int32Array(16);
  for (const f of held) refs[f] = 1;
  const index = new FrameIndex(16);
  index.scan(
    refs,
    15,
    tables.map((table, i) => ({ name: `vm${i + 1}`, table })),
  );
  return index;
}

describe('FrameCells', () => {
  it('copies the index at one frame per cell', () => {
    const index = indexOf([Int32Array.from([3])], [3]);
    const cells = FrameCells.forIndex(index, 1);
    cells.update(index);
    expect(cells.cells).toBe(16);
    expect(cells.kind[3]).toBe(FRAME_KIND.PRIVATE);
  });

  it('shows the dominant kind per cell, private frames counted per domain', () => {
    // Frames 0–3: vm2 ×3, vm1 ×1 → vm2. Frames 4–7: free ×3, KSM ×1 → free. 8–11: KSM ×2, vm1 ×1, free ×1 → KSM.
    const vm1 = Int32Array.from([0, 8 | P2M.WP, 9 | P2M.WP, 10]);
    const vm2 = Int32Array.from([1, 2, 3, 7 | P2M.WP, 8 | P2M.WP]);
    const index = indexOf([vm1, vm2], [0, 1, 2, 3, 7, 8, 9, 10]);
    const cells = FrameCells.forIndex(index, 4);
    cells.update(index);
    expect(cells.cells).toBe(4);
    expect(Array.from(cells.kind)).toEqual([
      FRAME_KIND.PRIVATE,
      FRAME_KIND.FREE,
      FRAME_KIND.KSM,
      FRAME_KIND.FREE, // 12–14 free, 15 the zero frame
    ]);
    expect(cells.owner[0]).toBe(1);
    expect([cells.owner[2], cells.owner2[2]]).toEqual([0, 1]);
    expect(cells.maps[2]).toBe(2);
  });
});

describe('paintCells', () => {
  it('paints one pixel per cell; KSM cells also get their owner in the stripe layer', () => {
    const vm1 = Int32Array.from([0, 1 | P2M.WP]);
    const vm2 = Int32Array.from([1 | P2M.WP]);
    const index = indexOf([vm1, vm2], [0, 1]);
    const cells = FrameCells.forIndex(index, 1);
    cells.update(index);
    const layout = hilbertLayout(16);
    const base = new Uint32Array(layout.width * layout.height);
    const owners = new Uint32Array(base.length);
    const kinds = Uint32Array.from([1, 2, 3, 4, 5, 6].map((n) => rgbaWord(`#00000${n}`)));
    const red = rgbaWord('#ff0000');
    const palette = { kinds, domains: Uint32Array.of(red, rgbaWord('#00ff00')), flash: 0 };
    paintCells(base, owners, layout, cells, palette, 4);
    const at = (frame: number) => layout.cellAt.indexOf(frame);
    expect(base[at(0)]).toBe(red);
    expect(owners[at(0)]).toBe(0);
    expect(base[at(1)]).toBe(kinds[FRAME_KIND.KSM]);
    expect(owners[at(1)]).toBe(red);
    expect(base[at(2)]).toBe(kinds[FRAME_KIND.FREE]);
    expect(base[at(15)]).toBe(kinds[FRAME_KIND.ZERO]);
  });

  it('blends a flashing cell toward the flash colour', () => {
    const index = indexOf([Int32Array.from([0])], [0]);
    index.flash[0] = 4;
    const cells = FrameCells.forIndex(index, 1);
    cells.update(index);
    const layout = hilbertLayout(16);
    const base = new Uint32Array(layout.width * layout.height);
    const white = rgbaWord('#ffffff');
    const palette = {
      kinds: new Uint32Array(6),
      domains: Uint32Array.of(rgbaWord('#000000')),
      flash: white,
    };
    paintCells(base, new Uint32Array(base.length), layout, cells, palette, 4);
    expect(base[layout.cellAt.indexOf(0)]).toBe(white);
  });

  it('rgbaWord puts red in the low byte (little-endian ImageData)', () => {
    expect(rgbaWord('#102030')).toBe(0xff302010);
  });
});
