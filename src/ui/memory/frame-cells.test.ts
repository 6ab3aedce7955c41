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
  it('fills each cell with its colour; positions past the last cell stay transparent', () => {
    const index = indexOf([Int32Array.from([0])], [0]);
    const cells = FrameCells.forIndex(index, 1);
    cells.update(index);
    const layout = hilbertLayout(16);
    const px = 2;
    const pixels = new Uint32Array(layout.width * px * layout.height * px);
    const kinds = Uint32Array.from([1, 2, 3, 4, 5, 6].map((n) => rgbaWord(`#00000${n}`)));
    paintCells(
      pixels,
      layout,
      px,
      cells,
      { kinds, domains: Uint32Array.of(rgbaWord('#ff0000')), flash: 0 },
      4,
    );
    // Frame 0 sits at (0, 0): vm1's red; frame 1 at (1, 0) or (0, 1): free.
    expect(pixels[0]).toBe(rgbaWord('#ff0000'));
    expect(pixels[1]).toBe(rgbaWord('#ff0000'));
    expect(pixels[layout.width * px]).toBe(rgbaWord('#ff0000'));
    expect(new Set(pixels).has(kinds[FRAME_KIND.FREE])).toBe(true);
    expect(new Set(pixels).has(kinds[FRAME_KIND.ZERO])).toBe(true);
  });

  it('rgbaWord puts red in the low byte (little-endian ImageData)', () => {
    expect(rgbaWord('#102030')).toBe(0xff302010);
  });
});
