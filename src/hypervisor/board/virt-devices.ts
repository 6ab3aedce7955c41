/**
 * The virt board's device set, registered on an MmioBus at the addresses of
 * the VIRT table, with each device's interrupt line wired to its PLIC
 * source. Matches the tree `buildVirtFdt` describes.
 */
import { VIRT } from './virt-board';
import type { MmioBus } from '../devices/mmio-bus';
import type { IrqLine, MmioDevice } from '../devices/mmio-device';
import type { Clock, InterruptSink } from '../devices/interrupts';
import { Clint } from '../devices/clint';
import { GoldfishRtc } from '../devices/goldfish-rtc';
import { Plic } from '../devices/plic';
import { PvpanicMmio } from '../devices/pvpanic-mmio';
import { SifiveTest } from '../devices/sifive-test';
import { Uart16550 } from '../devices/uart-16550';
import { VirtioMmioEmpty } from '../devices/virtio-mmio-empty';
import { VMGENID_BYTES, VmGenId } from '../devices/vmgenid';

export interface VirtDevicesOptions {
  bus: MmioBus;
  harts: number;
  sink: InterruptSink;
  clock: Clock;
  /** Host wall clock in ns since the Unix epoch, for the RTC. */
  wallClockNs: () => bigint;
  /** A byte the guest wrote to the UART. */
  onTransmit: (byte: number) => void;
  onPowerOff: () => void;
  onReset: () => void;
  onFail: (code: number) => void;
  /** pvpanic event bits (PVPANIC_PANICKED, PVPANIC_CRASH_LOADED). */
  onPanic: (bits: number) => void;
  /**
   * The device behind virtio-mmio slot `slot` (0..7), given the slot's irq
   * line; undefined leaves the slot empty (DeviceID 0).
   */
  virtioSlot?: (slot: number, irq: IrqLine) => MmioDevice | undefined;
  /** The VM generation id the guest reads first (16 bytes; zeroes when not given). */
  genid?: Uint8Array;
  /** An existing (shared-memory) in-kernel irqchip to wire the devices to, instead of new ones. */
  plic?: Plic;
  clint?: Clint;
}

export interface VirtDevices {
  uart: Uart16550;
  plic: Plic;
  clint: Clint;
  rtc: GoldfishRtc;
  test: SifiveTest;
  pvpanic: PvpanicMmio;
  vmgenid: VmGenId;
  /** One device per virtio-mmio slot, empty slots included. */
  virtio: MmioDevice[];
}

export function createVirtDevices(options: VirtDevicesOptions): VirtDevices {
  const { bus, harts, sink } = options;
  const plic = options.plic ?? new Plic({ harts, sink, ndev: VIRT.PLIC.ndev });
  const clint = options.clint ?? new Clint({ harts, sink, clock: options.clock });
  const uart = new Uart16550({ irq: plic.irqLine(VIRT.UART0.irq), onTransmit: options.onTransmit });
  const rtc = new GoldfishRtc({
    irq: plic.irqLine(VIRT.RTC.irq),
    wallClockNs: options.wallClockNs,
  });
  const test = new SifiveTest({
    onPowerOff: options.onPowerOff,
    onReset: options.onReset,
    onFail: options.onFail,
  });
  const pvpanic = new PvpanicMmio({ onEvent: options.onPanic });
  const vmgenid = new VmGenId(
    plic.irqLine(VIRT.VMGENID.irq),
    options.genid ?? new Uint8Array(VMGENID_BYTES),
  );

  bus.register(VIRT.TEST.base, VIRT.TEST.size, test);
  bus.register(VIRT.RTC.base, VIRT.RTC.size, rtc);
  bus.register(VIRT.PVPANIC.base, VIRT.PVPANIC.size, pvpanic);
  bus.register(VIRT.VMGENID.base, VIRT.VMGENID.size, vmgenid);
  bus.register(VIRT.CLINT.base, VIRT.CLINT.size, clint);
  bus.register(VIRT.PLIC.base, VIRT.PLIC.size, plic);
  bus.register(VIRT.UART0.base, VIRT.UART0.size, uart);

  const virtio: MmioDevice[] = [];
  for (let slot = 0; slot < VIRT.VIRTIO.count; slot++) {
    const irq = plic.irqLine(VIRT.VIRTIO.irq + slot);
    const device = options.virtioSlot?.(slot, irq) ?? new VirtioMmioEmpty(`virtio-mmio${slot}`);
    bus.register(VIRT.VIRTIO.base + slot * VIRT.VIRTIO.size, VIRT.VIRTIO.size, device);
    virtio.push(device);
  }

  return { uart, plic, clint, rtc, test, pvpanic, vmgenid, virtio };
}
