/**
 * The scheduler trace: one record per time slice (which pCPU ran which
 * vCPU, from when to when, why it stopped, how many instructions), in a
 * multi-producer ring in a SharedArrayBuffer that the UI or a test reads
 * every frame, without messages.
 *
 * Layout: Int32 [0] HEAD (records ever written; writers reserve a record
 *         with Atomics.add), [1] CAPACITY (a power of two); then from byte
 *         64, CAPACITY records of 8 Float64:
 *   0 seq + 1 (written last: a reader trusts a record only when it equals
 *     the sequence number it expects + 1), 1 pcpu, 2 vcpu slot, 3 vm,
 *   4 start (host ms), 5 end (host ms), 6 why (SLICE_END.*), 7 instructions
 *
 * A record whose why is TRACE_EXIT_SPAN is not a slice: it is a span of the
 * same vCPU's next slice record spent in exits to the VMM (exit-spans.ts),
 * written just before that slice's record; instructions is 0.
 */
export const TRACE_EXIT_SPAN = 8;

/** True for a slice record (false for an exit span inside one). */
export const isSlice = (r: { why: number }) => r.why !== TRACE_EXIT_SPAN;

export interface SliceRecord {
  seq: number;
  pcpu: number;
  vcpu: number;
  vm: number;
  start: number;
  end: number;
  why: number;
  instructions: number;
}

const HEADER_BYTES = 64;
const RECORD = 8;

export class TraceRing {
  readonly head: Int32Array;
  readonly records: Float64Array;
  readonly capacity: number;

  constructor(readonly sab: SharedArrayBuffer) {
    this.head = new Int32Array(sab, 0, 2);
    this.capacity = (sab.byteLength - HEADER_BYTES) / (RECORD * 8);
    this.records = new Float64Array(sab, HEADER_BYTES, this.capacity * RECORD);
  }

  static create(capacity = 4096): TraceRing {
    if ((capacity & (capacity - 1)) !== 0)
      throw new RangeError('trace capacity must be a power of two');
    const ring = new TraceRing(new SharedArrayBuffer(HEADER_BYTES + capacity * RECORD * 8));
    ring.head[1] = capacity;
    return ring;
  }

  write(r: Omit<SliceRecord, 'seq'>): void {
    const seq = Atomics.add(this.head, 0, 1);
    const at = (seq & (this.capacity - 1)) * RECORD;
    const rec = this.records;
    rec[at] = 0;
    rec[at + 1] = r.pcpu;
    rec[at + 2] = r.vcpu;
    rec[at + 3] = r.vm;
    rec[at + 4] = r.start;
    rec[at + 5] = r.end;
    rec[at + 6] = r.why;
    rec[at + 7] = r.instructions;
    rec[at] = seq + 1;
  }

  /** Total records written so far. */
  get written(): number {
    return Atomics.load(this.head, 0);
  }

  /** Records with seq in [from, written), oldest first, skipping any overwritten or still being written. */
  read(from: number): SliceRecord[] {
    const end = this.written;
    const out: SliceRecord[] = [];
    for (let seq = Math.max(from, end - this.capacity); seq < end; seq++) {
      const at = (seq & (this.capacity - 1)) * RECORD;
      const rec = this.records;
      if (rec[at] !== seq + 1) continue;
      const r: SliceRecord = {
        seq,
        pcpu: rec[at + 1],
        vcpu: rec[at + 2],
        vm: rec[at + 3],
        start: rec[at + 4],
        end: rec[at + 5],
        why: rec[at + 6],
        instructions: rec[at + 7],
      };
      if (rec[at] === seq + 1) out.push(r);
    }
    return out;
  }
}
