/**
 * QEMU's `virt` board memory map for riscv32 (hw/riscv/virt.c), the one
 * table every base address comes from. Kernels built for
 * `qemu-system-riscv32 -M virt` expect these addresses and interrupts.
 */
export const VIRT = {
  /** SiFive test device used as syscon: poweroff (0x5555) / reboot (0x7777). */
  TEST: { base: 0x0010_0000, size: 0x1000 },
  /** Goldfish RTC (Android emulator's), irq 11. */
  RTC: { base: 0x0010_1000, size: 0x1000, irq: 11 },
  /**
   * pvpanic-mmio (QEMU docs/specs/pvpanic.rst): the guest reports a panic.
   * Not on QEMU's riscv virt board; placed in the gap after the RTC.
   */
  PVPANIC: { base: 0x0010_2000, size: 0x2 },
  /**
   * VM Generation ID (devices/vmgenid.ts; the devicetree binding
   * rng/microsoft,vmgenid.yaml), irq 12. QEMU has it on ACPI boards only;
   * placed after pvpanic, its interrupt the next free PLIC source.
   */
  VMGENID: { base: 0x0010_3000, size: 0x10, irq: 12 },
  /** Core-local interruptor: msip, mtimecmp, mtime. */
  CLINT: { base: 0x0200_0000, size: 0x1_0000 },
  /** Platform-level interrupt controller. */
  PLIC: { base: 0x0c00_0000, size: 0x60_0000, ndev: 96 },
  /** ns16550a UART, irq 10. */
  UART0: { base: 0x1000_0000, size: 0x100, irq: 10, clock: 3_686_400 },
  /** 8 virtio-mmio slots, 0x1000 apart; slot n has irq 1 + n. */
  VIRTIO: { base: 0x1000_1000, size: 0x1000, count: 8, irq: 1 },
  /** DRAM. */
  DRAM: { base: 0x8000_0000 },
  /** mtime / `time` CSR frequency: 10 MHz (timebase-frequency). */
  TIMEBASE_HZ: 10_000_000,
  /** RV32 Linux Image is loaded 4 MiB into RAM (its header's text_offset). */
  KERNEL_OFFSET: 0x40_0000,
} as const;

/** PLIC context of hart `h` in mode M (2h) or S (2h + 1), as QEMU numbers them. */
export function plicContext(hart: number, mode: 'M' | 'S'): number {
  return hart * 2 + (mode === 'S' ? 1 : 0);
}
