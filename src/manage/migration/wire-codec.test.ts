import { describe, expect, it } from 'vitest';
import type { MigrationMessage } from './messages';
import { FrameReader, MAX_FRAME, encodeMessage } from './wire-codec';

describe('migration wire codec', () => {
  const pages: MigrationMessage = {
    kind: 'pages',
    seq: 3,
    round: 1,
    gfns: Int32Array.of(1, 70000, -0),
    zero: Uint8Array.of(2),
    data: new Uint8Array(8192).map((_, i) => i * 7),
  };
  const state = {
    kind: 'device-state',
    state: {
      version: 1,
      harts: 1,
      hartStates: new Uint8Array(512).fill(9),
      devices: { uart: { lsr: 96 }, rtc: null, pvpanic: {}, virtio: [null, { q: [1, 2] }] },
    },
  } as unknown as MigrationMessage;

  it('round-trips messages with typed arrays, split across chunks anywhere', () => {
    const bytes = new Uint8Array([
      ...encodeMessage(pages),
      ...encodeMessage({ kind: 'ack', seq: 3 }),
      ...encodeMessage(state),
    ]);
    for (const cut of [1, 5, 4096, bytes.length - 1]) {
      const r = new FrameReader();
      const got = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut))];
      expect(got).toEqual([pages, { kind: 'ack', seq: 3 }, state]);
    }
  });

  it('refuses a frame longer than MAX_FRAME before buffering it, and garbage', () => {
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_FRAME + 1, true);
    expect(() => new FrameReader().push(huge)).toThrow(/malformed/);
    const junk = new Uint8Array([8, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3, 4]);
    expect(() => new FrameReader().push(junk)).toThrow(/malformed/);
  });
});
