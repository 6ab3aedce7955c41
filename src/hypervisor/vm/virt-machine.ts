import { VIRT } from '../board/virt-board';
import { createVirtDevices, type VirtDevices } from '../board/virt-devices';
import { EXIT, Hart, type Exit, type HartEnv } from '../cpu/hart';
import { F, HartState, HART_STATE_BYTES, S } from '../cpu/hart-state';
import type { Clock, InterruptSink } from '../devices/interrupts';
import { MmioBus } from '../devices/mmio-bus';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { HSM_STATE, SBI_ERR, handleSbiCall, type SbiHost } from '../sbi/sbi';
import { loadGuest, resetHartForLinux, validateConfig, type MachineConfig } from './boot';
import { ByteRing } from './byte-ring';
import { Htif } from './htif';

export { ConfigError, DEFAULT_BOOTARGS, MAX_HARTS, type MachineConfig } from './boot';

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
    validateConfig(config);
    const { memoryMiB, harts } = config;
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

  #load(): void {
    const loaded = loadGuest(
      this.config,
      this.mem,
      this.p2m,
      this.harts.map((h) => h.state),
    );
    for (const hart of this.harts) hart.updateModes();
    if (loaded.htif) {
      this.#htif = new Htif(this.mem, this.p2m, loaded.htif.tohost, loaded.htif.fromhost, {
        consoleOut: (bytes) => this.io.consoleOut(bytes),
        finish: (code) => this.stop(code === 0 ? { kind: 'pass' } : { kind: 'fail', code }),
      });
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
        if (this.p2m.hostOffset(addr) < 0) return SBI_ERR.INVALID_ADDRESS;
        resetHartForLinux(hart.state, h, addr, opaque);
        hart.flushTlb();
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
