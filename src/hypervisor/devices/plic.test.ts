import { describe, expect, it } from 'vitest';
import { Plic } from './plic';
import { MIP } from './interrupts';
import { plicContext } from '../board/virt-board';

const priority = (src: number): number => 4 * src;
const pending = (word: number): number => 0x1000 + 4 * word;
const enable = (ctx: number, word = 0): number => 0x2000 + 0x80 * ctx + 4 * word;
const threshold = (ctx: number): number => 0x20_0000 + 0x1000 * ctx;
const claim = (ctx: number): number => threshold(ctx) + 4;

function setup(harts = 2) {
  const calls: [number, number, boolean][] = [];
  const mip = new Map<string, boolean>();
  const plic = new Plic({
    harts,
    ndev: 96,
    sink: {
      setPending: (hart, bit, level) => {
        calls.push([hart, bit, level]);
        mip.set(`${hart}:${bit}`, level);
      },
    },
  });
  const eip = (hart: number, bit: number): boolean => mip.get(`${hart}:${bit}`) ?? false;
  return { plic, calls, eip };
}

const S0 = plicContext(0, 'S');
const M0 = plicContext(0, 'M');

describe('Plic', () => {
  it('pends a raised source and signals the context that enables it', () => {
    const { plic, calls, eip } = setup();
    plic.write(priority(10), 1, 4);
    plic.write(enable(S0), 1 << 10, 4);
    expect(calls).toEqual([]);
    plic.irqLine(10).set(true);
    expect(plic.read(pending(0), 4)).toBe(1 << 10);
    expect(calls).toEqual([[0, MIP.SEIP, true]]);
    expect(eip(0, MIP.MEIP)).toBe(false);
    expect(eip(1, MIP.SEIP)).toBe(false);
  });

  it('drives M and S outputs of each hart independently', () => {
    const { plic, eip } = setup();
    plic.write(priority(1), 1, 4);
    plic.write(priority(2), 1, 4);
    plic.write(enable(plicContext(1, 'M')), 1 << 1, 4);
    plic.write(enable(plicContext(1, 'S')), 1 << 2, 4);
    plic.setLevel(1, true);
    expect(eip(1, MIP.MEIP)).toBe(true);
    expect(eip(1, MIP.SEIP)).toBe(false);
    plic.setLevel(2, true);
    expect(eip(1, MIP.SEIP)).toBe(true);
    expect(eip(0, MIP.MEIP) || eip(0, MIP.SEIP)).toBe(false);
  });

  it('claims the highest priority first, lowest id on ties', () => {
    const { plic } = setup();
    plic.write(priority(3), 2, 4);
    plic.write(priority(5), 6, 4);
    plic.write(priority(7), 6, 4);
    plic.write(enable(S0), (1 << 3) | (1 << 5) | (1 << 7), 4);
    for (const s of [3, 5, 7]) plic.setLevel(s, true);
    expect(plic.read(claim(S0), 4)).toBe(5);
    expect(plic.read(claim(S0), 4)).toBe(7);
    expect(plic.read(claim(S0), 4)).toBe(3);
    expect(plic.read(claim(S0), 4)).toBe(0);
  });

  it('masks sources at or below the threshold, and priority 0 never interrupts', () => {
    const { plic, eip } = setup();
    plic.write(priority(4), 3, 4);
    plic.write(enable(S0), (1 << 4) | (1 << 6), 4);
    plic.setLevel(6, true); // priority 0
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.setLevel(4, true);
    expect(eip(0, MIP.SEIP)).toBe(true);
    plic.write(threshold(S0), 3, 4);
    expect(plic.read(threshold(S0), 4)).toBe(3);
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.write(threshold(S0), 2, 4);
    expect(eip(0, MIP.SEIP)).toBe(true);
  });

  it('honours enable masks per context', () => {
    const { plic, eip } = setup();
    plic.write(priority(40), 1, 4);
    plic.setLevel(40, true);
    expect(eip(0, MIP.SEIP)).toBe(false);
    expect(plic.read(claim(S0), 4)).toBe(0);
    plic.write(enable(S0, 1), 1 << 8, 4);
    expect(plic.read(enable(S0, 1), 4)).toBe(1 << 8);
    expect(eip(0, MIP.SEIP)).toBe(true);
    expect(plic.read(claim(S0), 4)).toBe(40);
  });

  it('blocks a claimed source until complete, then re-pends it while the line is high', () => {
    const { plic, eip, calls } = setup();
    plic.write(priority(10), 1, 4);
    plic.write(enable(S0), 1 << 10, 4);
    plic.setLevel(10, true);
    expect(plic.read(claim(S0), 4)).toBe(10);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(eip(0, MIP.SEIP)).toBe(false);
    // Toggling the line while claimed does not pend it.
    plic.setLevel(10, false);
    plic.setLevel(10, true);
    expect(plic.read(pending(0), 4)).toBe(0);
    plic.write(claim(S0), 10, 4);
    expect(plic.read(pending(0), 4)).toBe(1 << 10);
    expect(eip(0, MIP.SEIP)).toBe(true);
    // Serviced: the device drops its line, so after completion nothing is pending.
    expect(plic.read(claim(S0), 4)).toBe(10);
    plic.setLevel(10, false);
    plic.write(claim(S0), 10, 4);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(eip(0, MIP.SEIP)).toBe(false);
    // Outputs are reported only on change.
    expect(calls.filter(([, bit]) => bit === MIP.SEIP).map(([, , l]) => l)).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('drops pending when the line falls before a claim', () => {
    const { plic, eip } = setup();
    plic.write(priority(2), 1, 4);
    plic.write(enable(M0), 1 << 2, 4);
    plic.setLevel(2, true);
    expect(eip(0, MIP.MEIP)).toBe(true);
    plic.setLevel(2, false);
    expect(eip(0, MIP.MEIP)).toBe(false);
    expect(plic.read(claim(M0), 4)).toBe(0);
  });

  it('ignores completion for a source the context does not enable', () => {
    const { plic } = setup();
    plic.write(priority(9), 1, 4);
    plic.write(enable(S0), 1 << 9, 4);
    plic.setLevel(9, true);
    expect(plic.read(claim(S0), 4)).toBe(9);
    const before = plic.ignoredAccesses;
    plic.write(claim(M0), 9, 4);
    expect(plic.ignoredAccesses).toBe(before + 1);
    expect(plic.read(pending(0), 4)).toBe(0);
    plic.write(claim(S0), 9, 4);
    expect(plic.read(pending(0), 4)).toBe(1 << 9);
  });

  it('masks priorities to 3 bits and hardwires source 0 and sources past ndev', () => {
    const { plic } = setup();
    plic.write(priority(1), 0xff, 4);
    expect(plic.read(priority(1), 4)).toBe(7);
    plic.write(priority(0), 5, 4);
    expect(plic.read(priority(0), 4)).toBe(0);
    plic.write(priority(97), 5, 4);
    expect(plic.read(priority(97), 4)).toBe(0);
    plic.write(enable(S0), 0xffff_ffff, 4);
    expect(plic.read(enable(S0), 4)).toBe(0xffff_fffe);
    plic.write(enable(S0, 3), 0xffff_ffff, 4);
    expect(plic.read(enable(S0, 3), 4)).toBe(1); // source 96 only
    expect(() => plic.irqLine(0)).toThrow(RangeError);
    expect(() => plic.irqLine(97)).toThrow(RangeError);
  });

  it('tolerates garbage accesses', () => {
    const { plic, calls } = setup();
    plic.write(pending(0), 0xffff_ffff, 4);
    expect(plic.read(pending(0), 4)).toBe(0);
    expect(plic.read(priority(1), 1)).toBe(0);
    plic.write(priority(1) + 2, 7, 2);
    expect(plic.read(priority(1), 4)).toBe(0);
    expect(plic.read(threshold(4), 4)).toBe(0); // context 4 absent with 2 harts
    plic.write(claim(4), 1, 4);
    plic.write(threshold(0) + 8, 1, 4);
    expect(plic.read(0x5f_fffc, 4)).toBe(0);
    expect(plic.ignoredAccesses).toBeGreaterThanOrEqual(6);
    expect(calls).toEqual([]);
  });
});
