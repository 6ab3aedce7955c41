import { createVirtDevices, type VirtDevices } from '../board/virt-devices';
import { MmioBus } from '../devices/mmio-bus';
import type { ParentPort, VmmCommand, VmmReport } from '../protocol';
import { ByteRing } from '../vm/byte-ring';
import { MB, MmioServer } from './mmio-mailbox';
import { loadDevices, saveDevices } from './vmm-state';
import { SchedState } from './sched-state';
import { BAL, STOP_CODE, requestStop } from './vm-shared';
import { Shootdown, dmaEnter, dmaExit } from './shootdown';
import { VmmDma } from './vmm-dma';
import { BalloonBackend } from './vmm-balloon';
import { VirtioBalloon } from '../devices/virtio/balloon';
import { VirtioMmio } from '../devices/virtio/virtio-mmio';
import { VIRT } from '../board/virt-board';
import { VmView } from './vm-view';

/** Longest sleep before the VMM looks at console input and the RTC again. */
const MAX_SLEEP_MS = 1000;
const OUTPUT_FLUSH_BYTES = 4096;
/** Longest a console byte waits in the VMM while the guest keeps it busy. */
const FLUSH_MS = 2;

/**
 * A VM's VMM worker (QEMU's role): owns the board devices other than the
 * in-kernel irqchip, answers the vCPUs' MMIO exits, feeds console input to
 * the UART and sends its output to the host. Blocks in Atomics.wait on the
 * mailbox doorbell between requests, so an idle VM costs nothing here.
 */
export function vmmMain(port: ParentPort<VmmCommand, VmmReport>): void {
  port.onMessage((command) => {
    if (command.kind !== 'start') return;
    const view = new VmView(command.shared, new SchedState(command.sched));
    const out: number[] = [];
    let firstPending = 0;
    const flush = () => {
      if (out.length) port.post({ kind: 'console', bytes: Uint8Array.from(out.splice(0)) });
    };
    const emit = (byte: number) => {
      if (out.length === 0) firstPending = performance.now();
      out.push(byte);
      if (out.length >= OUTPUT_FLUSH_BYTES) flush();
    };
    const stop = (code: number, detail = 0) => {
      if (requestStop(view.control, code, detail)) port.post({ kind: 'vm-stop' });
    };
    const bus = new MmioBus();
    const shootdown = new Shootdown(command.shared, view.sched.st);
    // A COW break by a device write: shoot down the vCPUs (the VMM holds no translation itself).
    view.cowShootdown = () => shootdown.run(-1, true);
    const dma = new VmmDma(view.p2m, view.p2m.backing!.pool.mem);
    let balloon: VirtioBalloon | undefined;
    const bal = command.shared.balloon ? new Float64Array(command.shared.balloon) : undefined;
    const devices: VirtDevices = createVirtDevices({
      bus,
      harts: command.shared.harts,
      sink: { setPending: (h, bit, level) => view.setPending(h, bit, level) },
      clock: view.clock,
      plic: view.plic,
      clint: view.clint,
      genid: command.shared.genid,
      wallClockNs: () => BigInt(Date.now()) * 1_000_000n,
      onTransmit: emit,
      onPowerOff: () => stop(STOP_CODE.POWEROFF),
      onReset: () => stop(STOP_CODE.REBOOT),
      onFail: (code) => stop(STOP_CODE.FAIL, code),
      onPanic: () => stop(STOP_CODE.PANIC),
      // QEMU's virt board fills virtio-mmio slots from the top; Linux probes them all.
      virtioSlot: (slot, irq) => {
        if (slot !== VIRT.VIRTIO.count - 1 || !command.shared.balloon) return undefined;
        balloon = new VirtioBalloon({
          host: new BalloonBackend(command.shared.balloon, view.p2m, shootdown),
          dma,
          deflateOnOom: command.shared.balloonDeflateOnOom,
          pageReporting: command.shared.balloonFreePageReporting ?? false,
        });
        return new VirtioMmio({ device: balloon, dma, irq, name: 'virtio-balloon' });
      },
    });
    if (command.devices) {
      try {
        loadDevices(devices, command.devices);
        // Started from a copy (a snapshot, a clone, a file) under a new generation id: tell the guest.
        if (command.shared.genid) devices.vmgenid.setId(command.shared.genid);
      } catch (error) {
        port.post({ kind: 'load-failed', message: (error as Error).message });
        stop(STOP_CODE.ERROR);
        port.post({ kind: 'exited' });
        return;
      }
      port.post({ kind: 'loaded' });
    }
    const server = new MmioServer(command.shared.mailbox, command.shared.harts);
    const mailbox = new Int32Array(command.shared.mailbox);
    /**
     * An odd SAVE_REQ freezes the devices (Host.captureMachine): the VM is
     * paused, and until the host makes SAVE_REQ even again no device model
     * runs, so the state posted here and the guest memory the host copies
     * next describe the same instant.
     */
    const frozen = () => (Atomics.load(mailbox, MB.SAVE_REQ) & 1) === 1;
    const saveWork = () => {
      const seq = Atomics.load(mailbox, MB.SAVE_REQ);
      if (seq === Atomics.load(mailbox, MB.SAVE_ACK)) return;
      try {
        port.post({ kind: 'device-state', seq, devices: saveDevices(devices) });
      } catch (error) {
        port.post({ kind: 'device-state', seq, error: (error as Error).message });
      }
      Atomics.store(mailbox, MB.SAVE_ACK, seq);
    };
    const input = new ByteRing(command.shared.consoleIn);
    const read = (addr: number, size: 1 | 2 | 4) => bus.read(addr, size);
    const write = (addr: number, value: number, size: 1 | 2 | 4) => bus.write(addr, value, size);
    const sbiConsole = (bytes: Uint8Array) => {
      for (const b of bytes) emit(b);
    };

    // A restored balloon already holds the host's target: do not signal it again.
    let appliedTarget = balloon && command.devices ? balloon.targetPages : 0;
    let nextStatsMs = Infinity;
    /** The host's balloon target and stats period (BAL words), applied between exits. */
    const balloonWork = (now: number): number => {
      if (!balloon || !bal) return Infinity;
      const target = bal[BAL.TARGET];
      if (target !== appliedTarget && Number.isInteger(target) && target >= 0) {
        appliedTarget = target;
        balloon.setTarget(target);
      }
      bal[BAL.ACTUAL] = balloon.actualPages;
      const period = bal[BAL.PERIOD_S];
      if (!(period > 0)) {
        nextStatsMs = Infinity;
      } else if (nextStatsMs === Infinity || now >= nextStatsMs) {
        dmaEnter(view.control);
        try {
          balloon.requestStats();
        } finally {
          dmaExit(view.control);
        }
        nextStatsMs = now + period * 1000;
      }
      return nextStatsMs - now;
    };

    for (;;) {
      const seen = server.doorbell;
      // Device models touch guest memory only inside a DMA section (host/shootdown.ts).
      dmaEnter(view.control);
      try {
        server.serve(read, write, sbiConsole);
      } finally {
        dmaExit(view.control);
      }
      if (frozen()) {
        saveWork();
        if (view.stopCode !== 0) break;
        flush();
        server.waitForWork(seen, MAX_SLEEP_MS);
        continue;
      }
      const untilStats = balloonWork(performance.now());
      if (input.available > 0 && devices.uart.pendingInput < 64) {
        const bytes: number[] = [];
        while (bytes.length < 256) {
          const b = input.readByte();
          if (b < 0) break;
          bytes.push(b);
        }
        devices.uart.receive(Uint8Array.from(bytes));
      }
      devices.rtc.poll();
      if (view.stopCode !== 0) {
        // Answer any exit still waiting so no vCPU hangs, then leave.
        dmaEnter(view.control);
        try {
          server.serve(read, write, sbiConsole);
        } finally {
          dmaExit(view.control);
        }
        break;
      }
      // Console output leaves in chunks, at most FLUSH_MS after its first byte (or at
      // 4 KiB): never a message per byte, however slowly the guest writes.
      const now = performance.now();
      if (out.length && now - firstPending >= FLUSH_MS) flush();
      const alarm = devices.rtc.nextAlarmNs();
      const untilAlarm =
        alarm === undefined ? MAX_SLEEP_MS : Number(alarm / 1_000_000n) - Date.now();
      const untilFlush = out.length ? FLUSH_MS - (now - firstPending) : MAX_SLEEP_MS;
      server.waitForWork(
        seen,
        Math.max(0, Math.min(MAX_SLEEP_MS, untilAlarm, untilFlush, untilStats)),
      );
    }
    flush();
    port.post({ kind: 'exited' });
  });
}
