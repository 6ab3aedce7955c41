import { describe, expect, it } from 'vitest';
import { DeviceStateError } from './device-state';
import { VmGenId, genidBytes } from './vmgenid';

function line() {
  const levels: boolean[] = [];
  return { levels, irq: { set: (level: boolean) => levels.push(level) } };
}

const ID = genidBytes('6c1d3c0e-8a43-4c55-9d6e-2b7f0c9a1e11');

describe('vmgenid', () => {
  it('holds the GUID in little-endian layout, readable at any width, read-only', () => {
    expect(Array.from(ID.subarray(0, 8))).toEqual([0x0e, 0x3c, 0x1d, 0x6c, 0x43, 0x8a, 0x55, 0x4c]);
    expect(Array.from(ID.subarray(8))).toEqual([0x9d, 0x6e, 0x2b, 0x7f, 0x0c, 0x9a, 0x1e, 0x11]);
    const { irq } = line();
    const dev = new VmGenId(irq, ID);
    expect(dev.read(0, 4)).toBe(0x6c1d3c0e);
    expect(dev.read(4, 2)).toBe(0x8a43);
    expect(dev.read(15, 1)).toBe(0x11);
    expect(dev.read(16, 4)).toBe(0); // past the id
    dev.write();
    expect(dev.ignoredWrites).toBe(1);
    expect(dev.read(0, 4)).toBe(0x6c1d3c0e);
    expect(() => genidBytes('nope')).toThrow(RangeError);
  });

  it('a new generation raises the line until the guest reads the id; the same id does not', () => {
    const { irq, levels } = line();
    const dev = new VmGenId(irq, ID);
    dev.setId(ID);
    expect(levels).toEqual([]);
    const next = genidBytes('11111111-2222-3333-4444-555555555555');
    dev.setId(next);
    expect(levels).toEqual([true]);
    expect(dev.read(0, 4)).toBe(0x11111111); // the handler reads it: acknowledged
    expect(levels).toEqual([true, false]);
    dev.read(4, 4);
    expect(levels).toEqual([true, false]);
  });

  it('saves and loads its id; a bad saved state is refused', () => {
    const dev = new VmGenId(line().irq, ID);
    const copy = new VmGenId(line().irq, new Uint8Array(16));
    copy.loadState(JSON.parse(JSON.stringify(dev.saveState())));
    expect(Array.from(copy.id)).toEqual(Array.from(ID));
    expect(() => copy.loadState({ id: [1, 2, 3] })).toThrow(DeviceStateError);
    expect(() => copy.loadState(null)).toThrow(DeviceStateError);
  });
});
