import { VIRT } from '../board/virt-board';
import { buildVirtFdt } from '../board/virt-fdt';
import { PRIV } from '../cpu/csr';
import { HartState, S, resetHartState } from '../cpu/hart-state';
import { parseElf } from '../loader/elf';
import { parseLinuxImage } from '../loader/linux-image';
import type { HostMemory } from '../memory/host-memory';
import { PAGE_SIZE } from '../memory/host-memory';
import type { P2m } from '../memory/p2m';
import { HSM_STATE } from '../sbi/sbi';

export const MAX_HARTS = 8;
/** Guest RAM this machine takes, MiB: Linux needs 16 to boot; the board maps at most 1 GiB. */
export const MIN_MEMORY_MIB = 16;
export const MAX_MEMORY_MIB = 1024;
export const DEFAULT_BOOTARGS = 'console=ttyS0 earlycon=sbi';

export interface MachineConfig {
  memoryMiB: number;
  harts: number;
  /** Raw Linux Image (already decompressed). Boots in S-mode with SBI from the hypervisor. */
  kernel?: Uint8Array;
  bootargs?: string;
  /** An initramfs Linux unpacks over its built-in one (QEMU's -initrd). */
  initrd?: Uint8Array;
  /** A bare-metal ELF run in M-mode with no SBI; stops at its HTIF tohost write. */
  elf?: Uint8Array;
  /** ksmd may merge this VM's pages (QEMU mem-merge; libvirt's nosharepages sets false). Default true. */
  mergeable?: boolean;
  /**
   * The virtio-balloon device (libvirt's memballoon model='virtio', present by
   * default); false for none. deflateOnOom is libvirt's autodeflate.
   */
  balloon?: false | { deflateOnOom?: boolean; freePageReporting?: boolean };
  /**
   * How the vCPUs execute guest code: 'interpreter' (QEMU's pure emulation,
   * libvirt type='qemu'; the default) or 'jit' (translated to WebAssembly,
   * the "accelerated" engine, libvirt type='kvm'; cpu/jit/).
   */
  engine?: CpuEngine;
  /** The VM generation id (16 bytes, devices/vmgenid.ts); zeroes when not given. */
  genid?: Uint8Array;
}

export type CpuEngine = 'interpreter' | 'jit';

/** Why a machine stopped. */
export type StopReason =
  | { kind: 'poweroff' }
  | { kind: 'reboot' }
  | { kind: 'panic' }
  | { kind: 'pass' }
  | { kind: 'fail'; code: number }
  | { kind: 'error'; message: string }
  /** Stopped by its owner (virsh destroy), not by the guest. */
  | { kind: 'destroyed' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Checks a configuration before anything is allocated. */
export function validateConfig(config: MachineConfig): void {
  const { memoryMiB, harts } = config;
  if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
    throw new ConfigError(`vCPU count must be 1 to ${MAX_HARTS}, got ${harts}`);
  }
  if (!Number.isInteger(memoryMiB) || memoryMiB < MIN_MEMORY_MIB || memoryMiB > MAX_MEMORY_MIB) {
    throw new ConfigError(
      `memory must be ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB, got ${memoryMiB}`,
    );
  }
  if (!config.kernel === !config.elf)
    throw new ConfigError('give exactly one of a kernel or a bare-metal ELF');
}

/**
 * A hart entering Linux in S-mode (Documentation/riscv/boot.rst): a0 = hartid,
 * a1 = DTB (or HSM's opaque), satp = 0; every exception S-mode can handle
 * is delegated, except ecall from S, which is SBI.
 */
export function resetHartForLinux(st: HartState, hartId: number, pc: number, a1: number): void {
  resetHartState(st, hartId, pc, PRIV.S);
  st.i32[S.MEDELEG] = 0xb1ff;
  st.i32[S.MIDELEG] = 0x222;
  st.i32[S.MCOUNTEREN] = 7;
  st.i32[10] = hartId;
  st.i32[11] = a1;
}

export interface LoadedGuest {
  /** HTIF words of a bare-metal program, when it has them. */
  htif?: { tohost: number; fromhost?: number };
}

/** Loads the guest into RAM and sets every hart's reset state. */
export function loadGuest(
  config: MachineConfig,
  mem: HostMemory,
  p2m: P2m,
  harts: HartState[],
): LoadedGuest {
  const ramEnd = VIRT.DRAM.base + p2m.bytes;
  const copyIn = (gpa: number, data: Uint8Array, memsz: number, what: string) => {
    if (gpa < VIRT.DRAM.base || gpa + memsz > ramEnd) {
      throw new ConfigError(
        `${what} at 0x${gpa.toString(16)} (+${memsz} bytes) is outside guest RAM 0x${VIRT.DRAM.base.toString(16)}–0x${ramEnd.toString(16)}`,
      );
    }
    // Page by page: guest-contiguous is not host-contiguous in general.
    for (let done = 0; done < memsz;) {
      const off = p2m.hostOffsetWrite(gpa + done);
      if (off < 0) throw new ConfigError(`host out of memory while loading the ${what}`);
      const n = Math.min(memsz - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
      const page = mem.ram8.subarray(off, off + n);
      page.fill(0);
      if (done < data.length) page.set(data.subarray(done, Math.min(done + n, data.length)));
      done += n;
    }
  };

  if (config.elf) {
    const elf = parseElf(config.elf);
    for (const seg of elf.segments) copyIn(seg.paddr, seg.data, seg.memsz, 'ELF segment');
    harts.forEach((st, h) => {
      resetHartState(st, h, elf.entry, PRIV.M);
      Atomics.store(st.i32, S.HSM, HSM_STATE.STARTED);
    });
    const tohost = elf.symbols.get('tohost');
    return tohost === undefined ? {} : { htif: { tohost, fromhost: elf.symbols.get('fromhost') } };
  }

  const image = parseLinuxImage(config.kernel!);
  const kernelAddr = VIRT.DRAM.base + VIRT.KERNEL_OFFSET;
  if (kernelAddr + image.imageSize > ramEnd - (2 << 20)) {
    throw new ConfigError(`the kernel needs more memory than ${config.memoryMiB} MiB`);
  }
  copyIn(kernelAddr, image.bytes, image.bytes.length, 'kernel');
  const fdt = (initrd?: { start: number; end: number }) =>
    buildVirtFdt({
      memoryBytes: p2m.bytes,
      harts: harts.length,
      bootargs: config.bootargs ?? DEFAULT_BOOTARGS,
      initrd,
    });
  // QEMU's placement: the DTB 2 MiB-aligned below the end of RAM, the initrd below it.
  const dtbAddr = Math.floor((ramEnd - fdt().length) / (2 << 20)) * (2 << 20);
  let initrd: { start: number; end: number } | undefined;
  if (config.initrd) {
    const start = Math.floor((dtbAddr - config.initrd.length) / PAGE_SIZE) * PAGE_SIZE;
    if (start < kernelAddr + image.imageSize)
      throw new ConfigError('the initrd does not fit in guest memory');
    copyIn(start, config.initrd, config.initrd.length, 'initrd');
    initrd = { start, end: start + config.initrd.length };
  }
  const dtb = fdt(initrd);
  copyIn(dtbAddr, dtb, dtb.length, 'device tree');
  harts.forEach((st, h) => {
    resetHartForLinux(st, h, kernelAddr, dtbAddr);
    Atomics.store(st.i32, S.HSM, h === 0 ? HSM_STATE.STARTED : HSM_STATE.STOPPED);
  });
  return {};
}
