import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DomainDef } from '../control-api';
import { maxKiB } from '../memory';
import { checkStartable } from '../start-checks';
import { formatDomainXml, parseDomainXml } from './domain-xml';
import { XmlSyntaxError, parseXml } from './xml-parser';

/**
 * libvirt's own domain XML (test/fixtures/libvirt-xml, copied from
 * libvirt's test data; paths and commits in its README and outcomes.json)
 * with the outcome each must have: refused at define with libvirt's error
 * (the files libvirt's parser refuses too), or defined with exactly these
 * warnings; then started or refused on a 2-pCPU host. Hand-made malformed
 * files (test/fixtures/libvirt-xml-malformed) must fail where libxml2 and
 * libvirt say, with the caret under the column.
 */

const DIR = new URL('../../../test/fixtures/libvirt-xml/', import.meta.url);
const BAD = new URL('../../../test/fixtures/libvirt-xml-malformed/', import.meta.url);
const read = (dir: URL, file: string) => readFileSync(new URL(file, dir), 'utf8');

interface Outcome {
  file: string;
  source: string;
  commit: string;
  outcome: 'defines' | 'defines with warnings' | 'refused';
  error?: string;
  def?: DomainDef;
  warnings?: string[];
  /** On a host of 2 pCPUs: 'starts', or 'refused: ' and start's error. */
  start?: string;
}

const outcomes = JSON.parse(read(DIR, 'outcomes.json')) as Outcome[];

/** `<memory>` of a libvirt file in KiB, read straight from the XML. */
function memoryKiB(text: string): number {
  const root = parseXml(text);
  const el = root.children.find((c) => typeof c !== 'string' && c.name === 'memory');
  if (!el || typeof el === 'string') throw new Error('no <memory>');
  const unit = (el.attrs.get('unit') ?? 'KiB').toLowerCase();
  const scale: Record<string, number> = { kib: 1, k: 1, mib: 1024, m: 1024 };
  return Number(el.children.join('').trim()) * scale[unit];
}

describe('libvirt corpus: domain XML from libvirt test data', () => {
  it('has at least 40 files, each with a source and a commit', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(40);
    for (const o of outcomes) {
      expect(o.source).toMatch(
        /^(tests\/(qemuxml2argvdata|qemuxmlconfdata|genericxml2xmlindata)|examples\/xml\/test)\//,
      );
      expect(o.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it.each(outcomes)('$file: $outcome', (o) => {
    const text = read(DIR, o.file);
    if (o.outcome === 'refused') {
      expect(() => parseDomainXml(text)).toThrow(o.error);
      return;
    }
    const { def, warnings } = parseDomainXml(text);
    expect({ def, warnings }).toEqual({ def: o.def, warnings: o.warnings });
    // Warnings name what they are about: an element, or an attribute of one.
    for (const warning of warnings) expect(warning).toMatch(/<[a-zA-Z][\w:-]*>/);
    let start = 'starts';
    try {
      checkStartable(def, 2);
    } catch (error) {
      start = `refused: ${(error as Error).message}`;
    }
    expect(start).toBe(o.start);
  });

  it.each(outcomes.filter((o) => o.outcome !== 'refused'))(
    '$file: dumpxml defines the same domain again, memory to the KiB and <metadata> kept',
    (o) => {
      const text = read(DIR, o.file);
      const def = o.def!;
      expect(maxKiB(def)).toBe(memoryKiB(text));
      const xml = formatDomainXml({
        ...def,
        uuid: def.uuid ?? '00000000-0000-0000-0000-000000000000',
      });
      const again = parseDomainXml(xml);
      expect(again.def).toEqual({ ...def, uuid: again.def.uuid });
      expect(xml).toContain(`<memory unit='KiB'>${memoryKiB(text)}</memory>`);
      if (text.includes('<metadata>')) expect(xml).toMatch(/<metadata>\n {4}<libosinfo:libosinfo /);
    },
  );

  it('keeps <domain type> and ignores nothing silently in the riscv64 virt definition', () => {
    const o = outcomes.find((x) => x.file === 'qemuxml2argv-riscv64-virt.xml')!;
    expect(o.def).toMatchObject({ type: 'qemu', memoryMiB: 2048 });
    expect(o.warnings!.some((w) => w.includes("arch 'riscv64'"))).toBe(true);
    expect(o.warnings!.some((w) => w.startsWith("element <devices>/<disk> (disk 'vda')"))).toBe(
      true,
    );
    expect(o.start).toBe(
      "refused: <memory> of 2097152 KiB is more than this machine's limit of 1048576 KiB (1024 MiB of guest RAM on the riscv32 'virt' board): lower it with 'virsh setmaxmem riscv64 1024M --config'",
    );
  });
});

describe('libvirt corpus: malformed variants', () => {
  const syntax: [string, string, number, number][] = [
    ['unclosed-tag.xml', 'Premature end of data in tag domain line 1', 7, 1],
    ['mismatched-tag.xml', 'Opening and ending tag mismatch: memory line 3 and memroy', 3, 24],
    ['unquoted-attribute.xml', 'AttValue: " or \' expected', 3, 16],
    ['duplicate-attribute.xml', 'Attribute unit redefined', 3, 22],
    ['bare-ampersand.xml', "EntityRef: expecting ';'", 2, 17],
    ['doctype-entity.xml', 'DOCTYPE and ENTITY declarations are not allowed', 2, 1],
  ];
  it.each(syntax)(
    '%s: %s at %i:%i, with the caret under the column',
    (file, message, line, column) => {
      const text = read(BAD, file);
      let error: unknown;
      try {
        parseDomainXml(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(XmlSyntaxError);
      const e = error as XmlSyntaxError;
      expect([e.message, e.line, e.column]).toEqual([message, line, column]);
      const [, context, caret] = e.detail(text, file).split('\n');
      expect(context).toBe(text.split('\n')[line - 1]);
      expect(caret).toBe(`${'-'.repeat(column - 1)}^`);
    },
  );

  it.each([
    ['unknown-unit.xml', "invalid argument: unknown suffix 'MiBB'"],
    ['negative-memory.xml', 'XML error: could not parse element ./memory[1]'],
    ['overflowing-memory.xml', 'numerical overflow: value too large: 16EiB'],
    [
      'huge-memory-number.xml',
      'numerical overflow: value too large: 99999999999999999999999999KiB',
    ],
    ['wrong-root.xml', 'XML error: unexpected root element <network>, expecting <domain>'],
    ['zero-vcpus.xml', 'invalid argument: maximum vcpus count must be at least 1'],
  ])('%s is refused: %s', (file, message) => {
    expect(() => parseDomainXml(read(BAD, file))).toThrow(message);
  });

  it('duplicate elements: the first is used, with a warning naming each', () => {
    expect(parseDomainXml(read(BAD, 'duplicate-elements.xml'))).toEqual({
      def: { name: 'twice', memoryMiB: 64, vcpus: 1 },
      warnings: [
        'element <memory> appears more than once: only the first was used',
        'element <vcpu> appears more than once: only the first was used',
      ],
    });
  });

  it('huge attribute values: over 1 MiB is refused where it starts; below, it is only a value', () => {
    const huge = 'a'.repeat(1024 * 1024 + 1);
    const text = `<domain type='kvm'>\n  <name>vm</name>\n  <memory unit='MiB' dumpCore='${huge}'>64</memory>\n</domain>`;
    expect(() => parseDomainXml(text)).toThrow(
      expect.objectContaining({
        line: 3,
        column: 22,
        message: expect.stringMatching(/^attribute dumpCore is longer than/),
      }),
    );
    const long = 'b'.repeat(200_000);
    const { def, warnings } = parseDomainXml(
      `<domain type='kvm'><name>vm</name><description>${long}</description><memory unit='MiB' dumpCore='${long}'>64</memory><os><type>hvm</type></os></domain>`,
    );
    expect(def.description).toBe(long);
    expect(warnings).toEqual(["attribute 'dumpCore' of <memory> is not supported and was ignored"]);
  });
});
