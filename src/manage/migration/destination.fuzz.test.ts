import { describe, expect, it } from 'vitest';
import { MigrationDestination } from './destination';
import { FakeDestinationHost } from './fake-hosts.test-helper';
import { MIGRATION_PROTOCOL, type MigrationMessage } from './messages';
import { transportPair } from './transport';
import { FrameReader, encodeMessage } from './wire-codec';

const SEED = Number(process.env.FUZZ_SEED ?? 17);

/** xorshift32, fixed seed: the same streams every run. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
const RUNS = process.env.FUZZ_LONG ? 10_000 : 200;

/** A message a broken or hostile source might send: every kind, fields bent at random. */
function randomMessage(next: () => number): unknown {
  const pick = <T>(xs: T[]) => xs[next() % xs.length];
  const num = () => pick([0, 1, -1, 4096, 2 ** 31, NaN, 1e9, next() % 70000, 0.5]);
  const bytes = () => new Uint8Array(pick([0, 1, 4095, 4096, 8192, next() % 9000]));
  switch (next() % 7) {
    case 0:
      return {
        kind: 'begin',
        protocol: pick([MIGRATION_PROTOCOL, 0, 99]),
        name: pick(['g', '', 'x'.repeat(300)]),
        domainXml: '<domain/>',
        memoryMiB: pick([4, 0, -4, 1e9, 4.5]),
        pageSize: pick([4096, 0, 8192]),
      };
    case 1:
      return {
        kind: 'pages',
        seq: num(),
        round: num(),
        gfns: pick([Int32Array.from({ length: next() % 70 }, num), new Int32Array(0), 'nope']),
        zero: pick([bytes(), Uint8Array.of(0xff), undefined]),
        data: pick([bytes(), undefined]),
      };
    case 2:
      return {
        kind: 'round-stats',
        round: num(),
        pages: num(),
        dirtyPages: num(),
        throttle: num(),
      };
    case 3:
      return { kind: 'device-state', state: pick([{}, null, { version: 1 }]), paused: false };
    case 4:
      return { kind: pick(['ack', 'ready', 'running', 'nonsense', '']) };
    case 5:
      return { kind: 'error', message: 'x' };
    default:
      return pick([null, 42, 'begin', [], { kind: 7 }]);
  }
}

describe('the migration destination against malformed streams (fuzz)', () => {
  it(`${RUNS} random streams end in a clean failure or a checked restore, never a throw`, async () => {
    const next = rng(SEED);
    for (let run = 0; run < RUNS; run++) {
      const host = new FakeDestinationHost(1024);
      const [source, dest] = transportPair();
      const destination = new MigrationDestination(host, dest);
      const replies: MigrationMessage[] = [];
      source.onMessage((m) => replies.push(m));
      const stream = Array.from({ length: 1 + (next() % 6) }, () => randomMessage(next));
      if (next() % 2)
        stream.unshift({
          kind: 'begin',
          protocol: MIGRATION_PROTOCOL,
          name: 'g',
          domainXml: '<domain/>',
          memoryMiB: 4,
          pageSize: 4096,
        });
      for (const m of stream) source.send(m as MigrationMessage);
      // The same messages through the wire codec decode to the same thing or are refused.
      for (const m of stream) {
        try {
          new FrameReader().push(encodeMessage(m as MigrationMessage));
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      source.send({ kind: 'abort' });
      const outcome = await destination.done.then(
        () => 'completed',
        (e: Error) => e.name,
      );
      expect(['completed', 'MigrationError']).toContain(outcome);
      if (outcome !== 'completed') expect(host.memory).toBeUndefined();
      source.close();
      dest.close();
    }
  }, 60_000);
});
