import { describe, expect, it } from 'vitest';
import { HART_STATE_BYTES } from '../../hypervisor/cpu/hart-state';
import { PLIC_WORD } from '../../hypervisor/devices/plic';
import { MACHINE_STATE_VERSION, type MachineState } from '../../hypervisor/vm/machine-state';
import { SECTION, type SectionId } from './container';
import { decodeMachine, encodeMachine } from './machine-codec';
import { Rng, syntheticMachine } from './save-image.test-helper';

function sections(machine: MachineState): Map<SectionId, Uint8Array> {
  return new Map(encodeMachine(machine));
}

function decodeError(
  edit: (s: Map<SectionId, Uint8Array>) => void,
  machine?: MachineState,
): string {
  const s = sections(machine ?? syntheticMachine(new Rng(3)));
  edit(s);
  try {
    decodeMachine(s);
  } catch (e) {
    expect((e as Error).name).toBe('SaveImageError');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

function withJson(edit: (meta: Record<string, unknown>) => void) {
  return (s: Map<SectionId, Uint8Array>) => {
    const meta = JSON.parse(new TextDecoder().decode(s.get(SECTION.MACHINE)));
    edit(meta);
    s.set(SECTION.MACHINE, new TextEncoder().encode(JSON.stringify(meta)));
  };
}

describe('machine state codec', () => {
  it('round-trips every field, typed arrays and NaN, -0 and Infinity balloon words exactly', () => {
    const machine = syntheticMachine(new Rng(1));
    const back = decodeMachine(sections(machine));
    expect(back).toEqual(machine);
    expect(back.hartStates).toBeInstanceOf(Uint8Array);
    expect(Object.is(back.balloon!.words[9], -0)).toBe(true);
    expect(back.balloon!.words[8]).toBeNaN();
    expect(back.balloon!.words[10]).toBe(Infinity);
  });

  it('round-trips a machine without balloon, with HTIF, 1 and 8 harts', () => {
    for (const harts of [1, 8]) {
      const { balloon: _, ...machine } = syntheticMachine(new Rng(harts), harts, 16);
      const bare: MachineState = {
        ...machine,
        sbi: false,
        engine: 'interpreter',
        htif: { tohost: 0x80001000 },
      };
      const s = sections(bare);
      expect(s.has(SECTION.BALLOON)).toBe(false);
      expect(decodeMachine(s)).toEqual(bare);
    }
  });

  it('copies the blobs out of the file', () => {
    const s = sections(syntheticMachine(new Rng(2)));
    const back = decodeMachine(s);
    s.get(SECTION.HART_STATES)![0] ^= 1;
    expect(back.hartStates[0]).not.toBe(s.get(SECTION.HART_STATES)![0]);
  });

  it('refuses to save values JSON would not keep', () => {
    const cases: Array<[unknown, string]> = [
      [NaN, 'cannot save machine.devices.uart.bad: NaN does not survive JSON'],
      [Infinity, 'cannot save machine.devices.uart.bad: Infinity does not survive JSON'],
      [10n, 'cannot save machine.devices.uart.bad: a bigint does not survive JSON'],
      [
        [1, undefined],
        'cannot save machine.devices.uart.bad[1]: a undefined does not survive JSON',
      ],
      [
        new Uint8Array(2),
        'cannot save machine.devices.uart.bad: a Uint8Array object does not survive JSON',
      ],
      [() => 0, 'cannot save machine.devices.uart.bad: a function does not survive JSON'],
    ];
    for (const [bad, message] of cases) {
      const machine = syntheticMachine(new Rng(4));
      machine.devices.uart = { ok: 1, bad } as never;
      expect(() => encodeMachine(machine)).toThrow(message);
    }
  });

  it('rejects blobs that do not fit the machine', () => {
    const rng = new Rng(5);
    expect(decodeError((s) => s.set(SECTION.HART_STATES, new Uint8Array(HART_STATE_BYTES)))).toBe(
      'invalid save image: hart states are 512 bytes; 2 harts need 1024',
    );
    expect(decodeError((s) => s.delete(SECTION.HART_STATES))).toBe(
      'invalid save image: the HART_STATES section is missing',
    );
    expect(decodeError((s) => s.set(SECTION.PLIC, new Uint8Array(8)))).toBe(
      'invalid save image: PLIC state is 8 bytes, shorter than its header',
    );
    const plicFor3 = (s: Map<SectionId, Uint8Array>) => {
      const p = s.get(SECTION.PLIC)!.slice();
      new DataView(p.buffer).setInt32(PLIC_WORD.HARTS * 4, 3, true);
      s.set(SECTION.PLIC, p);
    };
    expect(decodeError(plicFor3)).toBe(
      'invalid save image: PLIC state is for 3 harts, the machine has 2',
    );
    const plicLonger = (s: Map<SectionId, Uint8Array>) => {
      const p = new Uint8Array(s.get(SECTION.PLIC)!.length + 4);
      p.set(s.get(SECTION.PLIC)!);
      s.set(SECTION.PLIC, p);
    };
    expect(decodeError(plicLonger)).toBe(
      'invalid save image: PLIC state is 1296 bytes; 2 harts and 96 sources need 1292',
    );
    const ndev = (n: number) => (s: Map<SectionId, Uint8Array>) => {
      const p = s.get(SECTION.PLIC)!.slice();
      new DataView(p.buffer).setInt32(PLIC_WORD.NDEV * 4, n, true);
      s.set(SECTION.PLIC, p);
    };
    expect(decodeError(ndev(0))).toBe('invalid save image: PLIC state has 0 sources');
    expect(decodeError(ndev(2000))).toBe('invalid save image: PLIC state has 2000 sources');
    expect(decodeError((s) => s.set(SECTION.CLINT, rng.fill(new Uint8Array(40))))).toBe(
      'invalid save image: CLINT state is 40 bytes; 2 harts need 48',
    );
    const clintFor1 = (s: Map<SectionId, Uint8Array>) => {
      const c = s.get(SECTION.CLINT)!.slice();
      c[8] = 1;
      s.set(SECTION.CLINT, c);
    };
    expect(decodeError(clintFor1)).toBe(
      'invalid save image: CLINT state is for 1 harts, the machine has 2',
    );
    expect(decodeError((s) => s.delete(SECTION.BALLOON))).toBe(
      'invalid save image: the balloon words are missing',
    );
    expect(decodeError((s) => s.set(SECTION.BALLOON, new Uint8Array(8)))).toBe(
      'invalid save image: balloon state is 8 bytes, not 256',
    );
    expect(decodeError(withJson((m) => delete m.balloon))).toBe(
      'invalid save image: balloon words without a balloon',
    );
  });

  it('rejects machine JSON that is not a machine this host runs', () => {
    const cases: Array<[(m: Record<string, unknown>) => void, string]> = [
      [(m) => (m.harts = 9), 'harts is 9, not an integer in 1..8'],
      [(m) => (m.harts = 1.5), 'harts is 1.5, not an integer in 1..8'],
      [(m) => (m.memoryMiB = 2048), 'memoryMiB is 2048, not an integer in 16..1024'],
      [(m) => delete m.memoryMiB, 'memoryMiB is undefined, not an integer in 16..1024'],
      [(m) => (m.sbi = 1), 'sbi is not a boolean'],
      [(m) => (m.engine = 'kvm'), 'unknown CPU engine "kvm"'],
      [(m) => (m.mtime = -1), 'mtime is not a number ≥ 0'],
      [(m) => (m.extra = 1), 'machine state has an unknown field "extra"'],
      [(m) => (m.htif = { tohost: -4 }), 'htif.tohost is -4, not an integer in 0..4294967295'],
      [
        (m) => (m.balloon = { deflateOnOom: 'yes', freePageReporting: false }),
        'balloon flags are not booleans',
      ],
      [(m) => (m.devices = []), 'devices is not an object'],
      [(m) => delete (m.devices as Record<string, unknown>).rtc, 'devices.rtc is missing'],
      [
        (m) => ((m.devices as Record<string, unknown>).virtio = Array(9).fill(null)),
        'devices.virtio is not a list of at most 8 slots',
      ],
      [(m) => (m.version = 0), 'machine state version is 0, not an integer in 1..'],
    ];
    for (const [edit, message] of cases)
      expect(decodeError(withJson(edit))).toContain(`invalid save image: ${message}`);
    expect(decodeError(withJson((m) => (m.version = MACHINE_STATE_VERSION + 1)))).toBe(
      `saved by a newer VirtLab (machine state ${MACHINE_STATE_VERSION + 1}); this one reads up to ${MACHINE_STATE_VERSION}`,
    );
  });

  it('rejects machine bytes that are not JSON or not UTF-8', () => {
    expect(
      decodeError((s) => s.set(SECTION.MACHINE, new TextEncoder().encode('{"harts": 2'))),
    ).toMatch(/^invalid save image: machine state is not valid JSON: /);
    expect(decodeError((s) => s.set(SECTION.MACHINE, Uint8Array.of(0x7b, 0xff, 0x7d)))).toMatch(
      /^invalid save image: machine state is not valid JSON: /,
    );
    expect(decodeError((s) => s.set(SECTION.MACHINE, new Uint8Array((1 << 20) + 1)))).toBe(
      'invalid save image: machine state is 1048577 bytes, over the 1048576 limit',
    );
    expect(decodeError((s) => s.delete(SECTION.MACHINE))).toBe(
      'invalid save image: the MACHINE section is missing',
    );
  });
});
