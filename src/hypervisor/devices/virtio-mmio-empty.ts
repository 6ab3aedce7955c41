/**
 * An unpopulated virtio-mmio slot as QEMU presents one (hw/virtio/virtio-mmio.c
 * with no backend): the header of virtio 1.2 §4.2.2 with DeviceID 0, which
 * Linux's virtio_mmio_probe treats as "no device" (-ENODEV). Everything
 * else reads 0; writes are ignored.
 */
import type { MmioDevice } from './mmio-device';

export const VIRTIO_MMIO_MAGIC = 0x7472_6976; // "virt", little-endian
export const VIRTIO_MMIO_VERSION = 2;
export const VIRTIO_MMIO_VENDOR_QEMU = 0x554d_4551; // "QEMU"

export class VirtioMmioEmpty implements MmioDevice {
  readonly name: string;

  constructor(name = 'virtio-mmio') {
    this.name = name;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4) return 0;
    switch (offset) {
      case 0x000:
        return VIRTIO_MMIO_MAGIC;
      case 0x004:
        return VIRTIO_MMIO_VERSION;
      case 0x00c:
        return VIRTIO_MMIO_VENDOR_QEMU;
      default:
        return 0; // includes DeviceID at 0x008
    }
  }

  write(_offset: number, _value: number, _size: 1 | 2 | 4): void {}
}
