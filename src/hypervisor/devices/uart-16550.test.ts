import { describe, expect, it } from 'vitest';
import { Uart16550, UART_RX_CAPACITY } from './uart-16550';

const RBR = 0,
  THR = 0,
  DLL = 0,
  IER = 1,
  DLM = 1,
  IIR = 2,
  FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7;

function setup() {
  const levels: boolean[] = [];
  const out: number[] = [];
  const uart = new Uart16550({
    irq: { set: (l) => levels.push(l) },
    onTransmit: (b) => out.push(b),
  });
  const level = (): boolean => levels.at(-1) ?? false;
  return { uart, levels, out, level };
}

describe('Uart16550', () => {
  it('resets idle: no interrupt, transmitter empty, no data', () => {
    const { uart, levels } = setup();
    expect(uart.read(IIR, 1)).toBe(0x01);
    expect(uart.read(LSR, 1)).toBe(0x60);
    expect(uart.read(IER, 1)).toBe(0);
    expect(levels).toEqual([]);
  });

  it('transmits THR writes and keeps THRE/TEMT set', () => {
    const { uart, out } = setup();
    for (const c of 'hi\n') uart.write(THR, c.charCodeAt(0), 1);
    expect(String.fromCharCode(...out)).toBe('hi\n');
    expect(uart.read(LSR, 1) & 0x60).toBe(0x60);
  });

  it('receives bytes in order, with LSR.DR and the RDI interrupt', () => {
    const { uart, level } = setup();
    uart.write(IER, 0x01, 1);
    expect(level()).toBe(false);
    expect(uart.receive(new Uint8Array([0x41, 0x42]))).toBe(0);
    expect(uart.pendingInput).toBe(2);
    expect(level()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x04);
    expect(uart.read(LSR, 1) & 0x01).toBe(1);
    expect(uart.read(RBR, 1)).toBe(0x41);
    expect(level()).toBe(true);
    expect(uart.read(RBR, 1)).toBe(0x42);
    expect(uart.read(LSR, 1) & 0x01).toBe(0);
    expect(uart.read(IIR, 1)).toBe(0x01);
    expect(level()).toBe(false);
    expect(uart.read(RBR, 1)).toBe(0);
  });

  it('does not interrupt for received data while RDI is disabled', () => {
    const { uart, levels } = setup();
    uart.receive(new Uint8Array([1]));
    expect(levels).toEqual([]);
    expect(uart.read(IIR, 1)).toBe(0x01);
    uart.write(IER, 0x01, 1);
    expect(levels).toEqual([true]);
  });

  it('raises THRE when THRI is enabled, clears it on IIR read, re-arms on THR write', () => {
    const { uart, level } = setup();
    uart.write(IER, 0x02, 1);
    expect(level()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x02);
    expect(level()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0x01);
    uart.write(THR, 0x61, 1);
    expect(level()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x02);
    // Re-enabling THRI re-raises, as serial8250_do_startup's THRE probe expects.
    uart.write(IER, 0, 1);
    uart.write(IER, 0x02, 1);
    expect(uart.read(IIR, 1)).toBe(0x02);
    // Disabling THRI drops a pending THRE.
    uart.write(THR, 0x61, 1);
    expect(level()).toBe(true);
    uart.write(IER, 0, 1);
    expect(level()).toBe(false);
  });

  it('prioritises received data over THRE', () => {
    const { uart } = setup();
    uart.write(IER, 0x03, 1);
    uart.receive(new Uint8Array([7]));
    expect(uart.read(IIR, 1)).toBe(0x04);
    uart.read(RBR, 1);
    expect(uart.read(IIR, 1)).toBe(0x02);
    expect(uart.read(IIR, 1)).toBe(0x01);
  });

  it('keeps only IER bits 3:0 and reports FIFO mode in IIR bits 7:6', () => {
    const { uart } = setup();
    uart.write(IER, 0xff, 1);
    expect(uart.read(IER, 1)).toBe(0x0f);
    uart.write(IER, 0, 1);
    uart.write(FCR, 0x01, 1);
    expect(uart.read(IIR, 1)).toBe(0xc1);
    // FCR bit 5 (64-byte FIFO) is not a 16550A feature: IIR bit 5 stays 0.
    uart.write(FCR, 0x21, 1);
    expect(uart.read(IIR, 1) >> 5).toBe(6);
  });

  it('clears the receive FIFO on FCR clear and on FIFO enable changes', () => {
    const { uart } = setup();
    uart.write(FCR, 0x01, 1);
    uart.receive(new Uint8Array([1, 2, 3]));
    uart.write(FCR, 0x01, 1);
    expect(uart.pendingInput).toBe(3);
    uart.write(FCR, 0x03, 1);
    expect(uart.pendingInput).toBe(0);
    uart.receive(new Uint8Array([1]));
    uart.write(FCR, 0x00, 1);
    expect(uart.pendingInput).toBe(0);
  });

  it('maps DLL/DLM over RBR/IER while LCR.DLAB is set', () => {
    const { uart, out } = setup();
    uart.write(IER, 0x01, 1);
    uart.write(LCR, 0x83, 1);
    uart.write(DLL, 0x02, 1);
    uart.write(DLM, 0x01, 1);
    expect(uart.read(DLL, 1)).toBe(0x02);
    expect(uart.read(DLM, 1)).toBe(0x01);
    expect(uart.divisor).toBe(0x102);
    expect(out).toEqual([]);
    uart.write(LCR, 0x03, 1);
    expect(uart.read(LCR, 1)).toBe(0x03);
    expect(uart.read(IER, 1)).toBe(0x01);
  });

  it('loops THR back to RBR and MCR to MSR in loopback mode', () => {
    const { uart, out } = setup();
    // serial8250 autoconfig: MCR = LOOP | RTS | OUT2 must read MSR[7:4] = 0x9.
    uart.write(MCR, 0x1a, 1);
    expect(uart.read(MSR, 1) & 0xf0).toBe(0x90);
    uart.write(MCR, 0x1f, 1);
    expect(uart.read(MSR, 1) & 0xf0).toBe(0xf0);
    uart.write(THR, 0x55, 1);
    expect(out).toEqual([]);
    expect(uart.read(LSR, 1) & 0x01).toBe(1);
    expect(uart.read(RBR, 1)).toBe(0x55);
    uart.write(MCR, 0x0b, 1);
    expect(uart.read(MSR, 1)).toBe(0xb0);
  });

  it('keeps the scratch register', () => {
    const { uart } = setup();
    uart.write(SCR, 0xa5, 1);
    expect(uart.read(SCR, 1)).toBe(0xa5);
  });

  it('bounds the receive buffer and counts dropped bytes', () => {
    const { uart } = setup();
    expect(uart.receive(new Uint8Array(UART_RX_CAPACITY + 10).fill(0x78))).toBe(10);
    expect(uart.pendingInput).toBe(UART_RX_CAPACITY);
    expect(uart.droppedBytes).toBe(10);
    uart.read(RBR, 1);
    expect(uart.receive(new Uint8Array([1, 2]))).toBe(1);
    expect(uart.droppedBytes).toBe(11);
    for (let i = 0; i < UART_RX_CAPACITY - 1; i++) uart.read(RBR, 1);
    expect(uart.read(RBR, 1)).toBe(1);
  });

  it('tolerates garbage: unknown offsets, wide accesses, read-only registers', () => {
    const { uart, out } = setup();
    expect(uart.read(0x80, 4)).toBe(0);
    uart.write(0x80, 0xffff_ffff, 4);
    uart.write(LSR, 0, 1);
    uart.write(MSR, 0, 1);
    expect(uart.read(LSR, 1)).toBe(0x60);
    uart.write(THR, 0x1234_5641, 4);
    expect(out).toEqual([0x41]);
  });
});
