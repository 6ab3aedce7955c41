import { describe, expect, it } from 'vitest';
import { VirtioMmioEmpty } from './virtio-mmio-empty';

describe('VirtioMmioEmpty', () => {
  it('presents the virtio-mmio header with DeviceID 0', () => {
    const slot = new VirtioMmioEmpty();
    expect(slot.read(0x000, 4)).toBe(0x7472_6976);
    expect(slot.read(0x004, 4)).toBe(2);
    expect(slot.read(0x008, 4)).toBe(0);
    expect(slot.read(0x00c, 4)).toBe(0x554d_4551);
  });

  it('reads 0 elsewhere and ignores writes', () => {
    const slot = new VirtioMmioEmpty();
    slot.write(0x070, 0xff, 4); // Status
    slot.write(0x000, 0, 4);
    expect(slot.read(0x070, 4)).toBe(0);
    expect(slot.read(0x000, 4)).toBe(0x7472_6976);
    expect(slot.read(0x000, 1)).toBe(0);
    expect(slot.read(0x100, 4)).toBe(0);
    expect(slot.read(0xffc, 4)).toBe(0);
  });
});
