import { VIRT } from '../board/virt-board';
import { createVirtDevices, type VirtDevices } from '../board/virt-devices';
import { buildVirtFdt } from '../board/virt-fdt';
import { PRIV } from '../cpu/csr';
import { EXIT, Hart, type Exit, type HartEnv } from '../cpu/hart';
import { F, HartState, HART_STATE_BYTES, S } from '../cpu/hart-state';
import type { Clock, InterruptSink } from '../devices/interrupts';
import { MmioBus } from '../devices/mmio-bus';
import { parseElf } from '../loader/elf';
import { parseLinuxImage } from '../loader/linux-image';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { HSM_STATE, SBI_ERR, handleSbiCall, type SbiHost } from '../sbi/sbi';
import { ByteRing } from './byte-ring';
import { Htif } from './htif';

export const MAX_HARTS = 8;
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
}

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

export interface MachineIo {
  /** Bytes from the guest's console (UART and SBI console). */
  consoleOut(bytes: Uint8Array): void;
  /** Console input ring (producer: the terminal/page; consumer: the UART). */
  consoleIn: ByteRing;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * One VM on QEMU's virt board: RAM behind a p2m table, the board devices on
 * an MMIO bus, and its harts. In this issue all harts of a VM run on the
 * thread that calls `runSlice`; devices answer synchronously.
 */
export class VirtMachine {
  readonly mem: HostMemory;
  readonly p2m: P2m;
  readonly bus = new MmioBus();
  readonly harts: Hart[] = [];
  readonly devices: VirtDevices;
  readonly clock: Clock;
  readonly hartStateSab: SharedArrayBuffer;
  stopReason: StopReason | undefined;
  /** Counts of SBI calls by extension ID. */
  readonly sbiCalls = new Map<number, number>();
  #htif: Htif | undefined;
  readonly #epoch = performance.now();
  readonly #outBuf: number[] = [];

  constructor(
    readonly config: MachineConfig,
    readonly io: MachineIo,
    mem?: HostMemory,
  ) {
    const { memoryMiB, harts } = config;
    if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
      throw new ConfigError(`vCPU count must be 1 to ${MAX_HARTS}, got ${harts}`);
    }
    if (!Number.isInteger(memoryMiB) || memoryMiB < 16 || memoryMiB > 1024) {
      throw new ConfigError(`memory must be 16 to 1024 MiB, got ${memoryMiB}`);
    }
    if (!config.kernel === !config.elf)
      throw new ConfigError('give exactly one of a kernel or a bare-metal ELF');
    const pages = (memoryMiB << 20) / PAGE_SIZE;
    this.mem = mem ?? HostMemory.create(memoryMiB << 20);
    this.p2m = new P2m(VIRT.DRAM.base, pages);
    this.p2m.mapLinear(this.mem.allocContiguous(pages));
    this.clock = {
      now: () => Math.floor((performance.now() - this.#epoch) * (VIRT.TIMEBASE_HZ / 1000)),
    };

    const sink: InterruptSink = {
      setPending: (h, bit, level) => this.harts[h]?.setPending(bit, level),
    };
    this.devices = createVirtDevices({
      bus: this.bus,
      harts,
      sink,
      clock: this.clock,
      wallClockNs: () => BigInt(Date.now()) * 1_000_000n,
      onTransmit: (byte) => this.#out(byte),
      onPowerOff: () => this.stop({ kind: 'poweroff' }),
      onReset: () => this.stop({ kind: 'reboot' }),
      onFail: (code) => this.stop({ kind: 'fail', code }),
      onPanic: () => this.stop({ kind: 'panic' }),
    });

    this.hartStateSab = new SharedArrayBuffer(HART_STATE_BYTES * harts);
    const env = this.#hartEnv();
    for (let h = 0; h < harts; h++) {
      this.harts.push(
        new Hart(
          new HartState(this.hartStateSab, h * HART_STATE_BYTES),
          this.mem,
          this.p2m,
          this.bus,
          env,
        ),
      );
    }
    this.#load();
  }

  // --------------------------------------------------------------- loading

  #load(): void {
    const { config } = this;
    const ramEnd = VIRT.DRAM.base + this.p2m.bytes;
    if (config.elf) {
      const elf = parseElf(config.elf);
      for (const seg of elf.segments) this.#copyIn(seg.paddr, seg.data, seg.memsz, 'ELF segment');
      const tohost = elf.symbols.get('tohost');
      if (tohost !== undefined) this.#htif = new Htif(this, tohost, elf.symbols.get('fromhost'));
      for (const [h, hart] of this.harts.entries()) {
        hart.reset(h, elf.entry, PRIV.M);
        Atomics.store(hart.s, S.HSM, HSM_STATE.STARTED);
      }
      return;
    }
    const image = parseLinuxImage(config.kernel!);
    const kernelAddr = VIRT.DRAM.base + VIRT.KERNEL_OFFSET;
    if (kernelAddr + image.imageSize > ramEnd - (2 << 20)) {
      throw new ConfigError(`the kernel needs more memory than ${config.memoryMiB} MiB`);
    }
    this.#copyIn(kernelAddr, image.bytes, image.bytes.length, 'kernel');

    const dtbProbe = this.#fdt(undefined);
    const dtbAddr = Math.floor((ramEnd - dtbProbe.length) / (2 << 20)) * (2 << 20);
    let initrd: { start: number; end: number } | undefined;
    if (config.initrd) {
      const start = Math.floor((dtbAddr - config.initrd.length) / PAGE_SIZE) * PAGE_SIZE;
      if (start < kernelAddr + image.imageSize)
        throw new ConfigError('the initrd does not fit in guest memory');
      this.#copyIn(start, config.initrd, config.initrd.length, 'initrd');
      initrd = { start, end: start + config.initrd.length };
    }
    const dtb = this.#fdt(initrd);
    this.#copyIn(dtbAddr, dtb, dtb.length, 'device tree');

    for (const [h, hart] of this.harts.entries()) {
      // Linux entry (Documentation/riscv/boot.rst): S-mode, a0 = hartid, a1 = DTB, satp = 0.
      hart.reset(h, kernelAddr, PRIV.S);
      const s = hart.s;
      s[S.MEDELEG] = 0xb1ff; // every exception S-mode can handle (not ecall from S: that is SBI)
      s[S.MIDELEG] = 0x222;
      s[S.MCOUNTEREN] = 7;
      s[S.SCOUNTEREN] = 0;
      hart.x[10] = h;
      hart.x[11] = dtbAddr;
      Atomics.store(s, S.HSM, h === 0 ? HSM_STATE.STARTED : HSM_STATE.STOPPED);
      hart.updateModes();
    }
  }

  #fdt(initrd: { start: number; end: number } | undefined): Uint8Array {
    return buildVirtFdt({
      memoryBytes: this.p2m.bytes,
      harts: this.harts.length || this.config.harts,
      bootargs: this.config.bootargs ?? DEFAULT_BOOTARGS,
      initrd,
    });
  }

  #copyIn(gpa: number, data: Uint8Array, memsz: number, what: string): void {
    const ramEnd = VIRT.DRAM.base + this.p2m.bytes;
    if (gpa < VIRT.DRAM.base || gpa + memsz > ramEnd) {
      throw new ConfigError(
        `${what} at 0x${gpa.toString(16)} (+${memsz} bytes) is outside guest RAM 0x${VIRT.DRAM.base.toString(16)}–0x${ramEnd.toString(16)}`,
      );
    }
    // Page by page: guest-contiguous is not host-contiguous in general.
    for (let done = 0; done < memsz;) {
      const off = this.p2m.hostOffset(gpa + done);
      const n = Math.min(memsz - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
      const page = this.mem.ram8.subarray(off, off + n);
      page.fill(0);
      if (done < data.length) page.set(data.subarray(done, Math.min(done + n, data.length)));
      done += n;
    }
  }

  // --------------------------------------------------------------- running

  #hartEnv(): HartEnv {
    const sbi = this.#sbiHost();
    const clint = () => this.devices.clint;
    const env: HartEnv = {
      clock: { now: () => this.clock.now() },
      poll: (hart) => {
        clint().updateTimer(hart.hartId);
        this.#pollConsole();
        this.#htif?.poll();
      },
    };
    if (this.config.kernel) env.sbiCall = (hart) => handleSbiCall(hart, sbi);
    return env;
  }

  #pollConsole(): void {
    const uart = this.devices.uart;
    const ring = this.io.consoleIn;
    if (ring.available === 0) return;
    const room = 64;
    const bytes: number[] = [];
    for (let i = 0; i < room; i++) {
      const b = ring.readByte();
      if (b < 0) break;
      bytes.push(b);
    }
    uart.receive(Uint8Array.from(bytes));
  }

  #out(byte: number): void {
    this.#outBuf.push(byte);
    if (this.#outBuf.length >= 4096) this.flushConsole();
  }

  flushConsole(): void {
    if (this.#outBuf.length === 0) return;
    this.io.consoleOut(Uint8Array.from(this.#outBuf));
    this.#outBuf.length = 0;
  }

  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    for (const hart of this.harts) hart.stopRequested = true;
  }

  #sbiHost(): SbiHost {
    return {
      consoleWrite: (bytes) => {
        for (const b of bytes) this.#out(b);
      },
      consoleRead: () => this.io.consoleIn.readByte(),
      sendIpi: (harts) => {
        for (const h of harts) this.harts[h].setPending(1, true);
      },
      remoteFence: (harts) => {
        for (const h of harts) this.harts[h].flushTlb();
      },
      hartCount: () => this.harts.length,
      hartStatus: (h) =>
        h >= 0 && h < this.harts.length ? Atomics.load(this.harts[h].s, S.HSM) : -1,
      hartStart: (h, addr, opaque) => {
        const hart = this.harts[h];
        if (!hart) return SBI_ERR.INVALID_PARAM;
        if (Atomics.load(hart.s, S.HSM) !== HSM_STATE.STOPPED) return SBI_ERR.ALREADY_AVAILABLE;
        const p2mOk = this.p2m.hostOffset(addr) >= 0;
        if (!p2mOk) return SBI_ERR.INVALID_ADDRESS;
        const medeleg = this.harts[0].s[S.MEDELEG];
        hart.reset(h, addr, PRIV.S);
        hart.s[S.MEDELEG] = medeleg;
        hart.s[S.MIDELEG] = 0x222;
        hart.s[S.MCOUNTEREN] = 7;
        hart.x[10] = h;
        hart.x[11] = opaque;
        hart.updateModes();
        Atomics.store(hart.s, S.HSM, HSM_STATE.STARTED);
        return SBI_ERR.SUCCESS;
      },
      hartStop: (hart) => {
        Atomics.store(hart.s, S.HSM, HSM_STATE.STOPPED);
      },
      systemReset: (type, reason) => {
        this.stop(
          reason === 'system-failure'
            ? { kind: 'panic' }
            : type === 'shutdown'
              ? { kind: 'poweroff' }
              : { kind: 'reboot' },
        );
      },
      countCall: (eid) => this.sbiCalls.set(eid, (this.sbiCalls.get(eid) ?? 0) + 1),
    };
  }

  /**
   * Runs every started hart for up to `budget` instructions each. Returns
   * EXIT.WFI when all started harts are halted (the caller may sleep until
   * `nextDeadline()` or console input), EXIT.REQUEST when the machine stopped.
   */
  runSlice(budget: number): Exit {
    let allIdle = true;
    const now = this.clock.now();
    for (const [h, hart] of this.harts.entries()) {
      if (Atomics.load(hart.s, S.HSM) !== HSM_STATE.STARTED) continue;
      if (this.#halted[h]) {
        if (now >= hart.f[F.SBI_TIMECMP]) hart.setPending(5, true);
        this.devices.clint.updateTimer(h);
        this.#pollConsole();
        if (!hart.wfiWake()) continue;
        this.#halted[h] = false;
      }
      hart.stopRequested = this.stopReason !== undefined;
      const exit = hart.run(budget);
      if (exit === EXIT.REQUEST && this.stopReason) {
        this.flushConsole();
        return EXIT.REQUEST;
      }
      if (exit === EXIT.WFI) this.#halted[h] = true;
      else allIdle = false;
    }
    this.flushConsole();
    return allIdle ? EXIT.WFI : EXIT.BUDGET;
  }

  readonly #halted: boolean[] = [];

  /** mtime at which some halted hart has a timer due (Infinity if none). */
  nextDeadline(): number {
    let next = Infinity;
    for (const hart of this.harts) {
      next = Math.min(next, hart.f[F.SBI_TIMECMP], this.devices.clint.mtimecmp(hart.hartId));
    }
    return next;
  }

  /** True when some hart has an interrupt it would wake for, or input is waiting. */
  hasWork(): boolean {
    return this.io.consoleIn.available > 0 || this.harts.some((h) => h.wfiWake());
  }
}
