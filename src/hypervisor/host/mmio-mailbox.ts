import { hostNow } from './clock';
import type { ExitSpans } from './exit-spans';

/**
 * MMIO exits from vCPUs to their VM's VMM worker (KVM_EXIT_MMIO handled by
 * QEMU): one mailbox per vCPU in a SharedArrayBuffer, and a doorbell the
 * VMM worker sleeps on.
 *
 * Layout (Int32, all Atomics):
 *   [0] DOORBELL  bumped + notified by a vCPU after posting a request
 *   [1] SERVED    requests served (a counter for telemetry)
 *   [2] SAVE_REQ  bumped by the host (then the doorbell) to ask for the device state
 *   [3] SAVE_ACK  set to SAVE_REQ by the VMM once it posted the state (host/vmm.ts)
 *   mailbox h at word 8 + 8h:
 *     +0 STATE   0 idle, 1 request posted (vCPU), 2 reply ready (VMM)
 *     +1 ADDR    guest-physical address
 *     +2 SIZE    1, 2 or 4, plus 0x100 for a write
 *     +3 VALUE   the value written, or the value read
 *     +4 STATUS  0 ok, 1 no device there (the vCPU takes an access fault)
 *   console payload of hart h at byte (8 + 8·harts)·4 + CONSOLE_EXIT_BYTES·h:
 *     the bytes of an SBI console exit (ADDR = SBI_CONSOLE_EXIT, VALUE = how
 *     many), written by the vCPU before it posts, read by the VMM
 *
 * The vCPU spins briefly for the reply (the VMM is usually awake on another
 * core), then sleeps in Atomics.wait; the VMM spins briefly for the next
 * doorbell before it sleeps. A request is owned by exactly one side at a
 * time, by STATE.
 */
export const MB = { DOORBELL: 0, SERVED: 1, SAVE_REQ: 2, SAVE_ACK: 3, BASE: 8, STRIDE: 8 } as const;

/**
 * The "address" of an SBI console byte forwarded to the VMM: KVM hands SBI
 * debug-console calls to user space (KVM_EXIT_RISCV_SBI) so that QEMU
 * writes them to the same chardev as the UART, in order. Not a device
 * address (nothing is mapped at the top of the 32-bit space).
 */
export const SBI_CONSOLE_EXIT = 0xffff_fffc;
/**
 * Most bytes one SBI console exit carries. One exit per DBCN write (a
 * DBCN_WRITE_MAX-byte buffer is one or two, with "\r" before each "\n"), as
 * KVM makes one KVM_EXIT_RISCV_SBI per ecall and QEMU writes the whole
 * buffer: an exit per byte made the early boot log cost a thread round
 * trip per character.
 */
export const CONSOLE_EXIT_BYTES = 256;
const STATE = 0;
const ADDR = 1;
const SIZE = 2;
const VALUE = 3;
const STATUS = 4;
const WRITE = 0x100;
const IDLE = 0;
const REQUEST = 1;
const REPLY = 2;

export function mailboxBytes(harts: number): number {
  return (MB.BASE + harts * MB.STRIDE) * 4 + harts * CONSOLE_EXIT_BYTES;
}

function payloadOffset(harts: number, h: number): number {
  return (MB.BASE + harts * MB.STRIDE) * 4 + h * CONSOLE_EXIT_BYTES;
}

const SPIN = 2000;

/** True when hart h's mailbox is idle (its vCPU is not parked in an MMIO exit). */
export function mailboxIdle(m: Int32Array, h: number): boolean {
  return Atomics.load(m, MB.BASE + h * MB.STRIDE + STATE) === IDLE;
}

/** The vCPU side: a synchronous MMIO access through the VMM. */
export class MmioExit {
  readonly #m: Int32Array;
  readonly #at: number;
  readonly #payload: Uint8Array;

  constructor(
    sab: SharedArrayBuffer,
    hart: number,
    harts: number,
    /** Checked while waiting: true when the VM is being torn down. */
    readonly abandoned: () => boolean,
    /**
     * Runs once the mailbox is idle again, before the vCPU goes on: a
     * shootdown that found it parked here relies on it (host/shootdown.ts).
     */
    readonly afterExit: () => void = () => {},
    /** Where the time of each exit is recorded, for the scheduler trace. */
    readonly spans?: ExitSpans,
  ) {
    this.#m = new Int32Array(sab);
    this.#at = MB.BASE + hart * MB.STRIDE;
    this.#payload = new Uint8Array(sab, payloadOffset(harts, hart), CONSOLE_EXIT_BYTES);
  }

  /**
   * Console bytes to the VMM, in order, CONSOLE_EXIT_BYTES per exit; returns
   * false when the VM is being torn down (the rest is dropped).
   */
  console(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i += CONSOLE_EXIT_BYTES) {
      const part = bytes.subarray(i, i + CONSOLE_EXIT_BYTES);
      this.#payload.set(part);
      if (this.access(SBI_CONSOLE_EXIT, 1, true, part.length) === undefined) return false;
    }
    return true;
  }

  /** Returns the value read (or 0 for a write), or undefined when no device answered. */
  access(addr: number, size: number, write: boolean, value: number): number | undefined {
    const m = this.#m;
    const at = this.#at;
    const t0 = this.spans ? hostNow() : 0;
    m[at + ADDR] = addr;
    m[at + SIZE] = size | (write ? WRITE : 0);
    m[at + VALUE] = value;
    Atomics.store(m, at + STATE, REQUEST);
    Atomics.add(m, MB.DOORBELL, 1);
    Atomics.notify(m, MB.DOORBELL);
    for (let i = 0; i < SPIN && Atomics.load(m, at + STATE) !== REPLY; i++);
    while (Atomics.load(m, at + STATE) !== REPLY) {
      // A VM being torn down is checked before every sleep, so no exit outlives its stop.
      if (!this.abandoned()) Atomics.wait(m, at + STATE, REQUEST, 50);
      if (Atomics.load(m, at + STATE) !== REPLY && this.abandoned()) {
        Atomics.store(m, at + STATE, IDLE);
        this.spans?.add(t0, hostNow());
        this.afterExit();
        return undefined;
      }
    }
    const status = m[at + STATUS];
    const result = m[at + VALUE];
    Atomics.store(m, at + STATE, IDLE);
    this.spans?.add(t0, hostNow());
    this.afterExit();
    return status === 0 ? result : undefined;
  }
}

/** The VMM side: serves every posted request with `handle`. */
export class MmioServer {
  readonly m: Int32Array;
  readonly #payload: Uint8Array[] = [];
  constructor(
    sab: SharedArrayBuffer,
    readonly harts: number,
  ) {
    this.m = new Int32Array(sab);
    for (let h = 0; h < harts; h++)
      this.#payload.push(new Uint8Array(sab, payloadOffset(harts, h), CONSOLE_EXIT_BYTES));
  }

  get doorbell(): number {
    return Atomics.load(this.m, MB.DOORBELL);
  }

  /** Serves pending requests; returns how many. `console` gets the bytes of an SBI console exit (a copy). */
  serve(
    read: (addr: number, size: 1 | 2 | 4) => number | undefined,
    write: (addr: number, value: number, size: 1 | 2 | 4) => boolean,
    console: (bytes: Uint8Array) => void,
  ): number {
    const m = this.m;
    let served = 0;
    for (let h = 0; h < this.harts; h++) {
      const at = MB.BASE + h * MB.STRIDE;
      if (Atomics.load(m, at + STATE) !== REQUEST) continue;
      const addr = m[at + ADDR] >>> 0;
      const sz = m[at + SIZE];
      const size = (sz & 0xff) as 1 | 2 | 4;
      let ok: boolean;
      if (addr === SBI_CONSOLE_EXIT) {
        console(this.#payload[h].slice(0, Math.min(m[at + VALUE] >>> 0, CONSOLE_EXIT_BYTES)));
        ok = true;
      } else if (sz & WRITE) {
        ok = write(addr, m[at + VALUE], size);
      } else {
        const v = read(addr, size);
        ok = v !== undefined;
        m[at + VALUE] = v ?? 0;
      }
      m[at + STATUS] = ok ? 0 : 1;
      Atomics.store(m, at + STATE, REPLY);
      Atomics.notify(m, at + STATE);
      served++;
    }
    if (served) Atomics.add(m, MB.SERVED, served);
    return served;
  }

  /**
   * Sleeps until the doorbell moves from `seen` or `timeoutMs` passes,
   * spinning briefly first; `beforeSleep` runs only if it really sleeps.
   */
  waitForWork(seen: number, timeoutMs: number, beforeSleep?: () => void): void {
    for (let i = 0; i < SPIN; i++) if (Atomics.load(this.m, MB.DOORBELL) !== seen) return;
    beforeSleep?.();
    if (timeoutMs > 0) Atomics.wait(this.m, MB.DOORBELL, seen, timeoutMs);
  }
}
