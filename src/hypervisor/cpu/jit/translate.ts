import { AMO, MAJOR, type ScannedBlock } from './block-scan';
import { ATOMIC, FuncWriter, OP, buildModule } from './wasm-emit';

/**
 * Guest code → WebAssembly: one function `run(entry, budget, dmode) →
 * executed` per region of a guest page (host frame), holding the region's
 * blocks in a dispatch loop (a `br_table` on the block index), so a branch
 * to another block of the region is a jump inside the function (direct
 * chaining) and guest registers stay in wasm locals until the function
 * exits; the functions of many regions share a module (buildPageModule). RV32I/M semantics per the unprivileged spec ch. 2 and 7;
 * division by zero and overflow per table 7.1.
 *
 * Contracts with the engine (jit-engine.ts):
 * - The registers are loaded from, and written back to, the register frame
 *   (`JIT_OFFSET.regs` from the base, x0–x31) at function entry and exit; the exit also
 *   stores the next pc and a status (`STATUS`).
 * - A block runs only if its whole pass fits the budget, so the count is
 *   exact (status BUDGET leaves the rest to the interpreter).
 * - A translation is a pure function of the page's bytes and its virtual
 *   page. The first entry of each block in one call compares the block's
 *   bytes with the bytes it was made from (status STALE if they differ),
 *   and a store into the page itself ends the call, so code that changed
 *   is never run, whoever changed it (any vCPU, the VMM's DMA, a frame
 *   freed and reused).
 * - Loads and stores take the TLB (tag compare + addend, hart.ts) inline;
 *   a miss, MMIO or a misaligned access calls the host's slow path, and an
 *   access that would fault leaves with status FAULT *before* the
 *   instruction, which the interpreter then executes and traps precisely.
 * - LR/SC and AMOs (unprivileged spec ch. 13) are wasm atomic instructions
 *   on the shared memory, as the interpreter's are Atomics on the same
 *   buffer, so harts on other pCPU workers see them atomic. They take the
 *   TLB inline too (LR the read TLB, SC and AMOs the write TLB, whose
 *   entries exist only for writable RAM with D set); a miss or a misaligned
 *   address leaves with FAULT before the instruction. The reservation is
 *   the interpreter's (hart.ts `resOffset`/`resValue`: the host offset LR
 *   read and the value it read), kept in the register frame during a call.
 */

/**
 * Where the state generated code reaches sits, relative to the pCPU's JIT
 * base (its JIT_FRAMES contiguous host frames): the register frame, then
 * the read and write TLB arrays (hart.ts), then the jump cache. The base is the module's one
 * imported global (`e.base`), so a module compiled on one pCPU worker runs
 * on another with that pCPU's own frames (module-exchange.ts).
 */
export const JIT_OFFSET = {
  regs: 0,
  rTag: 4096,
  rAdd: 8192,
  wTag: 12288,
  wAdd: 16384,
  /** The jump cache (dispatch-table.ts): JUMP_ENTRIES pc tags (four frames), then as many values. */
  jumpTag: 20480,
  jumpVal: 36864,
} as const;

/**
 * Words of the register frame after x0–x31. RES_OFF and RES_VAL are the
 * LR reservation (host byte offset, -1 for none; the value LR read), copied
 * from the hart before each call and back after it.
 */
export const FRAME_WORD = { PC: 32, STATUS: 33, FAULT: 34, RES_OFF: 35, RES_VAL: 36 } as const;

/** Why `run` returned. */
export const STATUS = {
  /** Control left the translated code: continue at pc. */
  NORMAL: 0,
  /** The block at pc does not fit the budget: the interpreter runs the rest. */
  BUDGET: 1,
  /** The instruction at pc would fault (or needs the interpreter): run it there. */
  FAULT: 2,
  /** The code at pc changed since it was translated. */
  STALE: 3,
  /** An entry index the module does not have (a host bug). */
  BAD_ENTRY: 4,
} as const;

/**
 * An exit code (exitAt): page offset in bits 0–12 (4096 is the next page's
 * first byte), instructions run in bits 13–20 (a block has at most 64),
 * status from bit 21.
 */
const EXIT_OFF_MASK = 0x1fff;
const EXIT_COUNT_SHIFT = 13;
const EXIT_STATUS_SHIFT = 21;

/**
 * Import indices: functions, and the globals: the pCPU's JIT base (a host
 * byte offset), then function k's page: the host byte address of the frame
 * it runs from (`frameGlobal(k)`), bound when the module is instantiated.
 */
const F_LD = 0;
const F_ST = 1;
const G_BASE = 0;

/** The global holding the frame address of function `k` of a page module. */
export function frameGlobal(k: number): number {
  return 1 + k;
}

/** Import name of that global. */
export function frameImport(k: number): string {
  return `f${k}`;
}

// Locals: params 0–2, x1–x31 at 2 + r, then scratch, then "verified" bits (one per block, 32 a local).
const P_ENTRY = 0;
const P_BUDGET = 1;
const P_DMODE = 2;
const X = (r: number) => 2 + r;
const L_N = 34;
const L_PC = 35;
const L_ST = 36;
const L_VA = 37;
const L_I = 38;
const L_T = 39;
const L_A = 40;
const L_VERIFIED = 41;

/** One page's function: its body, extra locals, and where its blocks start. */
export interface PageFunction {
  body: Uint8Array<ArrayBuffer>;
  locals: number;
  /** Page offset → block index, for the blocks this function holds. */
  entries: Map<number, number>;
}

/** The host functions a page module imports: the slow paths of loads and stores. */
const PAGE_IMPORTS = [
  { name: 'ld', type: { params: 2, results: 1 } },
  { name: 'st', type: { params: 3, results: 1 } },
];

/**
 * One module holding the functions of many pages (function k exported as
 * `exportName(k)`), so a batch of pages pays V8's per-module cost once.
 */
export function buildPageModule(fns: PageFunction[]): Uint8Array<ArrayBuffer> {
  return buildModule(
    PAGE_IMPORTS,
    fns.map((f) => ({ type: { params: 3, results: 1 }, locals: f.locals, body: f.body })),
    fns.map((_, k) => frameImport(k)),
  );
}

/**
 * Translates `blocks` (scanned from `code`, the page's bytes as a copy) of
 * the guest page at virtual address `vpage` into one function `run(entry,
 * budget, dmode) → executed`, function `k` of its module: the host frame
 * it runs from is its global `frameGlobal(k)`, so the same code at the
 * same virtual address runs from any frame (another VM's, or after a
 * reboot) without translating it again (module-exchange.ts).
 */
export function translatePage(
  blocks: ScannedBlock[],
  code: Uint8Array,
  k: number,
  vpage: number,
): PageFunction {
  const gFrame = frameGlobal(k);
  const layout = JIT_OFFSET;
  const entries = new Map<number, number>();
  blocks.forEach((b, i) => entries.set(b.start, i));
  const written = new Set<number>();
  const used = new Set<number>();
  for (const b of blocks) {
    for (const { insn } of b.insns) {
      const rd = (insn >> 7) & 31;
      const major = (insn >>> 2) & 31;
      if (rd && major !== MAJOR.STORE && major !== MAJOR.BRANCH && major !== MAJOR.MISC_MEM)
        written.add(rd);
      used.add((insn >> 15) & 31);
      used.add((insn >> 20) & 31);
    }
  }
  for (const r of written) used.add(r);
  used.delete(0);

  const w = new FuncWriter();
  /** The block being emitted (chain() loops to it directly). */
  let current = -1;
  const codeView = new DataView(code.buffer, code.byteOffset, code.byteLength);

  // Prologue.
  w.i32(STATUS.BAD_ENTRY).set(L_ST);
  for (const r of used)
    w.globalGet(G_BASE)
      .mem(OP.i32Load, 2, layout.regs + 4 * r)
      .set(X(r));

  // Exits to a pc in this page carry one i32 to `coded` (exitAt): the page
  // offset, the instructions run and the status, decoded once below, so
  // each costs ~6 bytes of wasm instead of ~19.
  w.block('exit').blockI32('coded').loop('dispatch');
  for (let j = blocks.length - 1; j >= 0; j--) w.block(`b${j}`);
  w.get(P_ENTRY).brTable(
    blocks.map((_, j) => `b${j}`),
    'exit',
  );
  blocks.forEach((b, j) => {
    w.end(); // b{j}
    emitBlock(b, j);
  });
  w.end(); // dispatch: never falls through
  w.op(OP.unreachable);
  w.end(); // coded: the code is on the stack
  w.tee(L_T).i32(EXIT_OFF_MASK).op(OP.i32And).i32(vpage).op(OP.i32Add).set(L_PC);
  w.get(L_N)
    .get(L_T)
    .i32(EXIT_COUNT_SHIFT)
    .op(OP.i32ShrU)
    .i32(0xff)
    .op(OP.i32And)
    .op(OP.i32Add)
    .set(L_N);
  w.get(L_T).i32(EXIT_STATUS_SHIFT).op(OP.i32ShrU).set(L_ST);
  w.end(); // exit

  // Epilogue.
  for (const r of written)
    w.globalGet(G_BASE)
      .get(X(r))
      .mem(OP.i32Store, 2, layout.regs + 4 * r);
  w.globalGet(G_BASE)
    .get(L_PC)
    .mem(OP.i32Store, 2, layout.regs + 4 * FRAME_WORD.PC);
  w.globalGet(G_BASE)
    .get(L_ST)
    .mem(OP.i32Store, 2, layout.regs + 4 * FRAME_WORD.STATUS);
  w.get(L_N);

  return { body: w.bytes.slice(), locals: L_VERIFIED - 3 + ((blocks.length + 31) >> 5), entries };

  function pcOf(off: number): number {
    return (vpage + off) | 0;
  }

  function exit(pc: () => void, status: number, count: number): void {
    pc();
    w.set(L_PC).i32(status).set(L_ST);
    if (count) w.get(L_N).i32(count).op(OP.i32Add).set(L_N);
    w.br('exit');
  }

  /** Leaves at page offset `off` (0–4096) after `count` more instructions, with `status`. */
  function exitAt(off: number, status: number, count: number): void {
    w.i32(off | (count << EXIT_COUNT_SHIFT) | (status << EXIT_STATUS_SHIFT)).br('coded');
  }

  /** Continues at `target` after `count` instructions: a jump inside the module when it holds that block. */
  function chain(target: number, count: number): void {
    const idx = (target & ~0xfff) === vpage ? entries.get(target & 0xfff) : undefined;
    if (idx === undefined) {
      exit(() => w.i32(target), STATUS.NORMAL, count);
      return;
    }
    w.get(L_N).i32(count).op(OP.i32Add).set(L_N);
    // A block that continues at itself (a loop) jumps straight back: a natural loop, no dispatch.
    if (idx === current) w.br(`self${idx}`);
    else w.i32(idx).set(P_ENTRY).br('dispatch');
  }

  function reg(r: number): void {
    if (r === 0) w.i32(0);
    else w.get(X(r));
  }

  function emitBlock(b: ScannedBlock, j: number): void {
    const len = b.insns.length;
    current = j;
    // First entry in this call: are the bytes still those translated?
    const flags = L_VERIFIED + (j >> 5);
    const bit = 1 << (j & 31);
    w.get(flags).i32(bit).op(OP.i32And).op(OP.i32Eqz).if();
    // Eight bytes at a time (then four, then two): XOR with what was translated, OR together.
    let first = true;
    const word = (o: number, load: number, lo: number, hi: number) => {
      w.globalGet(gFrame).mem(load, 0, o).i64Halves(lo, hi).op(OP.i64Xor);
      if (!first) w.op(OP.i64Or);
      first = false;
    };
    let o = b.start;
    for (; o + 8 <= b.end; o += 8)
      word(o, OP.i64Load, codeView.getUint32(o, true), codeView.getInt32(o + 4, true));
    if (o + 4 <= b.end) {
      word(o, OP.i64Load32U, codeView.getUint32(o, true), 0);
      o += 4;
    }
    if (o < b.end) word(o, OP.i64Load16U, codeView.getUint16(o, true), 0);
    w.op(OP.i64Eqz).op(OP.i32Eqz).if();
    exitAt(b.start, STATUS.STALE, 0);
    w.end();
    w.end();
    // Outside the arm: an `if` arm that sets a local costs V8's baseline compiler a state merge.
    w.get(flags).i32(bit).op(OP.i32Or).set(flags);

    w.loop(`self${j}`);
    // The whole pass must fit the budget.
    w.get(L_N).i32(len).op(OP.i32Add).get(P_BUDGET).op(OP.i32GtU).if();
    exitAt(b.start, STATUS.BUDGET, 0);
    w.end();
    b.insns.forEach((ins, k) => emitInsn(ins.insn, ins.off, ins.len, k, len));
    const last = b.insns[len - 1].insn;
    const major = (last >>> 2) & 31;
    if (major !== MAJOR.BRANCH && major !== MAJOR.JAL && major !== MAJOR.JALR)
      chain(pcOf(b.end), len);
    w.end(); // self{j}: never falls through (every path above branches)
  }

  function emitInsn(insn: number, off: number, ilen: number, k: number, blockLen: number): void {
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const f3 = (insn >> 12) & 7;
    const f7 = insn >>> 25;
    const pc = pcOf(off);
    const next = (pc + ilen) | 0;
    switch ((insn >>> 2) & 31) {
      case MAJOR.LUI:
        if (rd) w.i32(insn & 0xfffff000).set(X(rd));
        return;
      case MAJOR.AUIPC:
        if (rd) w.i32((pc + (insn & 0xfffff000)) | 0).set(X(rd));
        return;
      case MAJOR.MISC_MEM:
        return; // FENCE
      case MAJOR.JAL: {
        const imm =
          ((insn >> 31) << 20) | (insn & 0xff000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe);
        if (rd) w.i32(next).set(X(rd));
        chain((pc + imm) | 0, blockLen);
        return;
      }
      case MAJOR.JALR:
        reg(rs1);
        w.i32(insn >> 20)
          .op(OP.i32Add)
          .i32(~1)
          .op(OP.i32And)
          .set(L_T);
        if (rd) w.i32(next).set(X(rd));
        exit(() => w.get(L_T), STATUS.NORMAL, blockLen);
        return;
      case MAJOR.BRANCH: {
        const imm =
          ((insn >> 31) << 12) |
          ((insn << 4) & 0x800) |
          ((insn >> 20) & 0x7e0) |
          ((insn >> 7) & 0x1e);
        reg(rs1);
        reg(rs2);
        w.op([OP.i32Eq, OP.i32Ne, 0, 0, OP.i32LtS, OP.i32GeS, OP.i32LtU, OP.i32GeU][f3]);
        w.if();
        chain((pc + imm) | 0, blockLen);
        w.end();
        chain(next, blockLen);
        return;
      }
      case MAJOR.OP_IMM: {
        if (!rd) return;
        const imm = insn >> 20;
        reg(rs1);
        w.i32(f3 === 1 || f3 === 5 ? imm & 31 : imm);
        w.op(
          [
            OP.i32Add,
            OP.i32Shl,
            OP.i32LtS,
            OP.i32LtU,
            OP.i32Xor,
            f7 === 0 ? OP.i32ShrU : OP.i32ShrS,
            OP.i32Or,
            OP.i32And,
          ][f3],
        );
        w.set(X(rd));
        return;
      }
      case MAJOR.OP:
        if (!rd) return;
        if (f7 === 1) emitMulDiv(f3, rs1, rs2);
        else {
          reg(rs1);
          reg(rs2);
          w.op(
            f7 === 0x20
              ? f3 === 0
                ? OP.i32Sub
                : OP.i32ShrS
              : [
                  OP.i32Add,
                  OP.i32Shl,
                  OP.i32LtS,
                  OP.i32LtU,
                  OP.i32Xor,
                  OP.i32ShrU,
                  OP.i32Or,
                  OP.i32And,
                ][f3],
          );
        }
        w.set(X(rd));
        return;
      case MAJOR.LOAD: {
        const size = f3 & 3; // log2
        emitTlbCheck(rs1, insn >> 20, layout.rTag, size);
        w.ifI32();
        w.get(L_VA).get(L_I).mem(OP.i32Load, 2, layout.rAdd).op(OP.i32Add);
        w.mem([OP.i32Load8S, OP.i32Load16S, OP.i32Load, 0, OP.i32Load8U, OP.i32Load16U][f3], size);
        w.else();
        // The slow path's value stays on the stack (no local set in an arm: see emitBlock).
        w.get(L_VA).i32(f3).byte(OP.call).u32(F_LD);
        w.globalGet(G_BASE)
          .mem(OP.i32Load, 2, layout.regs + 4 * FRAME_WORD.FAULT)
          .if();
        exitAt(off, STATUS.FAULT, k);
        w.end();
        w.end();
        if (rd) w.set(X(rd));
        else w.op(OP.drop);
        return;
      }
      case MAJOR.STORE: {
        const size = f3;
        emitTlbCheck(rs1, ((insn >> 20) & ~31) | ((insn >> 7) & 31), layout.wTag, size);
        // The host address is computed before the test (used only on a hit), so no arm sets a local.
        w.get(L_VA).get(L_I).mem(OP.i32Load, 2, layout.wAdd).op(OP.i32Add).set(L_A);
        w.if();
        w.get(L_A);
        reg(rs2);
        w.mem([OP.i32Store8, OP.i32Store16, OP.i32Store][f3], size);
        // A store into this very page may have changed code: leave, so the next entry re-checks.
        w.get(L_A).i32(-4096).op(OP.i32And).globalGet(gFrame).op(OP.i32Eq).if();
        exitAt(off + ilen, STATUS.NORMAL, k + 1);
        w.end();
        w.else();
        w.get(L_VA);
        reg(rs2);
        w.i32(f3).byte(OP.call).u32(F_ST).if();
        exitAt(off, STATUS.FAULT, k);
        w.end();
        exitAt(off + ilen, STATUS.NORMAL, k + 1);
        w.end();
        return;
      }
      case MAJOR.AMO:
        emitAmo(insn, off, ilen, k);
        return;
      default:
        throw new Error(`untranslatable instruction ${insn >>> 0} reached the translator`);
    }
  }

  /**
   * LR.W, SC.W, AMO*.W (unprivileged spec ch. 13) at host address L_A, with
   * the interpreter's semantics (interpreter.ts `amo`): LR loads atomically
   * and reserves (offset, value); SC succeeds iff it is the reserved offset
   * and a compare-and-swap from the value LR read succeeds (rd = 0, else 1);
   * every SC and AMO drops the reservation; AMOMIN/MAX[U] are a
   * compare-and-swap loop that writes only when the operand wins. aq/rl
   * need nothing more: wasm atomics are sequentially consistent.
   */
  function emitAmo(insn: number, off: number, ilen: number, k: number): void {
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const op = insn >>> 27;
    const resOff = layout.regs + 4 * FRAME_WORD.RES_OFF;
    const resVal = layout.regs + 4 * FRAME_WORD.RES_VAL;
    emitTlbCheck(rs1, 0, op === AMO.LR ? layout.rTag : layout.wTag, 2);
    w.op(OP.i32Eqz).if();
    exitAt(off, STATUS.FAULT, k); // a miss or misaligned: the interpreter walks, or traps
    w.end();
    w.get(L_VA)
      .get(L_I)
      .mem(OP.i32Load, 2, op === AMO.LR ? layout.rAdd : layout.wAdd)
      .op(OP.i32Add)
      .set(L_A);
    if (op === AMO.LR) {
      w.globalGet(G_BASE).get(L_A).mem(OP.i32Store, 2, resOff);
      w.globalGet(G_BASE).get(L_A).atomic(ATOMIC.i32Load).tee(L_T).mem(OP.i32Store, 2, resVal);
      if (rd) w.get(L_T).set(X(rd));
      return;
    }
    if (op === AMO.SC) {
      w.globalGet(G_BASE).mem(OP.i32Load, 2, resOff).get(L_A).op(OP.i32Eq).ifI32();
      w.get(L_A).globalGet(G_BASE).mem(OP.i32Load, 2, resVal);
      reg(rs2);
      w.atomic(ATOMIC.i32RmwCmpxchg).globalGet(G_BASE).mem(OP.i32Load, 2, resVal).op(OP.i32Eq);
      w.else().i32(0).end();
      w.op(OP.i32Eqz).set(L_T); // 0: success
    } else if (op >= AMO.MIN) {
      const wins = { [AMO.MIN]: OP.i32LtS, [AMO.MAX]: OP.i32GtS, [AMO.MINU]: OP.i32LtU }[op];
      w.loop('cas');
      w.get(L_A).atomic(ATOMIC.i32Load).set(L_T);
      reg(rs2);
      w.get(L_T)
        .op(wins ?? OP.i32GtU)
        .if();
      w.get(L_A).get(L_T);
      reg(rs2);
      w.atomic(ATOMIC.i32RmwCmpxchg).get(L_T).op(OP.i32Ne).brIf('cas');
      w.end().end();
    } else {
      w.get(L_A);
      reg(rs2);
      const rmw = {
        [AMO.ADD]: ATOMIC.i32RmwAdd,
        [AMO.SWAP]: ATOMIC.i32RmwXchg,
        [AMO.XOR]: ATOMIC.i32RmwXor,
        [AMO.OR]: ATOMIC.i32RmwOr,
        [AMO.AND]: ATOMIC.i32RmwAnd,
      }[op];
      if (rmw === undefined) throw new Error(`AMO funct5 ${op} reached the translator`);
      w.atomic(rmw).set(L_T);
    }
    w.globalGet(G_BASE).i32(-1).mem(OP.i32Store, 2, resOff);
    if (rd) w.get(L_T).set(X(rd));
    // A write into this very page may have changed code: leave, as after a store.
    w.get(L_A).i32(-4096).op(OP.i32And).globalGet(gFrame).op(OP.i32Eq).if();
    exitAt(off + ilen, STATUS.NORMAL, k + 1);
    w.end();
  }

  /**
   * Leaves on the stack: TLB hit for va = x[rs1] + imm, and natural alignment
   * (hart.ts: tag = vpn << 5 | mode, index = vpn & 1023). Sets L_VA and L_I
   * (the JIT base + index × 4, so a TLB array is L_I plus its JIT_OFFSET).
   */
  function emitTlbCheck(rs1: number, imm: number, tagBase: number, log2size: number): void {
    reg(rs1);
    w.i32(imm).op(OP.i32Add).tee(L_VA);
    w.i32(10).op(OP.i32ShrU).i32(0xffc).op(OP.i32And).globalGet(G_BASE).op(OP.i32Add).tee(L_I);
    w.mem(OP.i32Load, 2, tagBase);
    w.get(L_VA).i32(12).op(OP.i32ShrU).i32(5).op(OP.i32Shl).get(P_DMODE).op(OP.i32Or);
    w.op(OP.i32Eq);
    if (log2size) {
      w.get(L_VA)
        .i32((1 << log2size) - 1)
        .op(OP.i32And)
        .op(OP.i32Eqz)
        .op(OP.i32And);
    }
  }

  function emitMulDiv(f3: number, rs1: number, rs2: number): void {
    const i64 = (signed: boolean, r: number) => {
      reg(r);
      w.op(signed ? OP.i64ExtendI32S : OP.i64ExtendI32U);
    };
    switch (f3) {
      case 0: // MUL
        reg(rs1);
        reg(rs2);
        w.op(OP.i32Mul);
        return;
      case 1: // MULH
      case 2: // MULHSU
      case 3: // MULHU
        i64(f3 !== 3, rs1);
        i64(f3 === 1, rs2);
        w.op(OP.i64Mul).byte(0x42).byte(32).op(OP.i64ShrU).op(OP.i32WrapI64);
        return;
      case 4: // DIV: x/0 = -1, INT_MIN/-1 = INT_MIN
        reg(rs2);
        w.op(OP.i32Eqz).ifI32().i32(-1).else();
        reg(rs1);
        w.i32(-0x80000000).op(OP.i32Eq);
        reg(rs2);
        w.i32(-1).op(OP.i32Eq).op(OP.i32And).ifI32().i32(-0x80000000).else();
        reg(rs1);
        reg(rs2);
        w.op(OP.i32DivS).end().end();
        return;
      case 5: // DIVU: x/0 = 2^32 - 1
        reg(rs2);
        w.op(OP.i32Eqz).ifI32().i32(-1).else();
        reg(rs1);
        reg(rs2);
        w.op(OP.i32DivU).end();
        return;
      default: // REM, REMU: x%0 = x; INT_MIN % -1 = 0 is wasm's rem_s too (wasm spec §4.3.2 irem_s)
        reg(rs2);
        w.op(OP.i32Eqz).ifI32();
        reg(rs1);
        w.else();
        reg(rs1);
        reg(rs2);
        w.op(f3 === 6 ? OP.i32RemS : OP.i32RemU).end();
        return;
    }
  }
}
