import type { VirtDevices } from '../board/virt-devices';
import { DeviceStateError } from '../devices/device-state';
import { VirtioMmio } from '../devices/virtio/virtio-mmio';
import type { VmmDeviceState } from '../vm/machine-state';

/**
 * The VMM's half of save/restore (QEMU's vmstate sections for the board's
 * devices): the CLINT and PLIC live in shared memory and are saved by the
 * host; everything the VMM worker owns is saved here. pvpanic and the test
 * device have no state.
 */
export function saveDevices(devices: VirtDevices): VmmDeviceState {
  return {
    uart: devices.uart.saveState(),
    rtc: devices.rtc.saveState(),
    pvpanic: null,
    vmgenid: devices.vmgenid.saveState(),
    virtio: devices.virtio.map((d) => (d instanceof VirtioMmio ? d.saveState() : null)),
  };
}

/** Loads saved device state into freshly made devices; throws DeviceStateError on any mismatch. */
export function loadDevices(devices: VirtDevices, state: VmmDeviceState): void {
  if (!Array.isArray(state.virtio) || state.virtio.length !== devices.virtio.length)
    throw new DeviceStateError(
      `the saved board has ${Array.isArray(state.virtio) ? state.virtio.length : 'no'} virtio-mmio slots, this one ${devices.virtio.length}`,
    );
  devices.virtio.forEach((device, slot) => {
    const saved = state.virtio[slot];
    if (device instanceof VirtioMmio) {
      if (saved === null)
        throw new DeviceStateError(
          `virtio-mmio slot ${slot}: ${device.name} here, empty when saved`,
        );
      device.loadState(saved);
    } else if (saved !== null) {
      throw new DeviceStateError(`virtio-mmio slot ${slot}: a device when saved, empty here`);
    }
  });
  devices.uart.loadState(state.uart);
  devices.rtc.loadState(state.rtc);
  if (state.vmgenid !== undefined) devices.vmgenid.loadState(state.vmgenid);
}
