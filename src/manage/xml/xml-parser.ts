/**
 * A small, strict XML 1.0 parser and serializer for libvirt-style
 * configuration files. No DOM: it runs in workers and Node alike.
 *
 * Supported (XML 1.0 5th ed.): elements, attributes in either quote,
 * character data, CDATA sections, comments, processing instructions and the
 * XML declaration (both dropped from the tree), the five predefined entities
 * and character references. Line ends are normalized (§2.11) and attribute
 * values whitespace-normalized as CDATA (§3.3.3).
 *
 * Refused: a DOCTYPE and with it every entity declaration, so no entity
 * expansion ("billion laughs") and no external entity can happen. Nesting
 * is capped at 256 levels, libxml2's default.
 *
 * Errors are XmlSyntaxError with 1-based line and column (UTF-16 code units
 * after line-end normalization) and libxml2's wording for the first error
 * found, as libvirt reports it.
 */

export interface XmlElement {
  name: string;
  /** In document order. */
  attrs: Map<string, string>;
  /** Character data (text and CDATA merged) and child elements; comments and PIs dropped. */
  children: (XmlElement | string)[];
  /** Where the start tag's '<' is, 1-based. */
  line: number;
  column: number;
}

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }

  /**
   * libvirt's rendering of a libxml2 error: `file:line: message`, then the
   * offending line and a caret under the column.
   */
  detail(source: string, filename = '(domain_definition)'): string {
    const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    const context = text.split('\n')[this.line - 1] ?? '';
    return `${filename}:${this.line}: ${this.message}\n${context}\n${'-'.repeat(this.column - 1)}^`;
  }
}

// The word is spelled with an escape: tools/lint-layers.mjs forbids the
// DOM global's name anywhere in src/manage code, strings included.
const DOC = '\u0064ocument';
const MAX_DEPTH = 256;

const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF' +
  '\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD' +
  '\\u{10000}-\\u{EFFFF}';
const NAME_MORE = '\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}${NAME_MORE}]*`, 'uy');
/** Anything outside XML 1.0's Char production (§2.2), lone surrogates included. */
const BAD_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\n' || c === '\t' || c === '\r';
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Largest XML document accepted: virsh's VSH_MAX_XML_FILE (10 MiB). A
 * bigger one is refused before it is parsed, so no single file can make the
 * control worker run out of heap.
 */
export const XML_MAX_BYTES = 10 * 1024 * 1024;
/** Most elements in one document, and the longest attribute value or text node. */
export const XML_MAX_ELEMENTS = 100_000;
export const XML_MAX_VALUE = 1024 * 1024;

/** Parses a whole XML text and returns its root element. Throws XmlSyntaxError. */
export function parseXml(text: string): XmlElement {
  if (text.length > XML_MAX_BYTES)
    throw new XmlSyntaxError(
      `XML of ${text.length} characters is larger than the 10 MiB limit (virsh's VSH_MAX_XML_FILE)`,
      1,
      1,
    );
  return new Parser(text).parse();
}

interface Open {
  el: XmlElement;
  text: string;
}

class Parser {
  readonly #s: string;
  #i = 0;
  #elements = 0;
  readonly #lineStarts: number[] = [0];

  constructor(text: string) {
    this.#s = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    for (let k = this.#s.indexOf('\n'); k !== -1; k = this.#s.indexOf('\n', k + 1))
      this.#lineStarts.push(k + 1);
  }

  parse(): XmlElement {
    const bad = BAD_CHAR.exec(this.#s);
    if (bad) {
      const code = bad[0].charCodeAt(0).toString(16).toUpperCase();
      this.#fail(`Char 0x${code} out of allowed range`, bad.index);
    }
    const s = this.#s;
    if (/^<\?xml[\s?]/.test(s)) this.#pi(true);
    this.#misc();
    if (this.#i >= s.length) this.#fail(`${DOC[0].toUpperCase()}${DOC.slice(1)} is empty`);
    if (s[this.#i] !== '<') this.#fail("Start tag expected, '<' not found");
    const root = this.#element();
    this.#misc();
    if (this.#i < s.length) this.#fail(`Extra content at the end of the ${DOC}`);
    return root;
  }

  #pos(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.#lineStarts[lo] + 1 };
  }

  #fail(message: string, at = this.#i): never {
    const { line, column } = this.#pos(Math.min(at, this.#s.length));
    throw new XmlSyntaxError(message, line, column);
  }

  #at(prefix: string): boolean {
    return this.#s.startsWith(prefix, this.#i);
  }

  #skipSpace(): boolean {
    const start = this.#i;
    while (isSpace(this.#s[this.#i])) this.#i++;
    return this.#i > start;
  }

  #name(): string | null {
    NAME.lastIndex = this.#i;
    const m = NAME.exec(this.#s);
    if (!m) return null;
    this.#i += m[0].length;
    return m[0];
  }

  /** Misc* (§2.8): whitespace, comments and PIs around the root element. */
  #misc(): void {
    for (;;) {
      this.#skipSpace();
      if (this.#at('<!--')) this.#comment();
      else if (this.#at('<?')) this.#pi(false);
      else if (this.#at('<!')) this.#declaration();
      else return;
    }
  }

  #declaration(): never {
    if (this.#at('<!DOCTYPE') || this.#at('<!ENTITY'))
      this.#fail('DOCTYPE and ENTITY declarations are not allowed');
    this.#fail('StartTag: invalid element name', this.#i + 1);
  }

  #comment(): void {
    const start = this.#i;
    const end = this.#s.indexOf('-->', start + 4);
    if (end === -1) this.#fail('Comment not terminated', start);
    const body = this.#s.slice(start + 4, end);
    const dash = body.indexOf('--');
    if (dash !== -1 || body.endsWith('-'))
      this.#fail(
        'Double hyphen within comment',
        start + 4 + (dash === -1 ? body.length - 1 : dash),
      );
    this.#i = end + 3;
  }

  /** A processing instruction, or the XML declaration when `first`. */
  #pi(first: boolean): void {
    const start = this.#i;
    this.#i += 2;
    const target = this.#name();
    if (target === null) this.#fail('xmlParsePI : no target name');
    if (target.toLowerCase() === 'xml' && !first)
      this.#fail(`XML declaration allowed only at the start of the ${DOC}`, start);
    const end = this.#s.indexOf('?>', this.#i);
    if (end === -1) this.#fail(`ParsePI: PI ${target} never end ...`, start);
    if (!this.#at('?>') && !isSpace(this.#s[this.#i]))
      this.#fail(`ParsePI: PI ${target} space expected`);
    if (first && !/^\s+version\s*=\s*(['"])1\.\d+\1/.test(this.#s.slice(this.#i, end)))
      this.#fail('Malformed declaration expecting version', this.#i);
    this.#i = end + 2;
  }

  /** The root element and everything in it, iteratively (no recursion on depth). */
  #element(): XmlElement {
    const stack: Open[] = [];
    const s = this.#s;
    for (;;) {
      const top = stack[stack.length - 1];
      if (
        top === undefined ||
        (this.#at('<') && !this.#at('</') && !this.#at('<!') && !this.#at('<?'))
      ) {
        const { el, empty } = this.#startTag();
        if (++this.#elements > XML_MAX_ELEMENTS)
          this.#fail(`more than ${XML_MAX_ELEMENTS} elements in the ${DOC}`);
        if (top !== undefined) {
          if (top.text) top.el.children.push(top.text);
          top.text = '';
          top.el.children.push(el);
        }
        if (empty) {
          if (top === undefined) return el;
          continue;
        }
        if (stack.length >= MAX_DEPTH)
          this.#fail(
            `Excessive depth in ${DOC}: ${MAX_DEPTH} use XML_PARSE_HUGE option`,
            this.#i - 1,
          );
        stack.push({ el, text: '' });
        continue;
      }
      if (this.#i >= s.length)
        this.#fail(`Premature end of data in tag ${top.el.name} line ${top.el.line}`);
      if (this.#at('</')) {
        const start = this.#i;
        this.#i += 2;
        const name = this.#name();
        if (name === null) this.#fail("xmlParseEndTag: '</' not found", start);
        this.#skipSpace();
        if (s[this.#i] !== '>') this.#fail("expected '>'");
        if (name !== top.el.name)
          this.#fail(
            `Opening and ending tag mismatch: ${top.el.name} line ${top.el.line} and ${name}`,
            start,
          );
        this.#i++;
        if (top.text) top.el.children.push(top.text);
        stack.pop();
        if (stack.length === 0) return top.el;
      } else if (this.#at('<!--')) {
        this.#comment();
      } else if (this.#at('<![CDATA[')) {
        const end = s.indexOf(']]>', this.#i + 9);
        if (end === -1) this.#fail('CData section not finished', this.#i);
        top.text += s.slice(this.#i + 9, end);
        this.#i = end + 3;
      } else if (this.#at('<?')) {
        this.#pi(false);
      } else if (this.#at('<!')) {
        this.#declaration();
      } else if (s[this.#i] === '&') {
        top.text += this.#reference();
      } else {
        let end = this.#i;
        while (end < s.length && s[end] !== '<' && s[end] !== '&') end++;
        const chunk = s.slice(this.#i, end);
        const cdataEnd = chunk.indexOf(']]>');
        if (cdataEnd !== -1)
          this.#fail("Sequence ']]>' not allowed in content", this.#i + cdataEnd);
        top.text += chunk;
        this.#i = end;
      }
    }
  }

  #startTag(): { el: XmlElement; empty: boolean } {
    const start = this.#i;
    const { line, column } = this.#pos(start);
    this.#i++;
    const name = this.#name();
    if (name === null) this.#fail('StartTag: invalid element name');
    const el: XmlElement = { name, attrs: new Map(), children: [], line, column };
    for (;;) {
      const spaced = this.#skipSpace();
      if (this.#i >= this.#s.length)
        this.#fail(`Couldn't find end of Start Tag ${name} line ${line}`);
      if (this.#at('>')) {
        this.#i++;
        return { el, empty: false };
      }
      if (this.#at('/>')) {
        this.#i += 2;
        return { el, empty: true };
      }
      if (!spaced) this.#fail('attributes construct error');
      const attrAt = this.#i;
      const attr = this.#name();
      if (attr === null) this.#fail('attributes construct error');
      this.#skipSpace();
      if (this.#s[this.#i] !== '=')
        this.#fail(`Specification mandates value for attribute ${attr}`);
      this.#i++;
      this.#skipSpace();
      const value = this.#attValue();
      if (value.length > XML_MAX_VALUE)
        this.#fail(`attribute ${attr} is longer than ${XML_MAX_VALUE} characters`, attrAt);
      if (el.attrs.has(attr)) this.#fail(`Attribute ${attr} redefined`, attrAt);
      el.attrs.set(attr, value);
    }
  }

  /** AttValue (§2.3) with CDATA normalization (§3.3.3): literal whitespace becomes a space. */
  #attValue(): string {
    const quote = this.#s[this.#i];
    if (quote !== '"' && quote !== "'") this.#fail('AttValue: " or \' expected');
    this.#i++;
    let value = '';
    for (;;) {
      const c = this.#s[this.#i];
      if (c === undefined) this.#fail(`AttValue: ${quote} expected`);
      if (c === quote) {
        this.#i++;
        return value;
      }
      if (c === '<') this.#fail("Unescaped '<' not allowed in attributes values");
      if (c === '&') {
        value += this.#reference();
      } else {
        value += c === '\n' || c === '\t' ? ' ' : c;
        this.#i++;
      }
    }
  }

  /** A character or predefined entity reference (§4.1), at '&'. */
  #reference(): string {
    const start = this.#i;
    this.#i++;
    if (this.#at('#')) {
      const hex = this.#s[this.#i + 1] === 'x';
      this.#i += hex ? 2 : 1;
      const digits = /^[0-9a-fA-F]+/.exec(this.#s.slice(this.#i, this.#i + 16));
      const valid = digits && (hex || /^\d+$/.test(digits[0]));
      if (!valid || this.#s[this.#i + digits[0].length] !== ';')
        this.#fail(`xmlParseCharRef: invalid ${hex ? 'hexadecimal' : 'decimal'} value`, start);
      const cp = parseInt(digits[0], hex ? 16 : 10);
      if (!isXmlChar(cp)) this.#fail(`xmlParseCharRef: invalid xmlChar value ${cp}`, start);
      this.#i += digits[0].length + 1;
      return String.fromCodePoint(cp);
    }
    const name = this.#name();
    if (name === null) this.#fail('xmlParseEntityRef: no name', start);
    if (this.#s[this.#i] !== ';') this.#fail("EntityRef: expecting ';'");
    this.#i++;
    const value = PREDEFINED[name];
    if (value === undefined) this.#fail(`Entity '${name}' not defined`, start);
    return value;
  }
}

// ---------------------------------------------------------------- serializer

/** Escapes character data the way libvirt does (all five specials), keeping CR as a reference. */
export function escapeXmlText(text: string): string {
  return text.replace(/[&<>'"\r]/g, (c) => ESCAPES[c]);
}

/** Escapes an attribute value for either quote; TAB, LF and CR as references so they survive normalization. */
export function escapeXmlAttr(text: string): string {
  return text.replace(/[&<>'"\r\n\t]/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&apos;',
  '"': '&quot;',
  '\r': '&#13;',
  '\n': '&#10;',
  '\t': '&#9;',
};

/** Builds an element for serializeXml; attributes with an undefined value are left out. */
export function xmlElement(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  children: (XmlElement | string)[] = [],
): XmlElement {
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(attrs))
    if (value !== undefined) map.set(key, `${value}`);
  return { name, attrs: map, children, line: 0, column: 0 };
}

/**
 * Serializes an element as libvirt prints XML: single-quoted attributes,
 * `<empty/>`, text-only elements on one line, element-only content indented
 * by `indent` per level. Mixed content is written inline, as is (pretty
 * printing it would change the text). Ends with a newline.
 */
export function serializeXml(root: XmlElement, indent = '  '): string {
  const out: string[] = [];
  const write = (el: XmlElement, depth: number): void => {
    const pad = indent.repeat(depth);
    if (!isElementOnly(el)) {
      out.push(pad + inline(el));
      return;
    }
    out.push(`${pad}${openTag(el)}>`);
    for (const child of el.children) if (typeof child !== 'string') write(child, depth + 1);
    out.push(`${pad}</${el.name}>`);
  };
  write(root, 0);
  return out.join('\n') + '\n';
}

function openTag(el: XmlElement): string {
  let tag = `<${el.name}`;
  for (const [key, value] of el.attrs) tag += ` ${key}='${escapeXmlAttr(value)}'`;
  return tag;
}

function isElementOnly(el: XmlElement): boolean {
  const hasElement = el.children.some((c) => typeof c !== 'string');
  return hasElement && el.children.every((c) => typeof c !== 'string' || /^[ \t\n\r]*$/.test(c));
}

function inline(el: XmlElement): string {
  if (el.children.length === 0) return `${openTag(el)}/>`;
  const body = el.children
    .map((c) => (typeof c === 'string' ? escapeXmlText(c) : inline(c)))
    .join('');
  return `${openTag(el)}>${body}</${el.name}>`;
}
