// Node worker entry for plic.test.ts's multi-thread test: a view of one
// shared PLIC that either drives device lines (the VMM's role) or claims and
// completes on one context (a vCPU's role), recording what it sees into a
// shared Int32Array the test then checks. Not part of the hypervisor.
import { parentPort } from 'node:worker_threads';
import { MIP, type InterruptSink } from './interrupts';
import { Plic } from './plic';

/** Int32 word offsets into `PlicStressJob.stats`, chosen by the test. */
export interface PlicStressOffsets {
  /** Workers add 1 when ready, then sleep on `start` until the test sets it. */
  ready: number;
  start: number;
  /** Set by the test once the device workers are done: claimers finish. */
  stop: number;
  /** Successful claims, all contexts. */
  claims: number;
  /** A claim of a source its context does not enable. */
  badEnable: number;
  /** A claim of a source whose line was low for the whole claim. */
  badStale: number;
  /** A source claimed while another context still held it. */
  badOwner: number;
  /** The sink told the same level twice in a row for one context. */
  badEdge: number;
  /** Per source s: raises before each rise, lowers after each fall, owner context + 1. */
  raises: number;
  lowers: number;
  owner: number;
  /** Per context c at edges + 3c: rising edges, falling edges, last level told. */
  edges: number;
}

export interface PlicStressJob {
  harts: number;
  ndev: number;
  plic: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  at: PlicStressOffsets;
  role:
    | { kind: 'device'; sources: number[]; rounds: number; leaveHigh: number[] }
    | { kind: 'hart'; context: number; enabled: number[] };
}

export interface PlicStressDone {
  kind: 'done';
  operations: number;
}

/** Counts edges per context; the PLIC calls it under its lock, so order is preserved. */
function recordingSink(stats: Int32Array, at: PlicStressOffsets): InterruptSink {
  return {
    setPending(hart, bit, level) {
      const base = at.edges + 3 * (2 * hart + (bit === MIP.SEIP ? 1 : 0));
      const l = level ? 1 : 0;
      Atomics.add(stats, base + 1 - l, 1);
      if (Atomics.exchange(stats, base + 2, l) === l) Atomics.add(stats, at.badEdge, 1);
    },
  };
}

function runDevice(plic: Plic, stats: Int32Array, at: PlicStressOffsets, job: PlicStressJob) {
  if (job.role.kind !== 'device') return 0;
  const { sources, rounds, leaveHigh } = job.role;
  const lines = sources.map((s) => plic.irqLine(s));
  let operations = 0;
  for (let r = 0; r < rounds; r++) {
    // Rising edges announced before, falling edges after, the line change.
    for (let i = 0; i < sources.length; i++) {
      Atomics.add(stats, at.raises + sources[i], 1);
      lines[i].set(true);
    }
    for (let i = sources.length - 1; i >= 0; i--) {
      lines[i].set(false);
      Atomics.add(stats, at.lowers + sources[i], 1);
    }
    operations += 2 * sources.length;
  }
  for (const s of leaveHigh) {
    Atomics.add(stats, at.raises + s, 1);
    plic.setLevel(s, true);
  }
  return operations;
}

function runHart(plic: Plic, stats: Int32Array, at: PlicStressOffsets, job: PlicStressJob) {
  if (job.role.kind !== 'hart') return 0;
  const { context, enabled } = job.role;
  const claimReg = 0x20_0000 + 0x1000 * context + 4;
  const isEnabled = new Uint8Array(job.ndev + 1);
  for (const s of enabled) isEnabled[s] = 1;
  const lowersBefore = new Int32Array(job.ndev + 1);
  let operations = 0;
  while (Atomics.load(stats, at.stop) === 0) {
    for (const s of enabled) lowersBefore[s] = Atomics.load(stats, at.lowers + s);
    const src = plic.read(claimReg, 4);
    operations++;
    if (src === 0) continue;
    Atomics.add(stats, at.claims, 1);
    if (!isEnabled[src]) {
      Atomics.add(stats, at.badEnable, 1);
      continue;
    }
    // Held from the claim to just before completion (the handler's span).
    const owned = Atomics.compareExchange(stats, at.owner + src, 0, context + 1) === 0;
    if (!owned) Atomics.add(stats, at.badOwner, 1);
    // The line was high at the claim only if some rise was announced before
    // the claim ended and not yet followed by its fall when the claim began.
    if (Atomics.load(stats, at.raises + src) <= lowersBefore[src]) {
      Atomics.add(stats, at.badStale, 1);
    }
    if (owned) Atomics.store(stats, at.owner + src, 0);
    plic.write(claimReg, src, 4);
    operations++;
  }
  return operations;
}

if (parentPort) {
  const port = parentPort;
  port.once('message', (job: PlicStressJob) => {
    const stats = new Int32Array(job.stats);
    const { at } = job;
    const plic = new Plic({
      harts: job.harts,
      ndev: job.ndev,
      shared: job.plic,
      sink: recordingSink(stats, at),
    });
    Atomics.add(stats, at.ready, 1);
    Atomics.notify(stats, at.ready);
    while (Atomics.load(stats, at.start) === 0) Atomics.wait(stats, at.start, 0, 100);
    const operations =
      job.role.kind === 'device' ? runDevice(plic, stats, at, job) : runHart(plic, stats, at, job);
    port.postMessage({ kind: 'done', operations } satisfies PlicStressDone);
  });
}
