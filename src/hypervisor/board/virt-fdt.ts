/**
 * The device tree of the `virt` board as QEMU builds it for riscv32
 * (hw/riscv/virt.c: create_fdt, create_fdt_sockets, create_fdt_uart, ...),
 * with every address and interrupt taken from the VIRT table. Bindings:
 * Linux Documentation/devicetree/bindings (riscv/cpus.yaml,
 * interrupt-controller/sifive,plic-1.0.0.yaml, timer/sifive,clint.yaml,
 * power/reset/syscon-{poweroff,reboot}.yaml, misc/pvpanic-mmio.txt).
 */
import { FdtBuilder, type FdtNode } from './fdt';
import { VIRT } from './virt-board';
import { MIP } from '../devices/interrupts';
import { FINISHER } from '../devices/sifive-test';

export interface VirtFdtOptions {
  memoryBytes: number;
  harts: number;
  bootargs: string;
  /** `riscv,isa` of every hart. */
  isa?: string;
  /** Physical [start, end) of the initramfs. */
  initrd?: { start: number; end: number };
  /** /chosen rng-seed: entropy Linux mixes into its pool at boot. */
  rngSeed?: Uint8Array;
}

export const DEFAULT_ISA = 'rv32imac_zicsr_zifencei';
export const VIRT_MODEL = 'VirtLab riscv-virtio';
export const VIRT_STDOUT_PATH = `/soc/serial@${VIRT.UART0.base.toString(16)}`;

const hex = (n: number): string => n.toString(16);

/** `reg` with the root's #address-cells = #size-cells = 2. */
function reg(node: FdtNode, base: number, size: number): FdtNode {
  return node.u64s('reg', [base, size]);
}

/** Per hart, its cpu node's interrupt controller (riscv,cpu-intc). */
function addCpus(root: FdtNode, harts: number, isa: string): FdtNode[] {
  const cpus = root
    .node('cpus')
    .u32('#address-cells', 1)
    .u32('#size-cells', 0)
    .u32('timebase-frequency', VIRT.TIMEBASE_HZ);
  const intcs: FdtNode[] = [];
  const cpuNodes: FdtNode[] = [];
  for (let h = 0; h < harts; h++) {
    const cpu = cpus
      .node(`cpu@${hex(h)}`)
      .string('device_type', 'cpu')
      .u32('reg', h)
      .string('status', 'okay')
      .string('compatible', 'riscv')
      .string('riscv,isa', isa)
      .string('mmu-type', 'riscv,sv32');
    cpu.phandle();
    cpuNodes.push(cpu);
    // riscv/cpus.yaml: the hart-local controller; cells are mip bit numbers.
    const intc = cpu
      .node('interrupt-controller')
      .u32('#interrupt-cells', 1)
      .u32('#address-cells', 0)
      .empty('interrupt-controller')
      .string('compatible', 'riscv,cpu-intc');
    intc.phandle();
    intcs.push(intc);
  }
  // Documentation/devicetree/bindings/cpu/cpu-topology.txt: one cluster, a core per hart.
  const cluster = cpus.node('cpu-map').node('cluster0');
  cpuNodes.forEach((cpu, h) => cluster.node(`core${h}`).u32('cpu', cpu.phandle()));
  return intcs;
}

export function buildVirtFdt(options: VirtFdtOptions): Uint8Array {
  const { memoryBytes, harts, bootargs } = options;
  if (!Number.isInteger(harts) || harts < 1 || harts * 2 > 1024) {
    throw new RangeError(`bad hart count ${harts}`);
  }
  if (
    !Number.isInteger(memoryBytes) ||
    memoryBytes <= 0 ||
    memoryBytes > 2 ** 32 - VIRT.DRAM.base
  ) {
    throw new RangeError(`bad memory size ${memoryBytes}`);
  }

  const fdt = new FdtBuilder();
  const root = fdt.root
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'riscv-virtio')
    .string('model', VIRT_MODEL);

  const chosen = root
    .node('chosen')
    .string('bootargs', bootargs)
    .string('stdout-path', VIRT_STDOUT_PATH);
  if (options.initrd) {
    // Linux reads #address-cells-sized values; QEMU (hw/riscv/boot.c) writes u64.
    chosen
      .u64('linux,initrd-start', options.initrd.start)
      .u64('linux,initrd-end', options.initrd.end);
  }
  if (options.rngSeed) chosen.bytes('rng-seed', options.rngSeed);

  reg(
    root.node(`memory@${hex(VIRT.DRAM.base)}`).string('device_type', 'memory'),
    VIRT.DRAM.base,
    memoryBytes,
  );

  const intcs = addCpus(root, harts, options.isa ?? DEFAULT_ISA);

  const soc = root
    .node('soc')
    .u32('#address-cells', 2)
    .u32('#size-cells', 2)
    .string('compatible', 'simple-bus')
    .empty('ranges');

  // The finisher doubles as a syscon that the poweroff and reboot drivers write.
  const test = soc.node(`test@${hex(VIRT.TEST.base)}`);
  reg(
    test.strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']),
    VIRT.TEST.base,
    VIRT.TEST.size,
  );

  const clint = soc.node(`clint@${hex(VIRT.CLINT.base)}`);
  clint.strings('compatible', ['sifive,clint0', 'riscv,clint0']);
  reg(clint, VIRT.CLINT.base, VIRT.CLINT.size);
  clint.u32s(
    'interrupts-extended',
    intcs.flatMap((intc) => [intc.phandle(), MIP.MSIP, intc.phandle(), MIP.MTIP]),
  );

  // Contexts in interrupts-extended order: hart h has M at 2h and S at 2h + 1 (plicContext).
  const plic = soc.node(`plic@${hex(VIRT.PLIC.base)}`);
  plic
    .u32('#interrupt-cells', 1)
    .u32('#address-cells', 0)
    .strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0'])
    .empty('interrupt-controller')
    .u32s(
      'interrupts-extended',
      intcs.flatMap((intc) => [intc.phandle(), MIP.MEIP, intc.phandle(), MIP.SEIP]),
    );
  reg(plic, VIRT.PLIC.base, VIRT.PLIC.size).u32('riscv,ndev', VIRT.PLIC.ndev);
  const plicPhandle = plic.phandle();

  const serial = soc.node(`serial@${hex(VIRT.UART0.base)}`);
  reg(serial.string('compatible', 'ns16550a'), VIRT.UART0.base, VIRT.UART0.size)
    .u32('clock-frequency', VIRT.UART0.clock)
    .u32('interrupt-parent', plicPhandle)
    .u32('interrupts', VIRT.UART0.irq);

  for (let i = 0; i < VIRT.VIRTIO.count; i++) {
    const base = VIRT.VIRTIO.base + i * VIRT.VIRTIO.size;
    const slot = soc.node(`virtio_mmio@${hex(base)}`).string('compatible', 'virtio,mmio');
    reg(slot, base, VIRT.VIRTIO.size)
      .u32('interrupt-parent', plicPhandle)
      .u32('interrupts', VIRT.VIRTIO.irq + i);
  }

  const rtc = soc.node(`rtc@${hex(VIRT.RTC.base)}`).string('compatible', 'google,goldfish-rtc');
  reg(rtc, VIRT.RTC.base, VIRT.RTC.size)
    .u32('interrupt-parent', plicPhandle)
    .u32('interrupts', VIRT.RTC.irq);

  const pvpanic = soc
    .node(`pvpanic@${hex(VIRT.PVPANIC.base)}`)
    .string('compatible', 'qemu,pvpanic-mmio');
  reg(pvpanic, VIRT.PVPANIC.base, VIRT.PVPANIC.size);

  const vmgenid = soc
    .node(`vmgenid@${hex(VIRT.VMGENID.base)}`)
    .string('compatible', 'microsoft,vmgenid');
  reg(vmgenid, VIRT.VMGENID.base, VIRT.VMGENID.size)
    .u32('interrupt-parent', plicPhandle)
    .u32('interrupts', VIRT.VMGENID.irq);

  // QEMU puts these at the root (create_fdt_reset); regmap points at the test device.
  root
    .node('poweroff')
    .string('compatible', 'syscon-poweroff')
    .u32('regmap', test.phandle())
    .u32('offset', 0)
    .u32('value', FINISHER.PASS);
  root
    .node('reboot')
    .string('compatible', 'syscon-reboot')
    .u32('regmap', test.phandle())
    .u32('offset', 0)
    .u32('value', FINISHER.RESET);

  return fdt.build();
}
