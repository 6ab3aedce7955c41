import { describe, expect, it } from 'vitest';
import { FINISHER, SifiveTest } from './sifive-test';

function setup() {
  const events: string[] = [];
  const dev = new SifiveTest({
    onPowerOff: () => events.push('poweroff'),
    onReset: () => events.push('reset'),
    onFail: (code) => events.push(`fail ${code}`),
  });
  return { dev, events };
}

describe('SifiveTest', () => {
  it('powers off on 0x5555 and resets on 0x7777', () => {
    const { dev, events } = setup();
    dev.write(0, FINISHER.PASS, 4);
    dev.write(0, FINISHER.RESET, 4);
    expect(events).toEqual(['poweroff', 'reset']);
  });

  it('reports failure with the code in bits 31:16', () => {
    const { dev, events } = setup();
    dev.write(0, (42 << 16) | FINISHER.FAIL, 4);
    dev.write(0, 0xffff_3333, 4);
    expect(events).toEqual(['fail 42', 'fail 65535']);
  });

  it('accepts 16-bit writes (no code)', () => {
    const { dev, events } = setup();
    dev.write(0, FINISHER.FAIL, 2);
    dev.write(0, FINISHER.PASS, 2);
    expect(events).toEqual(['fail 0', 'poweroff']);
  });

  it('reads 0 so syscon read-modify-write yields the plain value', () => {
    const { dev } = setup();
    expect(dev.read(0, 4)).toBe(0);
    expect(dev.read(0x10, 1)).toBe(0);
  });

  it('counts and ignores other values, offsets and widths', () => {
    const { dev, events } = setup();
    dev.write(0, 0x1234, 4);
    dev.write(4, FINISHER.PASS, 4);
    dev.write(0, 0x55, 1);
    dev.write(0xffc, 0xffff_ffff, 4);
    expect(events).toEqual([]);
    expect(dev.ignoredWrites).toBe(4);
  });
});
