import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDomainXml, parseDomainXml } from '../../src/manage/xml/domain-xml';
import { ROOT } from '../../tools/lib/images';
import { FUZZ_SEED, cases, int, pick, prng } from './prng';

/**
 * Issue [hardening] point 4: mutated real-world domain XML through the XML
 * parser and the domain XML mapper. Every input either defines a domain
 * whose dumpxml defines the same domain again, or fails with the parser's
 * or libvirt's error types; never another exception, never slowly.
 */
const dir = join(ROOT, 'test', 'fixtures', 'domain-xml');
const seeds = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
const PIECES = [
  '<',
  '>',
  '/>',
  '</',
  "'",
  '"',
  '&amp;',
  '&#x41;',
  '&bogus;',
  ']]>',
  '<![CDATA[',
  '<!--',
  '-->',
  '<?xml version="1.0"?>',
  '<!DOCTYPE x>',
  '\u0000',
  '\uFFFF',
  'unit="GiB"',
  '99999999999999999999',
  '-1',
  '0-16383,^2',
  'cpuset="',
  '<vcpu>',
  '</domain>',
  ' '.repeat(64),
];
const EXPECTED = new Set(['XmlSyntaxError', 'DomainXmlError', 'VirtError']);

function mutate(rand: () => number, text: string): string {
  let s = text;
  for (let k = int(rand, 1, 4); k > 0; k--) {
    const at = int(rand, 0, s.length);
    const len = int(rand, 0, 40);
    switch (int(rand, 0, 4)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + pick(rand, PIECES) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len).repeat(int(rand, 2, 50)) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at) + String.fromCharCode(int(rand, 0, 0x7f)) + s.slice(at + 1);
        break;
      default:
        s = s.slice(0, at);
    }
  }
  return s;
}

describe('fuzz: domain XML', () => {
  it(`mutated fixtures parse or fail with a typed error, within bounds (seed ${FUZZ_SEED})`, () => {
    const rand = prng(FUZZ_SEED);
    let defined = 0;
    let slowest = 0;
    const n = cases(3000);
    for (let i = 0; i < n; i++) {
      const input = mutate(rand, pick(rand, seeds));
      const t0 = performance.now();
      let result: ReturnType<typeof parseDomainXml> | undefined;
      try {
        result = parseDomainXml(input);
      } catch (error) {
        const name = (error as Error).name;
        if (!EXPECTED.has(name))
          throw new Error(
            `case ${i}: ${name}: ${(error as Error).message}\n${input.slice(0, 2000)}`,
          );
        expect((error as Error).message.length, `case ${i}: error message length`).toBeLessThan(
          1000,
        );
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (result) {
        defined++;
        const again = parseDomainXml(
          formatDomainXml({
            ...result.def,
            uuid: result.def.uuid ?? '00000000-0000-4000-8000-000000000000',
          }),
        );
        expect(again.def.name, `case ${i}: dumpxml round trip`).toBe(result.def.name);
      }
    }
    expect(slowest, 'slowest parse, ms').toBeLessThan(500);
    expect(defined, 'some mutants still define a domain').toBeGreaterThan(n / 50);
  });
});
