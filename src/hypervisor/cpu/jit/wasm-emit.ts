/**
 * A minimal WebAssembly binary writer (wasm core spec 2.0, ch. 5 "Binary
 * Format"): LEB128 integers, the instructions the translator emits, and a
 * module with one imported shared memory, imported host functions and one
 * exported function. Structured control is tracked on a label stack so a
 * branch names its target and the writer computes the relative depth
 * (§5.4.1: `br l` counts enclosing blocks outward from 0).
 */

/** Opcodes used by the translator (§5.4). */
export const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  i32Load: 0x28,
  i32Load8S: 0x2c,
  i32Load8U: 0x2d,
  i32Load16S: 0x2e,
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivS: 0x6d,
  i32DivU: 0x6e,
  i32RemS: 0x6f,
  i32RemU: 0x70,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i64Load: 0x29,
  i64Load16U: 0x33,
  i64Load32U: 0x35,
  i64Const: 0x42,
  i64Eqz: 0x50,
  i64Mul: 0x7e,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32S: 0xac,
  i64ExtendI32U: 0xad,
  /** The threads proposal's prefix for atomic memory instructions (wasm threads §"Atomic Memory Accesses"). */
  atomicPrefix: 0xfe,
} as const;

/** Atomic instructions after the 0xfe prefix (threads proposal, binary encoding); all on i32, natural alignment. */
export const ATOMIC = {
  i32Load: 0x10,
  i32RmwAdd: 0x1e,
  i32RmwAnd: 0x2c,
  i32RmwOr: 0x33,
  i32RmwXor: 0x3a,
  i32RmwXchg: 0x41,
  i32RmwCmpxchg: 0x48,
} as const;

const I32 = 0x7f;
const BLOCK_VOID = 0x40;

/** A growable byte buffer with LEB128 writers (§5.2.2). */
export class ByteWriter {
  #buf = new Uint8Array(256);
  length = 0;

  #room(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }
  byte(b: number): this {
    this.#room(1);
    this.#buf[this.length++] = b;
    return this;
  }
  u32(v: number): this {
    this.#room(5);
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.#buf[this.length++] = b;
    } while (v !== 0);
    return this;
  }
  s32(v: number): this {
    this.#room(5);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.#buf[this.length++] = b;
        return this;
      }
      this.#buf[this.length++] = b | 0x80;
    }
  }
  append(other: Uint8Array): this {
    this.#room(other.length);
    this.#buf.set(other, this.length);
    this.length += other.length;
    return this;
  }
  str(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
    return this;
  }
  /** The bytes written so far (a view, valid until the next write). */
  get bytes(): Uint8Array<ArrayBuffer> {
    return this.#buf.subarray(0, this.length);
  }
}

/** One function body with labelled structured control (§5.4.1). */
export class FuncWriter extends ByteWriter {
  readonly #labels: (string | null)[] = [];

  op(code: number): this {
    return this.byte(code);
  }
  i32(v: number): this {
    return this.byte(OP.i32Const).s32(v);
  }
  /**
   * `i64.const` of the 64-bit value hi:lo (signed LEB128, §5.2.2), from two
   * 32-bit halves, not a BigInt: the translator emits one per 8 bytes of
   * guest code, and BigInt arithmetic allocates at every step.
   */
  i64Halves(lo: number, hi: number): this {
    this.byte(OP.i64Const);
    lo >>>= 0;
    hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>= 7;
      if (
        (hi === 0 && lo === 0 && (b & 0x40) === 0) ||
        (hi === -1 && lo === 0xffff_ffff && (b & 0x40) !== 0)
      )
        return this.byte(b);
      this.byte(b | 0x80);
    }
  }
  get(local: number): this {
    return this.byte(OP.localGet).u32(local);
  }
  set(local: number): this {
    return this.byte(OP.localSet).u32(local);
  }
  tee(local: number): this {
    return this.byte(OP.localTee).u32(local);
  }
  globalGet(global: number): this {
    return this.byte(OP.globalGet).u32(global);
  }
  /** A memory access; `align` is log2 of the natural alignment, `offset` a constant added to the address. */
  mem(code: number, align: number, offset = 0): this {
    return this.byte(code).u32(align).u32(offset);
  }
  /** An atomic i32 access (ATOMIC); the address must be 4-aligned or the wasm traps, so callers check first. */
  atomic(code: number, offset = 0): this {
    return this.byte(OP.atomicPrefix).u32(code).u32(2).u32(offset);
  }
  block(label: string | null = null): this {
    this.#labels.push(label);
    return this.byte(OP.block).byte(BLOCK_VOID);
  }
  /** A block whose end leaves one i32 (what a `br` to it carries). */
  blockI32(label: string | null = null): this {
    this.#labels.push(label);
    return this.byte(OP.block).byte(I32);
  }
  loop(label: string | null = null): this {
    this.#labels.push(label);
    return this.byte(OP.loop).byte(BLOCK_VOID);
  }
  if(): this {
    this.#labels.push(null);
    return this.byte(OP.if).byte(BLOCK_VOID);
  }
  ifI32(): this {
    this.#labels.push(null);
    return this.byte(OP.if).byte(I32);
  }
  else(): this {
    return this.byte(OP.else);
  }
  end(): this {
    this.#labels.pop();
    return this.byte(OP.end);
  }
  depth(label: string): number {
    const i = this.#labels.lastIndexOf(label);
    if (i < 0) throw new Error(`no label ${label}`);
    return this.#labels.length - 1 - i;
  }
  br(label: string): this {
    return this.byte(OP.br).u32(this.depth(label));
  }
  brIf(label: string): this {
    return this.byte(OP.brIf).u32(this.depth(label));
  }
  brTable(labels: string[], fallback: string): this {
    this.byte(OP.brTable).u32(labels.length);
    for (const l of labels) this.u32(this.depth(l));
    return this.u32(this.depth(fallback));
  }
}

export interface FuncType {
  params: number;
  results: number;
}

/**
 * A module: imports `e.m` (a shared memory of up to 4 GiB, §5.5.10 limits
 * flag 3), the functions `e.<name>` of the given types (all i32), the
 * immutable i32 global `e.base` (global 0), and the functions `funcs`,
 * exported as `r0`, `r1`, … (`exportName`), each with its `locals` extra
 * i32 locals, and after `e.base` the immutable i32 globals `globals`
 * (globals 1, 2, …). Many functions in one module share its fixed cost: V8 spends
 * ~0.5 ms creating and ~0.3 ms instantiating even an empty module with
 * these imports, against microseconds per function compiled.
 */
export function buildModule(
  imports: { name: string; type: FuncType }[],
  funcs: { type: FuncType; locals: number; body: Uint8Array }[],
  globals: string[] = [],
): Uint8Array<ArrayBuffer> {
  const types = [...imports.map((i) => i.type)];
  const typeOf = (t: FuncType): number => {
    const k = types.findIndex((u) => u.params === t.params && u.results === t.results);
    return k >= 0 ? k : types.push(t) - 1;
  };
  const funcTypes = funcs.map((f) => typeOf(f.type));
  const out = new ByteWriter();
  out.append(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const section = (id: number, body: ByteWriter): void => {
    out.byte(id).u32(body.length).append(body.bytes);
  };
  const ty = new ByteWriter().u32(types.length);
  for (const t of types) {
    ty.byte(0x60).u32(t.params);
    for (let i = 0; i < t.params; i++) ty.byte(I32);
    ty.u32(t.results);
    for (let i = 0; i < t.results; i++) ty.byte(I32);
  }
  section(1, ty);
  const im = new ByteWriter().u32(imports.length + 2 + globals.length);
  im.str('e').str('m').byte(0x02).byte(0x03).u32(0).u32(65536);
  imports.forEach((imp, i) => im.str('e').str(imp.name).byte(0x00).u32(typeOf(imp.type)));
  im.str('e').str('base').byte(0x03).byte(I32).byte(0x00); // §5.5.10 globaltype: i32, const
  for (const g of globals) im.str('e').str(g).byte(0x03).byte(I32).byte(0x00);
  section(2, im);
  const fs = new ByteWriter().u32(funcs.length);
  for (const t of funcTypes) fs.u32(t);
  section(3, fs);
  const ex = new ByteWriter().u32(funcs.length);
  funcs.forEach((_, k) =>
    ex
      .str(exportName(k))
      .byte(0x00)
      .u32(imports.length + k),
  );
  section(7, ex);
  const code = new ByteWriter().u32(funcs.length);
  for (const f of funcs) {
    const fn = new ByteWriter();
    fn.u32(f.locals > 0 ? 1 : 0);
    if (f.locals > 0) fn.u32(f.locals).byte(I32);
    fn.append(f.body).byte(OP.end);
    code.u32(fn.length).append(fn.bytes);
  }
  section(10, code);
  return out.bytes.slice();
}

/** The export name of function `k` of a module made by buildModule. */
export function exportName(k: number): string {
  return `r${k}`;
}
