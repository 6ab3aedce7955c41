import { describe, expect, it } from 'vitest';
import { createVirtDevices } from './virt-devices';
import { plicContext, VIRT } from './virt-board';
import { MmioBus } from '../devices/mmio-bus';
import { MIP } from '../devices/interrupts';
import type { MmioDevice } from '../devices/mmio-device';

function setup(harts = 2) {
  const bus = new MmioBus();
  const events: string[] = [];
  const mip = new Map<string, boolean>();
  const out: number[] = [];
  const devices = createVirtDevices({
    bus,
    harts,
    sink: { setPending: (h, bit, level) => mip.set(`${h}:${bit}`, level) },
    clock: { now: () => 0x1_0000_0042 },
    wallClockNs: () => 1_000_000_000_000_000_000n,
    onTransmit: (b) => out.push(b),
    onPowerOff: () => events.push('poweroff'),
    onReset: () => events.push('reset'),
    onFail: (code) => events.push(`fail ${code}`),
    onPanic: (bits) => events.push(`panic ${bits}`),
  });
  return { bus, devices, events, mip, out };
}

describe('createVirtDevices', () => {
  it('answers at every base address of the VIRT table', () => {
    const { bus, events, out } = setup();
    bus.write(VIRT.TEST.base, 0x5555, 4);
    expect(events).toEqual(['poweroff']);
    expect(bus.read(VIRT.RTC.base + 0x04, 4)).toBe(0); // TIME_HIGH before a TIME_LOW read
    expect(bus.read(VIRT.RTC.base, 4)).not.toBeUndefined();
    expect(bus.read(VIRT.RTC.base + 0x04, 4)).toBe(Math.floor(1e18 / 2 ** 32));
    expect(bus.read(VIRT.PVPANIC.base, 1)).toBe(3);
    expect(bus.read(VIRT.CLINT.base + 0xbff8, 4)).toBe(0x42);
    expect(bus.read(VIRT.CLINT.base + 0xbffc, 4)).toBe(1);
    bus.write(VIRT.PLIC.base + 4, 5, 4);
    expect(bus.read(VIRT.PLIC.base + 4, 4)).toBe(5);
    expect(bus.read(VIRT.UART0.base + 5, 1)).toBe(0x60);
    bus.write(VIRT.UART0.base, 0x41, 1);
    expect(out).toEqual([0x41]);
    for (let slot = 0; slot < VIRT.VIRTIO.count; slot++) {
      const base = VIRT.VIRTIO.base + slot * VIRT.VIRTIO.size;
      expect(bus.read(base, 4)).toBe(0x7472_6976);
      expect(bus.read(base + 8, 4)).toBe(0);
    }
  });

  it('claims exactly the table regions, without overlaps', () => {
    const { bus } = setup();
    const regions: [number, number][] = [
      [VIRT.TEST.base, VIRT.TEST.size],
      [VIRT.RTC.base, VIRT.RTC.size],
      [VIRT.PVPANIC.base, VIRT.PVPANIC.size],
      [VIRT.CLINT.base, VIRT.CLINT.size],
      [VIRT.PLIC.base, VIRT.PLIC.size],
      [VIRT.UART0.base, VIRT.UART0.size],
      [VIRT.VIRTIO.base, VIRT.VIRTIO.size * VIRT.VIRTIO.count],
    ];
    for (const [i, [base, size]] of regions.entries()) {
      expect(bus.claims(base)).toBe(true);
      expect(bus.claims(base + size - 1)).toBe(true);
      for (const [b2, s2] of regions.slice(i + 1)) {
        expect(base < b2 + s2 && b2 < base + size).toBe(false);
      }
    }
    expect(bus.claims(VIRT.PVPANIC.base + VIRT.PVPANIC.size)).toBe(false);
    expect(bus.claims(VIRT.UART0.base + VIRT.UART0.size)).toBe(false);
    expect(bus.claims(VIRT.DRAM.base)).toBe(false);
    // A second board on the same bus is refused: every region is taken.
    expect(() => createVirtDevices({ ...setupOptions(), bus })).toThrow(/overlaps/);
  });

  it('wires UART, RTC and virtio interrupts to their PLIC sources', () => {
    const seen: number[] = [];
    const { bus, devices, mip } = setup();
    const s0 = plicContext(0, 'S');
    for (const src of [VIRT.UART0.irq, VIRT.RTC.irq, VIRT.VIRTIO.irq + 7]) {
      bus.write(VIRT.PLIC.base + 4 * src, 1, 4);
    }
    bus.write(VIRT.PLIC.base + 0x2000 + 0x80 * s0, 0xffff_fffe, 4);
    bus.write(VIRT.UART0.base + 1, 0x01, 1); // IER.RDI
    devices.uart.receive(new Uint8Array([0x0d]));
    expect(mip.get(`0:${MIP.SEIP}`)).toBe(true);
    seen.push(bus.read(VIRT.PLIC.base + 0x20_0004 + 0x1000 * s0, 4)!);
    bus.write(VIRT.RTC.base + 0x10, 1, 4); // IRQ_ENABLED
    bus.write(VIRT.RTC.base + 0x0c, 0, 4);
    bus.write(VIRT.RTC.base + 0x08, 0, 4); // alarm in the past: fires now
    seen.push(bus.read(VIRT.PLIC.base + 0x20_0004 + 0x1000 * s0, 4)!);
    expect(seen).toEqual([VIRT.UART0.irq, VIRT.RTC.irq]);
  });

  it('puts caller devices in virtio slots with their irq line', () => {
    const bus = new MmioBus();
    const probe: MmioDevice = { name: 'probe', read: () => 0xabcd, write: () => {} };
    let line: { set(level: boolean): void } | undefined;
    const mip = new Map<string, boolean>();
    const { virtio, plic } = createVirtDevices({
      ...setupOptions(),
      bus,
      sink: { setPending: (h, bit, level) => mip.set(`${h}:${bit}`, level) },
      virtioSlot: (slot, irq) => {
        if (slot !== 2) return undefined;
        line = irq;
        return probe;
      },
    });
    expect(virtio[2]).toBe(probe);
    expect(bus.read(VIRT.VIRTIO.base + 2 * VIRT.VIRTIO.size, 4)).toBe(0xabcd);
    expect(bus.read(VIRT.VIRTIO.base + 3 * VIRT.VIRTIO.size, 4)).toBe(0x7472_6976);
    plic.write(4 * 3, 1, 4);
    plic.write(0x2000 + 0x80 * plicContext(0, 'M'), 1 << 3, 4);
    line!.set(true);
    expect(mip.get(`0:${MIP.MEIP}`)).toBe(true);
  });
});

function setupOptions() {
  const nop = (): void => {};
  return {
    bus: new MmioBus(),
    harts: 1,
    sink: { setPending: nop },
    clock: { now: () => 0 },
    wallClockNs: () => 0n,
    onTransmit: nop,
    onPowerOff: nop,
    onReset: nop,
    onFail: nop,
    onPanic: nop,
  };
}
