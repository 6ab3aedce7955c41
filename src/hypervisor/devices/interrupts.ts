/**
 * How board devices raise interrupts at a hart: the in-kernel irqchip's
 * output. Bits are those of the `mip` CSR (priv. spec §3.1.9): SSIP 1,
 * MSIP 3, STIP 5, MTIP 7, SEIP 9, MEIP 11. The hart side implements this by
 * setting or clearing the bit atomically in the hart's shared state and
 * waking the hart if it sleeps in WFI.
 */
export interface InterruptSink {
  setPending(hart: number, mipBit: number, level: boolean): void;
}

export const MIP = {
  SSIP: 1,
  MSIP: 3,
  STIP: 5,
  MTIP: 7,
  SEIP: 9,
  MEIP: 11,
} as const;

/** The board's timebase (mtime): ticks at VIRT.TIMEBASE_HZ. */
export interface Clock {
  /** Current mtime in ticks, an integer below 2^53. */
  now(): number;
}
