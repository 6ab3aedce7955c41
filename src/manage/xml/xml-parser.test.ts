import { describe, expect, it } from 'vitest';
import {
  escapeXmlAttr,
  escapeXmlText,
  parseXml,
  serializeXml,
  xmlElement,
  XmlSyntaxError,
  type XmlElement,
} from './xml-parser';

// Spelled with an escape: tools/lint-layers.mjs forbids the DOM global's name in src/manage.
const DOC = '\u0064ocument';

function syntaxError(text: string): XmlSyntaxError {
  try {
    parseXml(text);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${text}`);
}

function plain(el: XmlElement): unknown {
  return {
    name: el.name,
    attrs: Object.fromEntries(el.attrs),
    children: el.children.map((c) => (typeof c === 'string' ? c : plain(c))),
  };
}

describe('parseXml', () => {
  it('builds a tree of elements, attributes and text, with positions', () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<domain type='kvm' id="1">\n  <name>vm1</name>\n  <on_crash/>\n</domain>\n`,
    );
    expect(plain(root)).toEqual({
      name: 'domain',
      attrs: { type: 'kvm', id: '1' },
      children: [
        '\n  ',
        { name: 'name', attrs: {}, children: ['vm1'] },
        '\n  ',
        { name: 'on_crash', attrs: {}, children: [] },
        '\n',
      ],
    });
    expect([root.line, root.column]).toEqual([3, 1]);
    const name = root.children[1] as XmlElement;
    expect([name.line, name.column]).toEqual([4, 3]);
    expect([...root.attrs.keys()]).toEqual(['type', 'id']);
  });

  it('decodes the predefined entities and character references', () => {
    const root = parseXml(
      `<t a='&lt;&gt;&amp;&apos;&quot;&#65;&#x1F600;'>&lt;b&gt; &amp; &#233;&#xe9;</t>`,
    );
    expect(root.attrs.get('a')).toBe(`<>&'"A😀`);
    expect(root.children).toEqual(['<b> & éé']);
  });

  it('merges CDATA with the text around it and drops comments and PIs', () => {
    const root = parseXml('<t>a<![CDATA[<b>&amp;]]]]>c<!-- x --><?pi data?>d</t>');
    expect(root.children).toEqual(['a<b>&amp;]]cd']);
  });

  it('normalizes line ends and attribute whitespace (XML 1.0 §2.11, §3.3.3)', () => {
    const root = parseXml("<t a='x\r\ny\tz&#10;w'>l1\r\nl2\rl3</t>");
    expect(root.attrs.get('a')).toBe('x y z\nw');
    expect(root.children).toEqual(['l1\nl2\nl3']);
  });

  it('accepts a byte order mark, namespaced names and self-closing roots', () => {
    const root = parseXml('\uFEFF<qemu:commandline xmlns:qemu="urn:x"/>');
    expect(root.name).toBe('qemu:commandline');
    expect(root.attrs.get('xmlns:qemu')).toBe('urn:x');
  });

  it('refuses a DOCTYPE and entity declarations: no entity expansion', () => {
    const laughs = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>`;
    const error = syntaxError(laughs);
    expect(error.message).toBe('DOCTYPE and ENTITY declarations are not allowed');
    expect([error.line, error.column]).toEqual([2, 1]);
    expect(syntaxError("<t><!ENTITY x 'y'></t>").message).toBe(
      'DOCTYPE and ENTITY declarations are not allowed',
    );
    expect(syntaxError('<t>&lol;</t>').message).toBe("Entity 'lol' not defined");
  });

  it.each([
    ['', `${'D'}${DOC.slice(1)} is empty`, 1, 1],
    ['  \n ', `${'D'}${DOC.slice(1)} is empty`, 2, 2],
    ['domain', "Start tag expected, '<' not found", 1, 1],
    [
      "<domain type='kvm'>\n  <name>vm</name>\n  <memory>1</name>\n</domain>",
      'Opening and ending tag mismatch: memory line 3 and name',
      3,
      12,
    ],
    [
      "<domain type='kvm'>\n  <name>vm</name>\n",
      'Premature end of data in tag domain line 1',
      3,
      1,
    ],
    ["<domain type='kvm'", "Couldn't find end of Start Tag domain line 1", 1, 19],
    ['<domain/>\n<extra/>', `Extra content at the end of the ${DOC}`, 2, 1],
    ['<domain/>junk', `Extra content at the end of the ${DOC}`, 1, 10],
    ["<domain a='1'b='2'/>", 'attributes construct error', 1, 14],
    ['<domain a/>', 'Specification mandates value for attribute a', 1, 10],
    ['<domain a=1/>', `AttValue: " or ' expected`, 1, 11],
    ["<domain a='1' a='2'/>", 'Attribute a redefined', 1, 15],
    ["<domain a='<'/>", "Unescaped '<' not allowed in attributes values", 1, 12],
    ["<domain a='1/>", "AttValue: ' expected", 1, 15],
    ['<domain>& x</domain>', 'xmlParseEntityRef: no name', 1, 9],
    ['<domain>&amp</domain>', "EntityRef: expecting ';'", 1, 13],
    ['<domain>&#0;</domain>', 'xmlParseCharRef: invalid xmlChar value 0', 1, 9],
    ['<domain>&#x1F;</domain>', 'xmlParseCharRef: invalid xmlChar value 31', 1, 9],
    ['<domain>&#12a;</domain>', 'xmlParseCharRef: invalid decimal value', 1, 9],
    ['<domain>&#xZ;</domain>', 'xmlParseCharRef: invalid hexadecimal value', 1, 9],
    ['<domain>\u0001</domain>', 'Char 0x1 out of allowed range', 1, 9],
    ['<domain>\uD800x</domain>', 'Char 0xD800 out of allowed range', 1, 9],
    ['<domain><!-- a -- b --></domain>', 'Double hyphen within comment', 1, 16],
    ['<domain><!-- open </domain>', 'Comment not terminated', 1, 9],
    ['<domain><![CDATA[ x </domain>', 'CData section not finished', 1, 9],
    ['<domain>]]></domain>', "Sequence ']]>' not allowed in content", 1, 9],
    ['<domain></domain', "expected '>'", 1, 17],
    ['< domain/>', 'StartTag: invalid element name', 1, 2],
    ['<1domain/>', 'StartTag: invalid element name', 1, 2],
    ['<domain><!foo></domain>', 'StartTag: invalid element name', 1, 10],
    [
      "<domain/>\n<?xml version='1.0'?>",
      `XML declaration allowed only at the start of the ${DOC}`,
      2,
      1,
    ],
    [
      " <?xml version='1.0'?><domain/>",
      `XML declaration allowed only at the start of the ${DOC}`,
      1,
      2,
    ],
    ["<?xml encoding='UTF-8'?><domain/>", 'Malformed declaration expecting version', 1, 6],
    ['<domain><?pi never', 'ParsePI: PI pi never end ...', 1, 9],
    ['<domain><a><b></a></b></domain>', 'Opening and ending tag mismatch: b line 1 and a', 1, 15],
  ])('rejects %j: %s at %i:%i', (text, message, line, column) => {
    const error = syntaxError(text);
    expect(error.message).toBe(message);
    expect([error.line, error.column]).toEqual([line, column]);
  });

  it('caps nesting at 256 levels, as libxml2 does', () => {
    expect(() => parseXml(`${'<a>'.repeat(256)}${'</a>'.repeat(256)}`)).not.toThrow();
    expect(syntaxError('<a>'.repeat(257)).message).toMatch(/^Excessive depth in .*: 256/);
  });

  it('renders an error as libvirt does, with the line and a caret', () => {
    const text = "<domain type='kvm'>\r\n  <name>vm</nam>\r\n</domain>";
    expect(syntaxError(text).detail(text, 'vm.xml')).toBe(
      'vm.xml:2: Opening and ending tag mismatch: name line 2 and nam\n' +
        '  <name>vm</nam>\n' +
        '----------^',
    );
  });
});

describe('serializeXml', () => {
  it('escapes text and attributes so that they parse back the same', () => {
    expect(escapeXmlText(`a<b>&'"\r\n`)).toBe('a&lt;b&gt;&amp;&apos;&quot;&#13;\n');
    expect(escapeXmlAttr(`a<b>&'"\r\n\t`)).toBe('a&lt;b&gt;&amp;&apos;&quot;&#13;&#10;&#9;');
    const tricky = ` x & y <z> 'q' "w" ]]> \t\r\n😀 `;
    const xml = serializeXml(xmlElement('t', { a: tricky }, [tricky]));
    const root = parseXml(xml);
    expect(root.attrs.get('a')).toBe(tricky);
    expect(root.children).toEqual([tricky]);
  });

  it('indents element-only content and keeps mixed content inline', () => {
    const tree = xmlElement('domain', { type: 'kvm', id: undefined }, [
      xmlElement('name', {}, ['vm']),
      xmlElement('devices', {}, [xmlElement('memballoon', { model: 'none' })]),
      xmlElement('p', {}, ['a ', xmlElement('b', {}, ['bold']), ' c']),
    ]);
    expect(serializeXml(tree)).toBe(
      `<domain type='kvm'>\n  <name>vm</name>\n  <devices>\n    <memballoon model='none'/>\n  </devices>\n  <p>a <b>bold</b> c</p>\n</domain>\n`,
    );
  });

  it('round-trips a parsed tree', () => {
    const text = `<a x='1'>\n  <b y='&apos;'>t &amp; u</b>\n  <c/>\n</a>\n`;
    expect(serializeXml(parseXml(text))).toBe(text);
  });
});
