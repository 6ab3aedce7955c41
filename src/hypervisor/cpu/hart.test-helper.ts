import { MmioBus } from '../devices/mmio-bus';
import { HostMemory } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { PRIV } from './csr';
import { Hart, type HartEnv } from './hart';
import { HartState } from './hart-state';

export const RAM_BASE = 0x8000_0000;

/** A bare hart on 1 MiB of RAM at 0x80000000, in M-mode, for ISA tests. */
export function makeHart(
  options: { ramBytes?: number; env?: Partial<HartEnv>; bus?: MmioBus } = {},
) {
  const ramBytes = options.ramBytes ?? 1 << 20;
  const mem = HostMemory.create(ramBytes);
  const p2m = new P2m(RAM_BASE, ramBytes >>> 12);
  p2m.mapLinear(0); // the hart owns all of this host RAM
  let ticks = 0;
  const env: HartEnv = { clock: { now: () => ticks }, ...options.env };
  const bus = options.bus ?? new MmioBus();
  const hart = new Hart(new HartState(), mem, p2m, bus, env);
  hart.reset(0, RAM_BASE, PRIV.M);
  return {
    hart,
    mem,
    p2m,
    bus,
    setTicks: (t: number) => (ticks = t),
    /** Writes 32-bit words at guest-physical `addr`. */
    poke32(addr: number, ...words: number[]) {
      for (let i = 0; i < words.length; i++)
        mem.ram32[p2m.hostOffset(addr + 4 * i) >> 2] = words[i];
    },
    poke16(addr: number, ...halves: number[]) {
      for (let i = 0; i < halves.length; i++)
        mem.ram16[p2m.hostOffset(addr + 2 * i) >> 1] = halves[i];
    },
    peek32(addr: number): number {
      return mem.ram32[p2m.hostOffset(addr) >> 2];
    },
    /** Loads `program` at RAM_BASE and runs `steps` instructions. */
    load(program: number[], at = RAM_BASE) {
      for (let i = 0; i < program.length; i++)
        mem.ram32[p2m.hostOffset(at + 4 * i) >> 2] = program[i];
    },
  };
}
