import { emptyJobInfo, type MigrationJobInfo } from './job-info';
import { MIGRATION_PROTOCOL, type MigrationMessage } from './messages';
import { PAGE_BYTES, PageBatch } from './page-batch';
import type { MigrationParams } from './params';
import type { SourceHostPort } from './ports';
import type { MigrationTransport } from './transport';

/** How long the source waits for the destination's answer to begin, and for "running" after switch-over. */
const ANSWER_TIMEOUT_MS = 30_000;
/** How often begin is repeated while no destination answered. */
const BEGIN_RESEND_MS = 250;

/** The job was cancelled (domjobabort) or failed; the source is running again. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    readonly code: 'cancelled' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The outgoing side of a live migration (libvirt's qemuMigrationSrc*,
 * QEMU's migration_thread with the RAM pre-copy of migration/ram.c):
 *
 * 1. begin: the destination checks it can take the domain;
 * 2. dirty logging starts, round 0 sends every backed page;
 * 3. each next round sends the pages dirtied during the previous one,
 *    until the rest can be sent within the max downtime at the bandwidth
 *    measured over the last round (or after maxIterations rounds);
 *    auto-converge throttles the vCPUs when rounds do not shrink;
 * 4. stop-and-copy: the VM is paused, its devices frozen and captured, the
 *    last dirty pages and the device state sent; the destination restores
 *    and runs it and answers "running", and only then is the source's copy
 *    destroyed (libvirt's Confirm phase).
 *
 * Any failure or abort before "running" leaves the source as it was:
 * dirty logging off, throttle removed, resumed if the job paused it.
 */
export class MigrationSource {
  readonly info = emptyJobInfo('outgoing migration');
  readonly #t0 = performance.now();
  #seq = 0;
  #inflight = 0;
  #failure: MigrationError | undefined;
  #wake: (() => void) | undefined;
  #answers: MigrationMessage[] = [];
  #paused = false;
  #logging = false;
  /** Bandwidth limiter: bytes sent since #rateStart. */
  #rateStart = 0;
  #rateBytes = 0;
  /** Where the live bandwidth figure was last measured from (#measureBandwidth). */
  #bandwidthMark = { t: 0, bytes: 0 };
  #overThreshold = 0;
  /** The destination runs the domain: nothing can be undone any more. */
  #committed = false;
  /** The device state went out: from here on the destination may be running the domain. */
  #handedOver = false;
  /** The destination said it failed or cancelled (it does not run the domain). */
  #peerAnswered = false;

  constructor(
    readonly host: SourceHostPort,
    readonly transport: MigrationTransport,
    readonly params: MigrationParams,
    readonly begin: { name: string; domainXml: string; memoryMiB: number; paused?: boolean },
  ) {
    this.info.memTotal = this.info.dataTotal = host.pages * PAGE_BYTES;
    transport.onMessage((m) => this.#onMessage(m));
  }

  /** migrate-setspeed during the job (MiB/s, 0 = unlimited). */
  setSpeed(mibs: number): void {
    this.params.bandwidthMiBs = mibs;
    this.#rateStart = performance.now();
    this.#bandwidthMark = { t: this.#rateStart, bytes: this.info.memProcessed };
    this.#rateBytes = 0;
  }

  /** migrate-setmaxdowntime during the job. */
  setMaxDowntime(ms: number): void {
    this.params.maxDowntimeMs = ms;
  }

  /** domjobabort: the job stops at its next step, the source keeps running. */
  abort(): void {
    // Once the device state went out the destination is starting the domain: too late (libvirt
    // cannot abort its Finish phase either).
    if (this.#handedOver) return;
    this.#fail(new MigrationError('cancelled', 'migration job: canceled by client'), true);
  }

  /** Runs the job; resolves with the final job info, rejects with a MigrationError. */
  async run(): Promise<MigrationJobInfo> {
    try {
      await this.#run();
      this.info.type = 'completed';
      this.#tick();
      return this.info;
    } catch (error) {
      let failure =
        this.#failure ??
        new MigrationError('failed', `migration failed: ${(error as Error).message}`);
      this.#fail(failure, true);
      this.#rollback();
      if (this.#paused) {
        failure = new MigrationError(
          failure.code,
          `${failure.message}; the destination may be running the domain, so it stays paused here`,
        );
        this.#failure = failure;
      }
      this.info.type = failure.code;
      this.info.error = failure.message;
      this.#tick();
      throw failure;
    }
  }

  async #run(): Promise<void> {
    const { host, params } = this;
    const begin = () =>
      this.transport.send({
        kind: 'begin',
        protocol: MIGRATION_PROTOCOL,
        domainXml: this.begin.domainXml,
        name: this.begin.name,
        memoryMiB: this.begin.memoryMiB,
        pageSize: PAGE_BYTES,
      });
    // A BroadcastChannel drops what is sent before the other tab listens: say it again until answered.
    begin();
    const again = setInterval(begin, BEGIN_RESEND_MS);
    try {
      await this.#answer('ready');
    } finally {
      clearInterval(again);
    }
    host.startDirtyLog();
    this.#logging = true;
    this.info.setupTimeMs = performance.now() - this.#t0;
    this.#rateStart = performance.now();
    this.#bandwidthMark = { t: this.#rateStart, bytes: this.info.memProcessed };

    const stopAt = performance.now();
    if (!params.live) {
      await host.pause();
      this.#paused = true;
    }
    // Round 0: everything the guest has touched; then the pages dirtied meanwhile.
    let pending = host.backedPages();
    this.info.memRemaining = pending.length * PAGE_BYTES;
    while (params.live) {
      const round = this.info.iteration;
      const start = performance.now();
      const sentBefore = this.info.memProcessed;
      await this.#sendPages(pending, round);
      await this.#drain();
      const seconds = Math.max((performance.now() - start) / 1000, 1e-3);
      const sent = this.info.memProcessed - sentBefore;
      const dirty = host.collectDirtyLog();
      this.info.iteration = round + 1;
      this.info.memBps = sent / seconds;
      this.info.dirtyRate = dirty.length / seconds;
      this.info.memRemaining = this.info.dataRemaining = dirty.length * PAGE_BYTES;
      this.info.expectedDowntimeMs = this.#timeToSend(dirty.length * PAGE_BYTES);
      const stats = {
        round,
        pages: pending.length,
        dirtyPages: dirty.length,
        throttle: this.info.autoConvergeThrottle,
      };
      this.info.rounds.push({ ...stats, ms: seconds * 1000 });
      this.transport.send({ kind: 'round-stats', ...stats });
      this.#tick();
      pending = dirty;
      if (this.info.expectedDowntimeMs <= params.maxDowntimeMs) break;
      if (this.info.iteration >= params.maxIterations) break;
      if (params.autoConverge) this.#maybeThrottle(dirty.length * PAGE_BYTES, sent);
    }

    // Stop and copy.
    const pausedAt = params.live ? performance.now() : stopAt;
    if (params.live) await host.pause();
    this.#paused = true;
    this.#check();
    const state = await host.capture(); // devices frozen: no DMA after this point
    const last = host.collectDirtyLog();
    const final = union(pending, last);
    const finalStart = performance.now();
    await this.#sendPages(final, this.info.iteration);
    this.info.rounds.push({
      round: this.info.iteration,
      final: true,
      pages: final.length,
      dirtyPages: 0,
      ms: performance.now() - finalStart,
      throttle: this.info.autoConvergeThrottle,
    });
    this.transport.send({ kind: 'device-state', state, paused: !!this.begin.paused });
    this.#handedOver = true;
    await this.#answer('running');
    this.#committed = true;
    this.info.downtimeMs = performance.now() - pausedAt;
    this.info.memRemaining = this.info.dataRemaining = 0;
    this.#logging = false;
    this.#paused = false;
    await host.destroy();
  }

  /** Sends `gfns` in batches, within the window and the bandwidth limit. */
  async #sendPages(gfns: Int32Array, round: number): Promise<void> {
    const { host, params } = this;
    const read = (gfn: number, into: Uint8Array) => host.readPage(gfn, into);
    for (let i = 0; i < gfns.length;) {
      this.#check();
      const batch = new PageBatch();
      for (; i < gfns.length && batch.length < params.batchPages; i++) {
        if (batch.add(gfns[i], read)) this.info.normalPages++;
        else this.info.constantPages++;
      }
      this.info.normalBytes = this.info.normalPages * PAGE_BYTES;
      while (this.#inflight >= params.maxInFlight) await this.#sleepUntilWoken();
      this.#check();
      this.transport.send(batch.toMessage(this.#seq++, round));
      this.#inflight++;
      const bytes = batch.wireBytes;
      this.info.memProcessed += bytes;
      this.info.dataProcessed = this.info.memProcessed;
      this.info.memRemaining = this.info.dataRemaining = Math.max(
        0,
        (gfns.length - i) * PAGE_BYTES,
      );
      this.#measureBandwidth();
      this.#tick();
      await this.#limitRate(bytes);
    }
  }

  /**
   * The memory bandwidth figure, live: bytes sent over the last ≥100 ms
   * (QEMU's migration_update_counters, every BUFFER_DELAY), so domjobinfo
   * shows it during a long first round too; each round's end sets the
   * round's average.
   */
  #measureBandwidth(): void {
    const now = performance.now();
    const mark = this.#bandwidthMark;
    if (now - mark.t < 100) return;
    this.info.memBps = (this.info.memProcessed - mark.bytes) / ((now - mark.t) / 1000);
    this.#bandwidthMark = { t: now, bytes: this.info.memProcessed };
  }

  /** Waits until every batch sent was acknowledged. */
  async #drain(): Promise<void> {
    while (this.#inflight > 0) await this.#sleepUntilWoken();
    this.#check();
  }

  /** migrate-setspeed: sleeps so the bytes sent since the rate started average at most the limit. */
  async #limitRate(bytes: number): Promise<void> {
    this.#rateBytes += bytes;
    const limit = this.params.bandwidthMiBs * 1024 * 1024;
    if (!limit) return;
    const due = this.#rateStart + (this.#rateBytes / limit) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** ms to send `bytes` at the measured bandwidth (capped by the limit). */
  #timeToSend(bytes: number): number {
    const limit = this.params.bandwidthMiBs * 1024 * 1024;
    const bps = limit ? Math.min(limit, this.info.memBps) : this.info.memBps;
    return bps > 0 ? (bytes / bps) * 1000 : Infinity;
  }

  /**
   * Auto-converge (migration/ram.c migration_trigger_throttle): a round that
   * dirtied more than the threshold of what it sent counts; two in a row
   * throttle the vCPUs, 20 % first, then 10 % more each time, up to 99 %.
   */
  #maybeThrottle(dirtiedBytes: number, sentBytes: number): void {
    const p = this.params;
    if (dirtiedBytes * 100 <= sentBytes * p.throttleTriggerThreshold) {
      this.#overThreshold = 0;
      return;
    }
    if (++this.#overThreshold < 2) return;
    this.#overThreshold = 0;
    const now = this.info.autoConvergeThrottle;
    const next = Math.min(p.throttleMax, now ? now + p.throttleIncrement : p.throttleInitial);
    if (next === now) return;
    this.info.autoConvergeThrottle = next;
    this.host.throttle(next);
  }

  #onMessage(m: MigrationMessage): void {
    switch (m.kind) {
      case 'ack':
        this.#inflight--;
        break;
      case 'abort':
        this.#peerAnswered = true;
        this.#fail(new MigrationError('cancelled', 'migration job: canceled by the destination'));
        break;
      case 'error':
        if (!m.lost) this.#peerAnswered = true;
        this.#fail(
          new MigrationError('failed', `migration failed on the destination: ${m.message}`),
        );
        break;
      default:
        this.#answers.push(m);
    }
    this.#wake?.();
  }

  /** Waits for a message of `kind` from the destination (or the job's end). */
  async #answer(kind: 'ready' | 'running'): Promise<void> {
    const deadline = performance.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      this.#check();
      const i = this.#answers.findIndex((m) => m.kind === kind);
      if (i >= 0) {
        this.#answers.splice(i, 1);
        return;
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new MigrationError(
          'failed',
          `migration failed: the destination did not answer '${kind}'`,
        );
      await this.#sleepUntilWoken(left);
    }
  }

  #sleepUntilWoken(timeoutMs = 1000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Records the first failure; tells the destination when it is ours. */
  #fail(failure: MigrationError, tellPeer = false): void {
    if (this.#failure || this.#committed || this.info.type !== 'unbounded') return;
    this.#failure = failure;
    if (tellPeer) {
      try {
        this.transport.send(
          failure.code === 'cancelled'
            ? { kind: 'abort' }
            : { kind: 'error', message: failure.message },
        );
      } catch {
        // the transport is gone: the destination discards on its own
      }
    }
    this.#wake?.();
  }

  /**
   * Puts the source back as it was before the job. Each step is tried on
   * its own: a VM destroyed meanwhile makes them fail, and that must not
   * hide the job's own failure.
   */
  #rollback(): void {
    const attempt = (step: () => void) => {
      try {
        step();
      } catch {
        // the VM is gone
      }
    };
    if (this.#logging) attempt(() => this.host.stopDirtyLog());
    this.#logging = false;
    if (this.info.autoConvergeThrottle) attempt(() => this.host.throttle(0));
    // After the hand-over, only the destination's own answer proves it does not run the domain;
    // without one the source stays paused (libvirt leaves it paused too): never two copies running.
    if (this.#paused && (!this.#handedOver || this.#peerAnswered)) {
      attempt(() => this.host.resume());
      this.#paused = false;
    }
  }

  #tick(): void {
    this.info.timeElapsedMs = performance.now() - this.#t0;
  }
}

/** Sorted union of two ascending gfn lists. */
function union(a: Int32Array, b: Int32Array): Int32Array {
  return Int32Array.from(new Set([...a, ...b])).sort();
}
