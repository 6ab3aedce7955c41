/**
 * A flattened device tree (DTB) builder. Layout per the Devicetree
 * Specification v0.4 §5 ("Flattened Devicetree (DTB) Format"): a 40-byte
 * header, the memory reservation block (§5.3, always empty here), the
 * structure block (§5.4) and the strings block (§5.5). Everything is
 * big-endian; tokens and property values are padded to 4 bytes.
 *
 * Misuse by the host (bad names, out-of-range cells, duplicate children)
 * throws: the tree is built by our own code, never from guest input.
 */

export const FDT_MAGIC = 0xd00dfeed;
/** §5.2: we emit version 17, readable by any reader that knows 16. */
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
/** §5.4.1 structure block tokens. */
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;
export const FDT_HEADER_SIZE = 40;

// §2.2.1 node names: 1-31 characters from this set, then an optional @unit-address.
const NODE_NAME = /^[0-9a-zA-Z,._+-]{1,31}(@[0-9a-zA-Z,._+-]+)?$/;
// §2.2.4 property names: 1-31 characters.
const PROP_NAME = /^[0-9a-zA-Z,._+?#-]{1,31}$/;

const utf8 = new TextEncoder();

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${what}: ${value} is not a u32`);
  }
  return value;
}

function u64Cells(value: number | bigint, what: string): [number, number] {
  const v = BigInt(value);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${what}: ${value} is not a u64`);
  return [Number(v >> 32n), Number(v & 0xffff_ffffn)];
}

function cellBytes(cells: readonly number[], what: string): Uint8Array {
  const out = new Uint8Array(cells.length * 4);
  const view = new DataView(out.buffer);
  cells.forEach((c, i) => view.setUint32(i * 4, checkU32(c, what)));
  return out;
}

function stringListBytes(list: readonly string[], what: string): Uint8Array {
  const parts = list.map((s) => {
    if (s.includes('\0')) throw new RangeError(`${what}: string contains NUL`);
    return utf8.encode(s);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1;
  }
  return out;
}

/** Allocates phandles (§2.3.3): unique, non-zero, never 0xffffffff. */
class PhandleAllocator {
  #next = 1;
  allocate(): number {
    return this.#next++;
  }
}

/** One node of the tree under construction. Property setters return `this`. */
export class FdtNode {
  readonly name: string;
  readonly #props = new Map<string, Uint8Array>();
  readonly #children: FdtNode[] = [];
  readonly #phandles: PhandleAllocator;
  #phandle = 0;

  /** @internal use `FdtBuilder.root` and `node()`. */
  constructor(name: string, phandles: PhandleAllocator) {
    this.name = name;
    this.#phandles = phandles;
  }

  /** Adds a child node. Sibling names must be unique (§2.2.1). */
  node(name: string): FdtNode {
    if (!NODE_NAME.test(name)) throw new RangeError(`bad node name "${name}"`);
    if (this.#children.some((c) => c.name === name)) {
      throw new Error(`node "${name}" already exists under "${this.name || '/'}"`);
    }
    const child = new FdtNode(name, this.#phandles);
    this.#children.push(child);
    return child;
  }

  /** A child by name, if present. */
  child(name: string): FdtNode | undefined {
    return this.#children.find((c) => c.name === name);
  }

  /**
   * This node's phandle, allocated (and its `phandle` property set) on first
   * use, so a reference can be taken before the node is filled in.
   */
  phandle(): number {
    if (this.#phandle === 0) {
      this.#phandle = this.#phandles.allocate();
      this.u32('phandle', this.#phandle);
    }
    return this.#phandle;
  }

  /** Raw property value; a later set of the same name replaces the value in place. */
  bytes(name: string, value: Uint8Array): this {
    if (!PROP_NAME.test(name)) throw new RangeError(`bad property name "${name}"`);
    this.#props.set(name, value.slice());
    return this;
  }

  /** §2.2.4.1 <empty>: a boolean property such as `interrupt-controller`. */
  empty(name: string): this {
    return this.bytes(name, new Uint8Array(0));
  }

  /** §2.2.4.1 <u32>. */
  u32(name: string, value: number): this {
    return this.bytes(name, cellBytes([value], `${this.name}/${name}`));
  }

  /** §2.2.4.1 <prop-encoded-array> of u32 cells (phandle references are plain cells). */
  u32s(name: string, values: readonly number[]): this {
    return this.bytes(name, cellBytes(values, `${this.name}/${name}`));
  }

  /** §2.2.4.1 <u64>: two cells, most significant first. */
  u64(name: string, value: number | bigint): this {
    return this.u64s(name, [value]);
  }

  /** Several u64 values, each as two cells (e.g. `reg` with #address-cells = #size-cells = 2). */
  u64s(name: string, values: readonly (number | bigint)[]): this {
    const what = `${this.name}/${name}`;
    return this.u32s(
      name,
      values.flatMap((v) => u64Cells(v, what)),
    );
  }

  /** §2.2.4.1 <string>: NUL-terminated. */
  string(name: string, value: string): this {
    return this.bytes(name, stringListBytes([value], `${this.name}/${name}`));
  }

  /** §2.2.4.1 <stringlist>: concatenated NUL-terminated strings. */
  strings(name: string, values: readonly string[]): this {
    return this.bytes(name, stringListBytes(values, `${this.name}/${name}`));
  }

  /** @internal serialisation order: properties as first set, then children as added. */
  get properties(): ReadonlyMap<string, Uint8Array> {
    return this.#props;
  }

  /** @internal */
  get children(): readonly FdtNode[] {
    return this.#children;
  }
}

/**
 * The strings block (§5.5). Like dtc, a name that is a suffix of a string
 * already in the block reuses its tail, so `#size-cells` also serves `size-cells`.
 */
class StringsBlock {
  #text = '';
  readonly #offsets = new Map<string, number>();

  offsetOf(name: string): number {
    let off = this.#offsets.get(name);
    if (off === undefined) {
      const key = `${name}\0`;
      // Any occurrence of `name\0` is the tail of an existing string.
      off = this.#text.indexOf(key);
      if (off < 0) {
        off = this.#text.length;
        this.#text += key;
      }
      this.#offsets.set(name, off);
    }
    return off;
  }

  bytes(): Uint8Array {
    return utf8.encode(this.#text);
  }
}

/** Growable big-endian byte writer for the structure block. */
class StructWriter {
  #buf = new Uint8Array(4096);
  #len = 0;

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u32(v: number): void {
    this.#reserve(4);
    new DataView(this.#buf.buffer).setUint32(this.#len, v);
    this.#len += 4;
  }

  /** Writes bytes then zero-pads to the next 4-byte boundary (§5.4.1). */
  padded(bytes: Uint8Array): void {
    const n = (bytes.length + 3) & ~3;
    this.#reserve(n);
    this.#buf.set(bytes, this.#len);
    this.#buf.fill(0, this.#len + bytes.length, this.#len + n);
    this.#len += n;
  }

  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

export interface FdtBuilderOptions {
  /** §5.2 boot_cpuid_phys: the hart id that boots. Default 0. */
  bootCpuidPhys?: number;
}

/**
 * Usage: `const fdt = new FdtBuilder(); fdt.root.node('cpus').u32(...); fdt.build()`.
 * The root node's name is empty (§5.4.2).
 */
export class FdtBuilder {
  readonly root: FdtNode;
  readonly #bootCpuidPhys: number;

  constructor(options: FdtBuilderOptions = {}) {
    this.root = new FdtNode('', new PhandleAllocator());
    this.#bootCpuidPhys = checkU32(options.bootCpuidPhys ?? 0, 'boot_cpuid_phys');
  }

  build(): Uint8Array {
    const strings = new StringsBlock();
    const struct = new StructWriter();
    const emit = (node: FdtNode): void => {
      struct.u32(FDT_BEGIN_NODE);
      struct.padded(utf8.encode(`${node.name}\0`));
      for (const [name, value] of node.properties) {
        struct.u32(FDT_PROP);
        struct.u32(value.length);
        struct.u32(strings.offsetOf(name));
        struct.padded(value);
      }
      for (const child of node.children) emit(child);
      struct.u32(FDT_END_NODE);
    };
    emit(this.root);
    struct.u32(FDT_END);

    const structBytes = struct.bytes();
    const stringBytes = strings.bytes();
    // §5.3: the reservation block is 8-byte aligned and ends with a zero entry.
    const offMemRsvmap = FDT_HEADER_SIZE;
    const offDtStruct = offMemRsvmap + 16;
    const offDtStrings = offDtStruct + structBytes.length;
    const totalSize = offDtStrings + stringBytes.length;

    const out = new Uint8Array(totalSize);
    const header = new DataView(out.buffer);
    const fields = [
      FDT_MAGIC,
      totalSize,
      offDtStruct,
      offDtStrings,
      offMemRsvmap,
      FDT_VERSION,
      FDT_LAST_COMP_VERSION,
      this.#bootCpuidPhys,
      stringBytes.length,
      structBytes.length,
    ];
    fields.forEach((v, i) => header.setUint32(i * 4, v));
    out.set(structBytes, offDtStruct);
    out.set(stringBytes, offDtStrings);
    return out;
  }
}
