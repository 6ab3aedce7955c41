import { JIT_FRAMES } from '../cpu/jit/jit-engine';
import { JIT_STATS } from '../cpu/jit/jit-stats';
import type { SharedPageModule } from '../cpu/jit/module-exchange';
import { FramePool } from '../memory/frame-pool';
import { HostMemory, PAGE_SIZE } from '../memory/host-memory';
import { DirtyLog } from '../memory/dirty-log';
import { P2M, P2m } from '../memory/p2m';
import { VIRT } from '../board/virt-board';
import type {
  KsmdCommand,
  KsmdReport,
  PcpuCommand,
  PcpuReport,
  VmmCommand,
  VmmReport,
} from '../protocol';
import { KSM, KsmState, createKsmState } from '../ksm/ksm-state';
import { ByteRing } from '../vm/byte-ring';
import { loadGuest, validateConfig, type MachineConfig, type StopReason } from '../vm/boot';
import { hostNow } from './clock';
import { MB } from './mmio-mailbox';
import { H, MAX_PCPUS, P, PCPU_STATE, PF, SchedState, V, VCPU_STATE } from './sched-state';
import { VcpuScheduler } from './scheduler';
import { TraceRing } from './trace-ring';
import {
  BAL,
  MEM_STAT,
  STOP_CODE,
  VMC,
  allocVmShared,
  requestStop,
  type VmShared,
} from './vm-shared';
import { F, HartState, HART_STATE_BYTES, S } from '../cpu/hart-state';
import {
  MACHINE_STATE_VERSION,
  type FrameSnapshot,
  type MachineState,
  type VmmDeviceState,
} from '../vm/machine-state';
import type { CpuEngine } from '../vm/boot';
import { Shootdown } from './shootdown';
import {
  forEachPage,
  machineStateProblem,
  mapFrames,
  releaseFrames,
  snapshotFrames,
} from './vm-snapshot';
import { HSM_STATE } from '../sbi/sbi';

/** A worker as its starter sees it, whatever the platform. */
export interface WorkerLink<In, Out> {
  post(message: In): void;
  onMessage(handler: (message: Out) => void): void;
  /** The script failed to load or threw. */
  onError(handler: (message: string) => void): void;
  terminate(): void;
}

/** How the host starts threads: Web Workers in browsers, worker_threads in Node. */
export interface HostPlatform {
  spawnPcpu(index: number): WorkerLink<PcpuCommand, PcpuReport>;
  spawnVmm(name: string): WorkerLink<VmmCommand, VmmReport>;
  spawnKsmd(): WorkerLink<KsmdCommand, KsmdReport>;
}

export interface HostOptions {
  /** pCPU workers (default: hardwareConcurrency − 1, at least 1). */
  pcpus: number;
  /** Host RAM shared by all VMs, MiB. */
  ramMiB: number;
  /**
   * Host memory each running VM costs besides its guest RAM (its VMM
   * worker), MiB: reserved from host RAM while it runs. Default
   * VM_OVERHEAD_MIB.
   */
  vmOverheadMiB?: number;
}

/**
 * What a running VM costs the host besides its guest RAM: mostly its VMM
 * worker (a JavaScript isolate with the device models), measured at 17.4
 * MiB per VM in Node 20 (8 idle 32 MiB guests: process RSS minus guest
 * frames). Reserved from host RAM, so many small VMs cannot promise more
 * memory than the host has (ARCHITECTURE.md, "Limits and isolation").
 */
export const VM_OVERHEAD_MIB = 18;

export type HostEvent =
  | { kind: 'console'; vm: number; bytes: Uint8Array }
  /** The VM paused itself: the host has no free frame for its RAM. */
  | { kind: 'paused-nomem'; vm: number }
  | { kind: 'stopped'; vm: number; reason: StopReason };

/** Typed host errors (the control API maps them onto its own). */
export class HostError extends Error {
  override name = 'HostError';
  constructor(
    readonly code: 'out-of-resources' | 'invalid-argument' | 'invalid-state',
    message: string,
  ) {
    super(message);
  }
}

interface VmRuntime {
  shared: VmShared;
  p2m: P2m;
  dirty: DirtyLog;
  control: Int32Array;
  vmm?: WorkerLink<VmmCommand, VmmReport>;
  /** Resolves when the VMM worker reported 'exited' (its console output is all delivered by then). */
  vmmExited?: Promise<void>;
  started: boolean;
  stopping?: Promise<StopReason>;
  /** Why a host-side failure stopped it. */
  failure?: string;
  /** Frames reserved for the VM's overhead (never mapped, never touched). */
  reserved: number[];
  /** A restored VM's device state, handed to its VMM at start. */
  restoredDevices?: VmmDeviceState;
  /** Save requests waiting for the VMM's device state, by SAVE_REQ sequence. */
  saveWaiters?: Map<number, { resolve: (d: VmmDeviceState) => void; reject: (e: Error) => void }>;
  /** Settles once a restored VM's VMM loaded its devices (or failed to). */
  loaded?: Promise<void>;
}

/**
 * The kernel side of the host (KVM's role, plus the process management a
 * host OS does for QEMU): host RAM and its frames, the pCPU pool and its
 * run queues, the VMs' shared state, and one VMM worker per running VM.
 * Lives in the control worker (or a Node thread); never touches the DOM.
 */
export class Host {
  readonly mem: HostMemory;
  readonly frames: FramePool;
  readonly sched = new SchedState();
  readonly scheduler = new VcpuScheduler(this.sched);
  readonly trace = TraceRing.create(8192);
  readonly pcpus: WorkerLink<PcpuCommand, PcpuReport>[] = [];
  /** ksmd's knobs and statistics (ksm/ksm-state.ts). */
  readonly ksm = new KsmState(createKsmState());
  readonly ksmd: WorkerLink<KsmdCommand, KsmdReport>;
  /** Why ksmd stopped, if it failed (the VMs go on without merging). */
  ksmdFailure?: string;
  readonly #vms = new Map<number, VmRuntime>();
  /** JIT telemetry of every pCPU (cpu/jit/jit-stats.ts). */
  readonly jitStats = new SharedArrayBuffer(MAX_PCPUS * JIT_STATS.WORDS * 8);
  /** Frames at the top of host RAM kept out of the pool for the pCPUs' JITs. */
  readonly #jitReserved: number;
  #nextVm = 0;

  constructor(
    readonly options: HostOptions,
    readonly platform: HostPlatform,
    readonly emit: (event: HostEvent) => void,
  ) {
    if (!Number.isInteger(options.pcpus) || options.pcpus < 1 || options.pcpus > MAX_PCPUS) {
      throw new HostError(
        'invalid-argument',
        `pCPU count must be 1 to ${MAX_PCPUS}, got ${options.pcpus}`,
      );
    }
    // Above guest RAM, JIT_FRAMES frames per pCPU for its JIT (cpu/jit/jit-engine.ts), whole wasm pages.
    const jitBytes = Math.ceil((options.pcpus * JIT_FRAMES * PAGE_SIZE) / 65536) * 65536;
    this.mem = HostMemory.create((options.ramMiB << 20) + jitBytes);
    this.#jitReserved = jitBytes / PAGE_SIZE;
    this.frames = new FramePool(this.mem, FramePool.create(this.mem, this.#jitReserved));
    Atomics.store(this.sched.header, H.NPCPU, options.pcpus);
    const now = hostNow();
    for (let p = 0; p < options.pcpus; p++) {
      this.sched.pcpu(p)[P.CURRENT] = -1;
      this.sched.pcpu(p)[P.STATE] = PCPU_STATE.PICKING;
      this.sched.pcpuF(p)[PF.SINCE] = now;
      this.#startPcpu(p);
    }
    this.ksmd = platform.spawnKsmd();
    this.ksmd.onMessage((report) => {
      if (report.kind === 'error') this.ksmdFailure = report.message;
    });
    this.ksmd.onError((message) => (this.ksmdFailure = message));
    this.#spawnSpare();
    this.ksmd.post({
      kind: 'init',
      ksm: this.ksm.sab,
      ram: this.mem.sab,
      framePool: this.frames.sab,
      sched: this.sched.sab,
    });
  }

  /**
   * A VMM worker started ahead of need: a worker takes tens of ms to start
   * (hundreds on a loaded machine), which would be most of the time a VM
   * restored from a snapshot takes to come up. It sleeps until a VM takes
   * it, and the next spare is started once one is taken.
   */
  #spare?: { link: WorkerLink<VmmCommand, VmmReport>; failed: boolean };

  #spawnSpare(): void {
    if (this.#spare || this.#shutdown) return;
    const spare = { link: this.platform.spawnVmm('spare'), failed: false };
    spare.link.onError(() => (spare.failed = true));
    this.#spare = spare;
  }

  #takeVmm(name: string): WorkerLink<VmmCommand, VmmReport> {
    const spare = this.#spare;
    this.#spare = undefined;
    setTimeout(() => this.#spawnSpare(), 50);
    if (spare && !spare.failed) return spare.link;
    spare?.link.terminate();
    return this.platform.spawnVmm(name);
  }

  #shutdown = false;

  /** Set when a pCPU worker failed (could not load, or crashed): no VM can start. */
  pcpuFailure: string | undefined;
  readonly #online = new Set<number>();
  readonly #onlineWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Resolves once every pCPU worker is up; rejects when one failed to load. */
  pcpusOnline(): Promise<void> {
    if (this.pcpuFailure) return Promise.reject(new Error(this.pcpuFailure));
    if (this.#online.size === this.options.pcpus) return Promise.resolve();
    return new Promise((resolve, reject) => this.#onlineWaiters.push({ resolve, reject }));
  }

  #startPcpu(p: number): void {
    const link = this.platform.spawnPcpu(p);
    link.onMessage((report) => {
      if (report.kind === 'online') {
        this.#online.add(p);
        if (this.#online.size === this.options.pcpus)
          for (const w of this.#onlineWaiters.splice(0)) w.resolve();
        return;
      }
      this.#onPcpuReport(report);
    });
    link.onError((message) => {
      this.pcpuFailure = `pCPU worker failed (pCPU ${p}): ${message}`;
      for (const w of this.#onlineWaiters.splice(0)) w.reject(new Error(this.pcpuFailure));
      for (const vm of this.#vms.keys()) this.#fail(vm, `pCPU ${p} failed: ${message}`);
    });
    link.post({
      kind: 'init',
      pcpu: p,
      sched: this.sched.sab,
      ram: this.mem.sab,
      ramMemory: this.mem.wasm,
      jitStats: this.jitStats,
      jitFrames: Array.from(
        { length: JIT_FRAMES },
        (_, k) => this.mem.frames - this.#jitReserved + p * JIT_FRAMES + k,
      ),
      trace: this.trace.sab,
    });
    this.pcpus.push(link);
  }

  #onPcpuReport(report: PcpuReport): void {
    switch (report.kind) {
      case 'vm-stop':
        void this.#reap(report.vm);
        break;
      case 'vm-nomem':
        this.emit({ kind: 'paused-nomem', vm: report.vm });
        break;
      case 'vm-error':
        this.#fail(report.vm, report.message);
        break;
      case 'jit-module':
        this.#relayJitModule(report.pcpu, report.module);
        break;
      default:
        break;
    }
  }

  /** Modules waiting to be relayed to each pCPU (cpu/jit/module-exchange.ts). */
  readonly #jitOutbox = new Map<number, SharedPageModule[]>();
  #jitRelayTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Relays a page module one pCPU compiled to the others, in batches of up
   * to JIT_RELAY_MS: a pCPU reads messages only between slices, when
   * CONFIG_GEN moved, and each read costs it a turn of its event loop.
   */
  #relayJitModule(from: number, module: SharedPageModule): void {
    if (this.pcpus.length < 2) return;
    this.pcpus.forEach((_, p) => {
      if (p === from) return;
      const list = this.#jitOutbox.get(p) ?? [];
      list.push(module);
      this.#jitOutbox.set(p, list);
    });
    this.#jitRelayTimer ??= setTimeout(() => {
      this.#jitRelayTimer = undefined;
      for (const [p, modules] of this.#jitOutbox)
        this.pcpus[p]?.post({ kind: 'jit-modules', modules });
      this.#jitOutbox.clear();
      Atomics.add(this.sched.header, H.CONFIG_GEN, 1);
    }, JIT_RELAY_MS);
  }

  get pcpuCount(): number {
    return this.pcpus.length;
  }

  /** Creates a VM (shut off): memory, vCPU slots, shared state, guest loaded. */
  createVm(name: string, config: MachineConfig): VmShared {
    try {
      validateConfig(config);
    } catch (error) {
      throw new HostError('invalid-argument', (error as Error).message);
    }
    return this.#buildVm(
      name,
      {
        harts: config.harts,
        memoryMiB: config.memoryMiB,
        sbi: config.kernel !== undefined,
        engine: config.engine ?? 'interpreter',
        mergeable: config.mergeable !== false,
        genid: config.genid,
        balloon:
          config.kernel !== undefined && config.balloon !== false
            ? {
                deflateOnOom: config.balloon?.deflateOnOom ?? false,
                freePageReporting: config.balloon?.freePageReporting ?? false,
              }
            : undefined,
      },
      (shared, p2m, states) => {
        const loaded = loadGuest(config, this.mem, p2m, states);
        if (loaded.htif) shared.htif = loaded.htif;
      },
    );
  }

  /**
   * Builds a VM from a saved machine (virsh restore, snapshot-revert, a
   * clone, the destination of a migration), shut off until startVm:
   * checks the state, allocates as createVm does, copies harts, irqchip and
   * balloon words, lets `populate` put the RAM in place (writeGuestPage /
   * mapSnapshotFrames through the given p2m), and sets the VM's clock so
   * its mtime continues from the saved value. The VMM loads the devices'
   * state at startVm. Nothing is left behind when anything fails.
   */
  restoreVm(
    name: string,
    state: MachineState,
    options: { mergeable?: boolean; engine?: CpuEngine; genid?: Uint8Array },
    populate: (p2m: P2m) => void,
  ): VmShared {
    const problem = machineStateProblem(state);
    if (problem) throw new HostError('invalid-argument', `cannot restore: ${problem}`);
    const shared = this.#buildVm(
      name,
      {
        harts: state.harts,
        memoryMiB: state.memoryMiB,
        sbi: state.sbi,
        engine: options.engine ?? state.engine,
        mergeable: options.mergeable !== false,
        genid: options.genid,
        balloon: state.balloon
          ? {
              deflateOnOom: state.balloon.deflateOnOom,
              freePageReporting: state.balloon.freePageReporting,
            }
          : undefined,
        restoring: true,
      },
      (sh, p2m) => {
        new Uint8Array(sh.hartStates).set(state.hartStates);
        new Uint8Array(sh.plic).set(state.plic);
        new Uint8Array(sh.clint).set(state.clint);
        if (state.htif) sh.htif = { ...state.htif };
        if (sh.balloon && state.balloon) new Float64Array(sh.balloon).set(state.balloon.words);
        for (let h = 0; h < state.harts; h++) {
          // Steal time already reported is counted against the new vCPU slot's (zero) steal.
          new HartState(sh.hartStates, h * HART_STATE_BYTES).f64[F.STA_REPORTED] = 0;
        }
        populate(p2m);
        sh.epochMs = hostNow() - state.mtime / (VIRT.TIMEBASE_HZ / 1000);
      },
    );
    this.#vm(shared.vm).restoredDevices = state.devices;
    return shared;
  }

  #buildVm(
    name: string,
    spec: {
      harts: number;
      memoryMiB: number;
      sbi: boolean;
      engine: CpuEngine;
      mergeable: boolean;
      balloon?: { deflateOnOom: boolean; freePageReporting: boolean };
      restoring?: boolean;
      genid?: Uint8Array;
    },
    fill: (shared: VmShared, p2m: P2m, states: HartState[]) => void,
  ): VmShared {
    if (this.pcpuFailure) throw new HostError('invalid-state', this.pcpuFailure);
    const pages = (spec.memoryMiB << 20) / PAGE_SIZE;
    // Guest RAM is backed on first touch, so guests may together exceed host RAM (overcommit);
    // one guest larger than all of host RAM can never run.
    if (pages > this.frames.totalFrames) {
      throw new HostError(
        'out-of-resources',
        `not enough host memory: ${spec.memoryMiB} MiB wanted, the host has ${(this.frames.totalFrames * PAGE_SIZE) >> 20} MiB`,
      );
    }
    const reserved = this.#reserve();
    const now = hostNow();
    const slots: number[] = [];
    for (let h = 0; h < spec.harts; h++) {
      const slot = this.scheduler.assign(-1, h, now);
      if (slot < 0) {
        for (const s of slots) this.scheduler.release(s);
        for (const f of reserved) this.frames.release(f);
        throw new HostError('out-of-resources', 'the host has no vCPU slots left');
      }
      slots.push(slot);
    }
    const vm = this.#nextVm++;
    for (const s of slots) this.sched.vcpu(s)[V.VM] = vm;
    const shared = allocVmShared({
      ram: this.mem.sab,
      framePool: this.frames.sab,
      vm,
      name,
      harts: spec.harts,
      memoryMiB: spec.memoryMiB,
      vcpuSlots: slots,
      epochMs: now,
      sbi: spec.sbi,
      engine: spec.engine,
      balloon: spec.balloon,
    });
    if (spec.genid) shared.genid = spec.genid.slice();
    const control = new Int32Array(shared.control);
    const dirty = new DirtyLog(shared.dirty, control, VMC.LOG_DIRTY);
    let outOfMemory = false;
    const p2m = new P2m(
      VIRT.DRAM.base,
      pages,
      new Int32Array(shared.p2m),
      {
        pool: this.frames,
        counters: new Int32Array(shared.memStats),
        residentIndex: MEM_STAT.RESIDENT,
        cowIndex: MEM_STAT.COW_KSM,
        snapIndex: MEM_STAT.COW_SNAPSHOT,
        onOutOfMemory: () => (outOfMemory = true),
        shootdown: () => {}, // loading: no vCPU runs yet
      },
      dirty,
    );
    try {
      const states = slots.map((_, h) => new HartState(shared.hartStates, h * HART_STATE_BYTES));
      fill(shared, p2m, states);
      if (outOfMemory && spec.restoring)
        throw new HostError('out-of-resources', 'not enough free host memory for the saved RAM');
    } catch (error) {
      for (const s of slots) this.scheduler.release(s);
      p2m.releaseAll();
      for (const f of reserved) this.frames.release(f);
      if (error instanceof HostError) throw error;
      throw new HostError('invalid-argument', (error as Error).message);
    }
    this.#vms.set(vm, {
      shared,
      p2m,
      dirty,
      control,
      started: false,
      reserved,
    });
    for (const p of this.pcpus) p.post({ kind: 'vm-add', shared });
    if (spec.mergeable) {
      this.ksmd.post({ kind: 'vm-add', shared });
      this.ksm.kick();
    }
    Atomics.add(this.sched.header, H.CONFIG_GEN, 1);
    this.scheduler.notifyWork();
    return shared;
  }

  /** Frames per running VM reserved for its overhead. */
  get overheadFrames(): number {
    return ((this.options.vmOverheadMiB ?? VM_OVERHEAD_MIB) << 20) / PAGE_SIZE;
  }

  /** Host memory reserved for running VMs' overhead now, frames. */
  get reservedFrames(): number {
    let n = 0;
    for (const rt of this.#vms.values()) n += rt.reserved.length;
    return n;
  }

  /** Takes a new VM's overhead out of host RAM (out-of-resources if it is not there). */
  #reserve(): number[] {
    const reserved: number[] = [];
    for (let i = 0; i < this.overheadFrames; i++) {
      const frame = this.frames.alloc(false);
      if (frame < 0) {
        for (const f of reserved) this.frames.release(f);
        throw new HostError(
          'out-of-resources',
          `not enough host memory for the VM's own workers (${this.options.vmOverheadMiB ?? VM_OVERHEAD_MIB} MiB per running VM besides its RAM)`,
        );
      }
      reserved.push(frame);
    }
    return reserved;
  }

  #vm(vm: number): VmRuntime {
    const rt = this.#vms.get(vm);
    if (!rt) throw new HostError('invalid-argument', `no VM ${vm}`);
    return rt;
  }

  /**
   * Makes sure a VMM worker is loaded for the next startVm (the host keeps
   * one spare anyway, #spawnSpare): a migration's destination calls it at
   * Prepare, so loading a worker is never part of the downtime.
   */
  prewarmVmm(): void {
    this.#spawnSpare();
  }

  /**
   * Starts the VMM worker and the boot vCPUs. A restored VM's vCPUs start
   * only once its VMM loaded the saved device state; the promise rejects
   * (and the VM is gone) if that state did not load.
   */
  startVm(vm: number): Promise<void> {
    const rt = this.#vm(vm);
    if (rt.started) throw new HostError('invalid-state', 'the VM is already running');
    rt.started = true;
    const vmm = this.#takeVmm(rt.shared.name);
    rt.vmm = vmm;
    let exited = () => {};
    rt.vmmExited = new Promise((resolve) => (exited = resolve));
    const startHarts = () => {
      const now = hostNow();
      rt.shared.vcpuSlots.forEach((slot, h) => {
        const st = new HartState(rt.shared.hartStates, h * HART_STATE_BYTES);
        if (Atomics.load(st.i32, S.HSM) === HSM_STATE.STARTED) this.scheduler.start(slot, now);
      });
    };
    let loaded: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const devices = rt.restoredDevices;
    rt.restoredDevices = undefined;
    rt.loaded = devices
      ? new Promise<void>((resolve, reject) => (loaded = { resolve, reject }))
      : Promise.resolve();
    vmm.onMessage((report) => {
      switch (report.kind) {
        case 'console':
          this.emit({ kind: 'console', vm, bytes: report.bytes });
          break;
        case 'vm-stop':
          void this.#reap(vm);
          break;
        case 'exited':
          exited();
          break;
        case 'loaded':
          startHarts();
          loaded?.resolve();
          break;
        case 'load-failed':
          rt.failure = `cannot restore the devices: ${report.message}`;
          loaded?.reject(new HostError('invalid-argument', rt.failure));
          void this.#reap(vm);
          break;
        case 'device-state': {
          const waiter = rt.saveWaiters?.get(report.seq);
          rt.saveWaiters?.delete(report.seq);
          if (report.devices) waiter?.resolve(report.devices);
          else waiter?.reject(new HostError('invalid-state', report.error ?? 'no device state'));
          break;
        }
      }
    });
    vmm.onError((message) => {
      loaded?.reject(new HostError('invalid-state', `VMM worker failed: ${message}`));
      this.#fail(vm, `VMM worker failed: ${message}`);
    });
    vmm.post({ kind: 'start', shared: rt.shared, sched: this.sched.sab, devices });
    if (!devices) startHarts();
    return rt.loaded;
  }

  // ------------------------------------------------------------ save, snapshot, restore

  /**
   * Pauses the VM (if it is not) and resolves once none of its vCPUs is on
   * a pCPU: the harts' state in shared memory is then final.
   */
  async quiesceVm(vm: number): Promise<void> {
    const rt = this.#vm(vm);
    this.pauseVm(vm);
    this.scheduler.notifyWork();
    while (rt.shared.vcpuSlots.some((s) => this.scheduler.isRunning(s))) {
      if (rt.stopping) throw new HostError('invalid-state', 'the VM stopped');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Captures a quiesced VM's machine state (QEMU's savevm device sections):
   * freezes its VMM's devices, which stay frozen until thawVm, so the
   * guest memory the caller copies next belongs to the same instant.
   */
  async captureMachine(vm: number): Promise<MachineState> {
    const rt = this.#vm(vm);
    if (!rt.started || !rt.vmm) throw new HostError('invalid-state', 'the VM is not running');
    if (!Atomics.load(rt.control, VMC.PAUSED))
      throw new HostError('invalid-state', 'the VM is not paused');
    if (rt.shared.vcpuSlots.some((s) => this.scheduler.isRunning(s)))
      throw new HostError('invalid-state', 'a vCPU of the VM is still running');
    await rt.loaded;
    const mb = new Int32Array(rt.shared.mailbox);
    // Odd: frozen (host/vmm.ts); only this thread writes SAVE_REQ. A capture while already
    // frozen asks again with the next odd number.
    const current = Atomics.load(mb, MB.SAVE_REQ);
    const want = current + ((current & 1) === 1 ? 2 : 1);
    Atomics.store(mb, MB.SAVE_REQ, want);
    rt.saveWaiters ??= new Map();
    const devices = new Promise<VmmDeviceState>((resolve, reject) => {
      rt.saveWaiters!.set(want, { resolve, reject });
      rt.stopping?.then(() => reject(new HostError('invalid-state', 'the VM stopped')));
    });
    Atomics.add(mb, MB.DOORBELL, 1);
    Atomics.notify(mb, MB.DOORBELL);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HostError('invalid-state', 'the VMM did not answer the save request')),
        10_000,
      );
    });
    const state = await Promise.race([devices, timeout]).finally(() => clearTimeout(timer));
    const bal = rt.shared.balloon;
    return {
      version: MACHINE_STATE_VERSION,
      harts: rt.shared.harts,
      memoryMiB: rt.shared.memoryMiB,
      sbi: rt.shared.sbi,
      engine: rt.shared.engine,
      ...(rt.shared.htif ? { htif: { ...rt.shared.htif } } : {}),
      // The VM's clock as its vCPUs read it (vm-view.ts), frozen here and continued on restore.
      mtime: Math.floor((hostNow() - rt.shared.epochMs) * (VIRT.TIMEBASE_HZ / 1000)),
      // Private copies (a typed array's slice gets an ArrayBuffer; SharedArrayBuffer.slice would be
      // shared again, and a shared buffer cannot leave its agent cluster: a BroadcastChannel to
      // another tab drops the message with messageerror).
      hartStates: new Uint8Array(rt.shared.hartStates).slice(),
      plic: new Uint8Array(rt.shared.plic).slice(),
      clint: new Uint8Array(rt.shared.clint).slice(),
      ...(bal
        ? {
            balloon: {
              deflateOnOom: !!rt.shared.balloonDeflateOnOom,
              freePageReporting: !!rt.shared.balloonFreePageReporting,
              words: Array.from(new Float64Array(bal)),
            },
          }
        : {}),
      devices: state,
    };
  }

  /** Lets a captured VM's devices run again (the VM itself stays paused until resumeVm). */
  thawVm(vm: number): void {
    const rt = this.#vm(vm);
    const mb = new Int32Array(rt.shared.mailbox);
    if ((Atomics.load(mb, MB.SAVE_REQ) & 1) === 0) return;
    Atomics.add(mb, MB.SAVE_REQ, 1);
    Atomics.add(mb, MB.DOORBELL, 1);
    Atomics.notify(mb, MB.DOORBELL);
  }

  /** Calls `fn` with each backed page of a quiesced VM (gfn, a view of its frame; copy what you keep). */
  forEachGuestPage(vm: number, fn: (gfn: number, bytes: Uint8Array) => void): void {
    forEachPage(this.#vm(vm).p2m, this.frames, fn);
  }

  /**
   * A copy-on-write snapshot of a quiesced VM's RAM (snapshot-create): the
   * returned frames are held until releaseSnapshotFrames, and the VM's
   * TLBs are flushed before it runs again.
   */
  snapshotMemory(vm: number): FrameSnapshot {
    const rt = this.#vm(vm);
    const snap = snapshotFrames(rt.p2m, this.frames);
    new Shootdown(rt.shared, this.sched).run();
    return snap;
  }

  releaseSnapshotFrames(snap: FrameSnapshot): void {
    releaseFrames(this.frames, snap);
  }

  /** For restoreVm's populate: shares a snapshot's frames copy-on-write with the new VM. */
  mapSnapshotFrames(p2m: P2m, snap: FrameSnapshot): void {
    mapFrames(p2m, this.frames, snap, p2m.backing!.counters);
  }

  pauseVm(vm: number): void {
    const rt = this.#vm(vm);
    Atomics.store(rt.control, VMC.PAUSED, 1);
    for (const s of rt.shared.vcpuSlots) this.scheduler.setPaused(s, true, hostNow());
  }

  resumeVm(vm: number): void {
    const rt = this.#vm(vm);
    Atomics.store(rt.control, VMC.NOMEM, 0); // a memory pause ends too; the access is retried
    Atomics.store(rt.control, VMC.PAUSED, 0);
    for (const s of rt.shared.vcpuSlots) this.scheduler.setPaused(s, false, hostNow());
  }

  /** Stops a VM from the host side (virsh destroy) and frees it. */
  destroyVm(vm: number): Promise<StopReason> {
    const rt = this.#vm(vm);
    requestStop(rt.control, STOP_CODE.DESTROYED);
    return this.#reap(vm);
  }

  /**
   * Types `bytes` into the VM's serial console and wakes its VMM, all or
   * nothing: returns false, writing nothing, when the input ring has less
   * room than that.
   */
  consoleInput(vm: number, bytes: Uint8Array): boolean {
    const rt = this.#vm(vm);
    const ring = new ByteRing(rt.shared.consoleIn);
    if (ring.free < bytes.length) return false;
    ring.write(bytes);
    const mb = new Int32Array(rt.shared.mailbox);
    Atomics.add(mb, MB.DOORBELL, 1);
    Atomics.notify(mb, MB.DOORBELL);
    return true;
  }

  /**
   * Sets the VM's balloon (QEMU's `balloon` command in pages, and its stats
   * polling period in s, 0 = off) and wakes its VMM to apply them.
   */
  setBalloon(vm: number, params: { targetPages?: number; periodS?: number }): void {
    const rt = this.#vm(vm);
    if (!rt.shared.balloon) throw new HostError('invalid-state', 'the VM has no balloon device');
    const bal = new Float64Array(rt.shared.balloon);
    if (params.targetPages !== undefined) bal[BAL.TARGET] = params.targetPages;
    if (params.periodS !== undefined) bal[BAL.PERIOD_S] = params.periodS;
    const mb = new Int32Array(rt.shared.mailbox);
    Atomics.add(mb, MB.DOORBELL, 1);
    Atomics.notify(mb, MB.DOORBELL);
  }

  /** Queues a guest-agent request line (e.g. "shutdown"); false if it did not fit. */
  agentRequest(vm: number, line: string): boolean {
    const rt = this.#vm(vm);
    const bytes = new TextEncoder().encode(line + '\n');
    return new ByteRing(rt.shared.agentIn).write(bytes) === bytes.length;
  }

  /** Live view of a running VM's shared state (hart states, exit counters). */
  shared(vm: number): VmShared {
    return this.#vm(vm).shared;
  }

  setVcpuParams(
    vm: number,
    vcpu: number,
    params: { shares?: number; quotaUs?: number; periodUs?: number; pinMask?: number },
  ): void {
    const rt = this.#vm(vm);
    const slot = rt.shared.vcpuSlots[vcpu];
    if (slot === undefined) throw new HostError('invalid-argument', `the VM has no vCPU ${vcpu}`);
    if (
      params.pinMask !== undefined &&
      (params.pinMask === 0 || params.pinMask >>> this.pcpuCount !== 0) &&
      params.pinMask !== -1
    ) {
      throw new HostError(
        'invalid-argument',
        `pinning mask names a pCPU this host does not have (it has ${this.pcpuCount})`,
      );
    }
    this.scheduler.setParams(slot, params);
  }

  /**
   * Starts dirty-page logging (KVM_MEM_LOG_DIRTY_PAGES on all of the VM's
   * RAM): from the return on, every page written is in the next collect.
   * Write translations made before are shot down, so the next write to any
   * page goes through the p2m's write path and marks it.
   */
  startDirtyLog(vm: number): void {
    const rt = this.#vm(vm);
    rt.dirty.setEnabled(true);
    new Shootdown(rt.shared, this.sched).run();
  }

  /**
   * The guest frames written (or unmapped) since the start or the last
   * collect, ascending (KVM_GET_DIRTY_LOG with KVM_CLEAR_DIRTY_LOG): takes
   * the bits, then shoots the VM down, so a page written after the bit was
   * taken is either already in RAM when this returns (the caller's copy has
   * it) or marked again for the next collect. Callable while the VM runs.
   */
  collectDirtyLog(vm: number): Int32Array {
    const rt = this.#vm(vm);
    if (!rt.dirty.enabled) throw new HostError('invalid-state', 'dirty-page logging is off');
    const gfns = rt.dirty.collect();
    new Shootdown(rt.shared, this.sched).run();
    return gfns;
  }

  /**
   * Copies guest frame `gfn` of a VM into `into` (4096 bytes) without
   * backing it; false when it reads as zeroes (unbacked, ballooned, or the
   * zero frame). A running VM may be writing the page meanwhile: a
   * migration reads it again after the dirty log reports it.
   */
  readGuestPage(vm: number, gfn: number, into: Uint8Array): boolean {
    const rt = this.#vm(vm);
    if (!(gfn >= 0 && gfn < rt.p2m.pages)) throw new RangeError(`no guest page ${gfn}`);
    const e = Atomics.load(rt.p2m.table, gfn);
    if (e < 0) return false;
    const frame = e & P2M.FRAME;
    if (frame === this.frames.zeroFrame) return false;
    into.set(this.mem.ram8.subarray(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE));
    return true;
  }

  /** Guest frames of a VM that hold a frame of their own now (not unbacked, not the zero frame). */
  backedGuestPages(vm: number): Int32Array {
    const out: number[] = [];
    forEachPage(this.#vm(vm).p2m, this.frames, (gfn) => out.push(gfn));
    return Int32Array.from(out);
  }

  /** Stops dirty-page logging; the bitmap is emptied. */
  stopDirtyLog(vm: number): void {
    this.#vm(vm).dirty.setEnabled(false);
  }

  #fail(vm: number, message: string): void {
    const rt = this.#vms.get(vm);
    if (!rt) return;
    rt.failure = message;
    requestStop(rt.control, STOP_CODE.ERROR);
    void this.#reap(vm);
  }

  /** Once a VM's stop word is set: wait until none of its vCPUs runs, then free everything. */
  #reap(vm: number): Promise<StopReason> {
    const rt = this.#vms.get(vm);
    if (!rt) return Promise.resolve({ kind: 'destroyed' });
    if (rt.stopping) return rt.stopping;
    rt.stopping = (async () => {
      const now = hostNow();
      for (const s of rt.shared.vcpuSlots) this.scheduler.stop(s, now);
      Atomics.add(new Int32Array(rt.shared.mailbox), MB.DOORBELL, 1);
      Atomics.notify(new Int32Array(rt.shared.mailbox), MB.DOORBELL);
      this.scheduler.notifyWork();
      // Every vCPU leaves at its next check point (µs). Its frames are never freed while one
      // still runs (they could go to another VM): a vCPU that does not stop is a host bug,
      // reported after STOP_REPORT_MS, and its VM's memory is kept until it stops.
      const since = hostNow();
      let reported = false;
      while (rt.shared.vcpuSlots.some((s) => this.scheduler.isRunning(s))) {
        if (!reported && hostNow() - since > STOP_REPORT_MS) {
          reported = true;
          rt.failure = `a vCPU did not stop within ${STOP_REPORT_MS / 1000} s; its memory was kept until it did`;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (const s of rt.shared.vcpuSlots) {
        this.scheduler.stop(s, hostNow());
        this.scheduler.release(s);
      }
      // Let the VMM answer its last exits and flush its console output first.
      if (rt.vmmExited)
        await Promise.race([rt.vmmExited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      rt.vmm?.terminate();
      for (const p of this.pcpus) p.post({ kind: 'vm-remove', vm });
      Atomics.add(this.sched.header, H.CONFIG_GEN, 1);
      this.scheduler.notifyWork();
      // The VM's references go before ksmd hears it is gone: ksmd then frees the KSM pages only
      // this VM mapped (Ksmd.removeVm prunes them). Told first, it could prune while the VM still
      // held them and keep them for good (ksmd sleeps while run is 0 or 2). ksmd, still scanning
      // the VM meanwhile, loses each compare-and-swap on an entry released here.
      rt.p2m.releaseAll();
      for (const f of rt.reserved.splice(0)) this.frames.release(f);
      this.ksmd.post({ kind: 'vm-remove', vm });
      this.ksm.kick();
      this.#vms.delete(vm);
      const reason = stopReason(
        Atomics.load(rt.control, VMC.STOP),
        Atomics.load(rt.control, VMC.DETAIL),
        rt.failure,
      );
      this.emit({ kind: 'stopped', vm, reason });
      return reason;
    })();
    return rt.stopping;
  }

  /** vCPU slots whose state is RUNNING on some pCPU now (for tests and telemetry). */
  runningVcpus(): number[] {
    const out: number[] = [];
    for (const [, rt] of this.#vms) {
      for (const s of rt.shared.vcpuSlots)
        if (this.sched.vcpu(s)[V.STATE] === VCPU_STATE.RUNNING) out.push(s);
    }
    return out;
  }

  /** Stops every VM and the pCPU workers. */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    this.#spare?.link.terminate();
    this.#spare = undefined;
    clearTimeout(this.#jitRelayTimer);
    await Promise.all([...this.#vms.keys()].map((vm) => this.destroyVm(vm)));
    Atomics.store(this.sched.header, H.SHUTDOWN, 1);
    this.scheduler.notifyWork();
    Atomics.store(this.ksm.w, KSM.SHUTDOWN, 1);
    this.ksm.kick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const p of this.pcpus) p.terminate();
    this.ksmd.terminate();
  }
}

/** A vCPU still running this long after its VM's stop is reported (Host #reap). */
const STOP_REPORT_MS = 5000;
/** Longest a compiled JIT module waits in the host before it is relayed to the other pCPUs. */
const JIT_RELAY_MS = 20;

export function stopReason(code: number, detail: number, failure?: string): StopReason {
  switch (code) {
    case STOP_CODE.POWEROFF:
      return { kind: 'poweroff' };
    case STOP_CODE.REBOOT:
      return { kind: 'reboot' };
    case STOP_CODE.PANIC:
      return { kind: 'panic' };
    case STOP_CODE.PASS:
      return { kind: 'pass' };
    case STOP_CODE.FAIL:
      return { kind: 'fail', code: detail };
    case STOP_CODE.ERROR:
      return { kind: 'error', message: failure ?? 'hypervisor error' };
    case STOP_CODE.OUT_OF_MEMORY:
      return { kind: 'error', message: 'host out of memory: no free frame to back guest RAM' };
    default:
      return { kind: 'destroyed' };
  }
}
