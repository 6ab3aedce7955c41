import { ByteWriter, OP } from './wasm-emit';

const I32 = 0x7f;
const FUNCREF = 0x70;
const FIRST_SIZE = 256;

/**
 * The one door from JavaScript into translated code on this thread: every
 * page function sits in a slot of a funcref table, and `call(slot, …)` is a
 * single exported wasm function that reaches it through `call_indirect`
 * (wasm core spec §4.4.8; the type check is structural, so functions of any
 * module with the page signature fit). The dispatcher's call site then
 * always calls the same wasm function, and V8 specialises its JS-to-wasm
 * entry once, instead of going through its generic wrapper for each of the
 * thousands of page functions (measured on a Linux boot: the generic
 * wrapper's own time exceeded the translated code's).
 */
export class DispatchTable {
  readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: FIRST_SIZE });
  /** Runs the function in `slot`: `run(entry, budget, dmode)` of translate.ts. */
  readonly call: (slot: number, entry: number, budget: number, dmode: number) => number;
  readonly #free: number[] = [];
  #next = 0;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(trampoline()), {
      e: { t: this.table },
    });
    this.call = instance.exports.call as DispatchTable['call'];
  }

  /** Puts `fn` (a page function) in a free slot; returns the slot. */
  add(fn: WebAssembly.ExportValue): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot >= this.table.length) this.table.grow(this.table.length);
    }
    this.table.set(slot, fn as (...args: number[]) => number);
    return slot;
  }

  /** Frees `slot` (its function may be collected once no instance holds it). */
  remove(slot: number): void {
    this.table.set(slot, null);
    this.#free.push(slot);
  }

  /** Slots in use. */
  get size(): number {
    return this.#next - this.#free.length;
  }
}

/** `(module (import "e" "t" (table 0 funcref)) (func (export "call") (param slot entry budget dmode) (result i32) …))`. */
function trampoline(): Uint8Array<ArrayBuffer> {
  const out = new ByteWriter();
  out.append(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const section = (id: number, body: ByteWriter): void => {
    out.byte(id).u32(body.length).append(body.bytes);
  };
  const fnType = (params: number) => {
    const w = new ByteWriter().byte(0x60).u32(params);
    for (let i = 0; i < params; i++) w.byte(I32);
    return w.u32(1).byte(I32);
  };
  section(1, new ByteWriter().u32(2).append(fnType(3).bytes).append(fnType(4).bytes));
  section(2, new ByteWriter().u32(1).str('e').str('t').byte(0x01).byte(FUNCREF).byte(0x00).u32(0));
  section(3, new ByteWriter().u32(1).u32(1));
  section(7, new ByteWriter().u32(1).str('call').byte(0x00).u32(0));
  const body = new ByteWriter().u32(0);
  for (const local of [1, 2, 3, 0]) body.byte(OP.localGet).u32(local);
  body.byte(OP.callIndirect).u32(0).u32(0).byte(OP.end);
  section(10, new ByteWriter().u32(1).u32(body.length).append(body.bytes));
  return out.bytes.slice();
}
