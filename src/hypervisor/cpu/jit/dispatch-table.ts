import {
  HINT_ENTRIES,
  JUMP_ENTRIES,
  JUMP_HASH,
  JUMP_SHIFT,
  type HartJumpCache,
  hintIndex,
  jumpIndex,
} from '../hart';
import { FRAME_WORD, JIT_OFFSET, STATUS } from './translate';

export { JUMP_ENTRIES, jumpIndex };
import { ByteWriter, OP } from './wasm-emit';

const I32 = 0x7f;
const FUNCREF = 0x70;
const FIRST_SIZE = 256;
/**
 * The jump cache, after QEMU's `tb_jmp_cache`: entry `jumpIndex(pc)`
 * says that pc, fetched in mode `imode`, starts block `idx` of the region
 * in table slot `slot`. Its tag is pc; its value packs slot, idx and imode.
 * It is filled by the dispatcher (jit-engine.ts) from the code cache's
 * lookup, which went through the fetch TLB, and it is valid as long as that
 * mapping is: it is emptied with the TLB (Hart.flushTlb: sfence.vma, satp,
 * shootdowns, p2m changes), and when a region is dropped (code-cache.ts).
 */
export function jumpValue(slot: number, idx: number, imode: number): number {
  return (slot << 13) | (idx << 5) | imode;
}

/** Fills remembered between flushes; past this, a flush empties the whole cache. */
const FILLS_KEPT = 512;

/**
 * The jump cache's two arrays (in the JIT frames) and the dispatcher's
 * writes to them. Emptied at every TLB flush — Linux flushes often while it
 * boots — so it remembers which entries it filled since the last one and
 * empties only those, unless there were many.
 *
 * Beside it, in this thread's own memory, what the interpreter reads at
 * control transfers (hart.ts HartJumpCache): `hints`, the pcs of
 * translated blocks, kept across flushes, and `heat`, entry counts that
 * stop the interpreter when one reaches `hot`.
 */
export class JumpCache implements HartJumpCache {
  readonly #filled = new Int32Array(FILLS_KEPT);
  #count = 0;
  readonly hints = new Int32Array(HINT_ENTRIES).fill(-1);
  readonly heat = new Uint16Array(HINT_ENTRIES);

  constructor(
    readonly tags: Int32Array,
    readonly vals: Int32Array,
    /** Interpreted entries at one slot that make its block hot (JitTuning.hotThreshold, at most 0xffff). */
    readonly hot: number,
  ) {
    tags.fill(-1);
  }

  set(pc: number, value: number): void {
    const j = jumpIndex(pc);
    if (this.#count < FILLS_KEPT) this.#filled[this.#count] = j;
    this.#count++;
    this.tags[j] = pc;
    this.vals[j] = value;
    this.hints[hintIndex(pc)] = pc;
  }

  /** pc starts a translated block (its region was just installed): the interpreter stops there. */
  hint(pc: number): void {
    this.hints[hintIndex(pc)] = pc;
  }

  clearPage(vpn: number): void {
    const tags = this.tags;
    if (this.#count > FILLS_KEPT) {
      for (let j = 0; j < tags.length; j++)
        if (tags[j] !== -1 && tags[j] >>> 12 === vpn) tags[j] = -1;
      return;
    }
    for (let k = 0; k < this.#count; k++) {
      const j = this.#filled[k];
      if (tags[j] !== -1 && tags[j] >>> 12 === vpn) tags[j] = -1;
    }
  }

  clear(): void {
    if (this.#count > FILLS_KEPT) this.tags.fill(-1);
    else for (let k = 0; k < this.#count; k++) this.tags[this.#filled[k]] = -1;
    this.#count = 0;
  }
}

/**
 * The one door from JavaScript into translated code on this thread: every
 * region function sits in a slot of a funcref table, and `call(slot, idx,
 * budget, dmode, imode)` is a single exported wasm function that runs it
 * through `call_indirect` (wasm core spec §4.4.8; the type check is
 * structural, so functions of any module with the region signature fit)
 * and, while the region leaves normally at a pc the jump cache knows for
 * this mode, runs the next one too, without coming back to JavaScript.
 * It returns the instructions run; the register frame holds the pc and
 * status of the last exit (translate.ts), so the dispatcher sees one call.
 *
 * Measured on a kernel-like call/return workload (~9 instructions per
 * region entry): going back to the JavaScript dispatcher and V8's
 * JS-to-wasm entry for every region cost more than the translated code.
 */
export class DispatchTable {
  readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: FIRST_SIZE });
  readonly call: (
    slot: number,
    idx: number,
    budget: number,
    dmode: number,
    imode: number,
  ) => number;
  readonly #free: number[] = [];
  #next = 0;

  constructor(memory: WebAssembly.Memory, base: number) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(trampoline()), {
      e: { t: this.table, m: memory, base },
    });
    this.call = instance.exports.call as DispatchTable['call'];
  }

  /** Puts `fn` (a region function) in a free slot; returns the slot. */
  add(fn: WebAssembly.ExportValue): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#next++;
      if (slot >= this.table.length) this.table.grow(this.table.length);
    }
    this.table.set(slot, fn as (...args: number[]) => number);
    return slot;
  }

  /** Frees `slot` (the caller empties the jump cache, which may name it). */
  remove(slot: number): void {
    this.table.set(slot, null);
    this.#free.push(slot);
  }

  /** Slots in use. */
  get size(): number {
    return this.#next - this.#free.length;
  }
}

/** The trampoline module: imports `e.t` (the table), `e.m` (host RAM), `e.base` (the JIT base). */
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
  section(1, new ByteWriter().u32(2).append(fnType(3).bytes).append(fnType(5).bytes));
  const im = new ByteWriter().u32(3);
  im.str('e').str('t').byte(0x01).byte(FUNCREF).byte(0x00).u32(0);
  im.str('e').str('m').byte(0x02).byte(0x03).u32(0).u32(65536);
  im.str('e').str('base').byte(0x03).byte(I32).byte(0x00);
  section(2, im);
  section(3, new ByteWriter().u32(1).u32(1));
  section(7, new ByteWriter().u32(1).str('call').byte(0x00).u32(0));
  // Params: 0 slot, 1 idx, 2 budget, 3 dmode, 4 imode; locals: 5 done, 6 pc, 7 jump-cache address, 8 value.
  const b = new ByteWriter().u32(1).u32(4).byte(I32);
  const op = (...bytes: number[]) => bytes.forEach((x) => b.byte(x));
  const get = (l: number) => b.byte(OP.localGet).u32(l);
  const set = (l: number) => b.byte(OP.localSet).u32(l);
  const tee = (l: number) => b.byte(OP.localTee).u32(l);
  const i32 = (v: number) => b.byte(OP.i32Const).s32(v);
  const load = (offset: number) => b.byte(OP.globalGet).u32(0).byte(OP.i32Load).u32(2).u32(offset);
  const leaveIf = () => {
    op(OP.if, 0x40);
    get(5);
    op(OP.return, OP.end);
  };
  op(OP.loop, 0x40);
  get(1);
  get(2);
  get(5);
  op(OP.i32Sub);
  get(3);
  get(0);
  b.byte(OP.callIndirect).u32(0).u32(0);
  get(5);
  op(OP.i32Add);
  set(5);
  load(JIT_OFFSET.regs + 4 * FRAME_WORD.STATUS);
  i32(STATUS.NORMAL);
  op(OP.i32Ne);
  leaveIf();
  get(5);
  get(2);
  op(OP.i32GeU);
  leaveIf();
  load(JIT_OFFSET.regs + 4 * FRAME_WORD.PC);
  tee(6);
  i32(1);
  op(OP.i32ShrU);
  i32(JUMP_HASH);
  op(OP.i32Mul);
  i32(JUMP_SHIFT);
  op(OP.i32ShrU);
  i32(2);
  op(OP.i32Shl);
  b.byte(OP.globalGet).u32(0);
  op(OP.i32Add);
  tee(7);
  b.byte(OP.i32Load).u32(2).u32(JIT_OFFSET.jumpTag);
  get(6);
  op(OP.i32Ne);
  leaveIf();
  get(7);
  b.byte(OP.i32Load).u32(2).u32(JIT_OFFSET.jumpVal);
  tee(8);
  i32(31);
  op(OP.i32And);
  get(4);
  op(OP.i32Ne);
  leaveIf();
  get(8);
  i32(13);
  op(OP.i32ShrU);
  set(0);
  get(8);
  i32(5);
  op(OP.i32ShrU);
  i32(255);
  op(OP.i32And);
  set(1);
  b.byte(OP.br).u32(0);
  op(OP.end);
  get(5);
  op(OP.end);
  section(10, new ByteWriter().u32(1).u32(b.length).append(b.bytes));
  return out.bytes.slice();
}
