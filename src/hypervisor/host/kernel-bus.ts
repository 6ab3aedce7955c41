import { VIRT } from '../board/virt-board';
import type { Bus } from '../devices/mmio-bus';
import type { MmioExit } from './mmio-mailbox';
import { EXIT_STAT } from './vm-shared';
import type { VmView } from './vm-view';

const inRange = (addr: number, r: { base: number; size: number }) =>
  addr >= r.base && addr < r.base + r.size;

/**
 * A vCPU's view of the physical address space outside RAM, on its pCPU:
 * the in-kernel irqchip (PLIC, CLINT) is served here; everything else exits
 * to the VM's VMM worker (KVM_EXIT_MMIO), counted as kvm_stat does.
 */
export class KernelBus implements Bus {
  constructor(
    readonly view: VmView,
    readonly exit: MmioExit,
  ) {}

  read(addr: number, size: 1 | 2 | 4): number | undefined {
    addr >>>= 0;
    if (inRange(addr, VIRT.PLIC)) {
      Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_KERNEL, 1);
      return this.view.plic.read(addr - VIRT.PLIC.base, size);
    }
    if (inRange(addr, VIRT.CLINT)) {
      Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_KERNEL, 1);
      return this.view.clint.read(addr - VIRT.CLINT.base, size);
    }
    Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_USER, 1);
    return this.exit.access(addr, size, false, 0);
  }

  write(addr: number, value: number, size: 1 | 2 | 4): boolean {
    addr >>>= 0;
    if (inRange(addr, VIRT.PLIC)) {
      Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_KERNEL, 1);
      this.view.plic.write(addr - VIRT.PLIC.base, value, size);
      return true;
    }
    if (inRange(addr, VIRT.CLINT)) {
      Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_KERNEL, 1);
      this.view.clint.write(addr - VIRT.CLINT.base, value, size);
      return true;
    }
    Atomics.add(this.view.exits, EXIT_STAT.MMIO_EXIT_USER, 1);
    return this.exit.access(addr, size, true, value) !== undefined;
  }

  /** Device addresses live below RAM on virt; the VMM decides which answer. */
  claims(addr: number): boolean {
    return addr >>> 0 < VIRT.DRAM.base;
  }
}
