import { readJitStats } from '../hypervisor/cpu/jit/jit-stats';
import { F, HART_STATE_BYTES } from '../hypervisor/cpu/hart-state';
import { HostError, type Host, type HostEvent } from '../hypervisor/host/host';
import { hostNow } from '../hypervisor/host/clock';
import { H, PF, V, VCPU_STATE, VF } from '../hypervisor/host/sched-state';
import { BAL, EXIT_STAT_NAMES, MEM_STAT, type VmShared } from '../hypervisor/host/vm-shared';
import { KSM_DEFAULTS, RMAP_ITEM_BYTES, type KsmKnobs } from '../hypervisor/ksm/ksm-state';
import { PAGE_SIZE } from '../hypervisor/memory/host-memory';
import type { StopReason } from '../hypervisor/vm/boot';
import type {
  Affect,
  BalloonPolicyInfo,
  KsmInfo,
  MemoryStats,
  DomainDef,
  DomainEvent,
  DomainInfo,
  DomainState,
  DomainSummary,
  HostInfo,
  StateReason,
  VcpuInfo,
} from './control-api';
import { DEFAULT_DOMAIN_TYPE, domainEngine } from './control-api';
import { cpulistCpus, formatCpulist, parseCpulist } from './cpulist';
import { checkStartable } from './start-checks';
import { BootTemplates, templateKey } from './boot-templates';
import {
  BalloonPolicy,
  DEFAULT_THRESHOLDS,
  POLICY,
  type PolicyGuest,
  type PolicyThresholds,
} from './balloon-policy';

/** Decisions the policy log keeps. */
const POLICY_LOG = 20;
import {
  KiB_PER_PAGE,
  balloonCounters,
  balloonPages,
  checkMemory,
  currentKiB,
  maxKiB,
  memoryStats,
} from './memory';
import { VIRTIO_BALLOON_S } from '../hypervisor/devices/virtio/balloon';
import { genidBytes } from '../hypervisor/devices/vmgenid';
import { VirtError } from './errors';
import { captureDomain, restoreDomain, type DomainHooks } from './mobility';
import { DomainMigrations } from './migration/domain-migrations';
import { NAME, sameUuid, stripLive, summary, type Domain } from './domain-record';
import { DomainImages } from './domain-images';
import { DomainSnapshots } from './domain-snapshots';
import { quote } from './quote';

/**
 * The most vCPUs a definition may have (libvirt's parser bound for any
 * driver, QEMU's largest machine); what this machine runs is checked at start.
 */
const MAX_DEFINED_VCPUS = 4096;

/**
 * libvirt's domain layer over the host: definitions, the state machine
 * (shut off, running, paused, crashed), lifecycle actions with the states
 * each is allowed in, scheduler tuning, and events.
 */
export class DomainManager {
  readonly #domains = new Map<string, Domain>();
  readonly #byVm = new Map<number, Domain>();
  readonly #listeners = new Map<
    number,
    { listener: (event: DomainEvent) => void; domain?: string }
  >();
  #nextListener = 1;
  #nextId = 1;
  /** The host's name and uuid (HostInfo), set by the control API at init. */
  identity = { hostname: 'localhost', uuid: crypto.randomUUID() };

  readonly #policy = new BalloonPolicy();
  /** The policy's last decisions, oldest first (balloonPolicyInfo). */
  readonly #policyLog: Extract<DomainEvent, { kind: 'balloon-policy' }>[] = [];
  #policyTimer: ReturnType<typeof setInterval> | undefined;
  /** Quick boot's templates (boot-templates.ts). */
  readonly #templates: BootTemplates;

  constructor(
    readonly host: Host,
    readonly defaultKernel: () => Promise<Uint8Array>,
    /** Loads a kernel named by path (Node) or URL (browser): libvirt's os/kernel. */
    readonly loadImage: (path: string) => Promise<Uint8Array> = () =>
      Promise.reject(new Error('this host cannot load kernels by path')),
  ) {
    this.#templates = new BootTemplates(host);
    this.migrations = new DomainMigrations({
      host: this.host,
      state: (name) => this.#hooks.state(name),
      set: (name, state, reason) => this.#hooks.set(name, state, reason),
      stopAs: (name, state, reason) => this.#hooks.stopAs(name, state, reason),
      def: (name) => this.domainDef(name),
      checkIncoming: (def) => this.images.checkIncoming(def),
      restoreIncoming: (def, machine, populate, paused) =>
        this.images.restoreIncoming(def, machine, populate, paused),
    });
    this.snapshots = new DomainSnapshots({
      host: this.host,
      hooks: this.#hooks,
      get: (name) => this.#get(name),
      set: (dom, state, reason, detail) => this.#set(dom, state, reason, detail),
      savedDef: (name) => stripLive(this.domainDef(name)),
      start: (name, options) => this.start(name, options),
      job: (name, work) => this.#job(name, work),
    });
    this.images = new DomainImages({
      host: this.host,
      hooks: this.#hooks,
      get: (name) => this.#get(name),
      find: (name) => this.#domains.get(name),
      has: (name) => this.#domains.has(name),
      all: () => this.#domains.values(),
      define: (def) => this.define(def),
      forget: (dom) => this.#forget(dom),
      require: (dom, allowed, action) => this.#require(dom, allowed, action),
      savedDef: (name) => stripLive(this.domainDef(name)),
      job: (name, work) => this.#job(name, work),
    });
  }

  /** Turns the automatic balloon policy (balloon-policy.ts) on or off. */
  setBalloonPolicy(enabled: boolean): void {
    if (enabled && !this.#policyTimer) {
      this.#policyTimer = setInterval(() => this.#policyStep(), POLICY.PERIOD_MS);
    } else if (!enabled && this.#policyTimer) {
      clearInterval(this.#policyTimer);
      this.#policyTimer = undefined;
    }
  }

  get balloonPolicy(): boolean {
    return this.#policyTimer !== undefined;
  }

  balloonPolicyInfo(): BalloonPolicyInfo {
    return {
      enabled: this.balloonPolicy,
      thresholds: this.#policy.thresholds,
      decisions: [...this.#policyLog].reverse(),
    };
  }

  tuneBalloonPolicy(change: Partial<PolicyThresholds> & { enabled?: boolean }): BalloonPolicyInfo {
    const { enabled, ...thresholds } = change;
    const known = new Set(Object.keys(DEFAULT_THRESHOLDS));
    for (const key of Object.keys(thresholds))
      if (!known.has(key))
        throw new VirtError('invalid-arg', `unknown balloon policy parameter '${key}'`);
    try {
      if (Object.keys(thresholds).length) this.#policy.setThresholds(thresholds);
    } catch (error) {
      throw new VirtError('invalid-arg', (error as Error).message);
    }
    if (enabled !== undefined) this.setBalloonPolicy(enabled);
    return this.balloonPolicyInfo();
  }

  #policyStep(): void {
    const guests: PolicyGuest[] = [];
    for (const dom of this.#domains.values()) {
      if (dom.vm === undefined) continue;
      const shared = this.host.shared(dom.vm);
      if (!shared.balloon) continue;
      const bal = new Float64Array(shared.balloon);
      const live = dom.live?.def ?? dom.def;
      const max = live.memoryMiB * 1024;
      const stat = (tag: number) => bal[BAL.STATS + tag];
      guests.push({
        name: dom.def.name,
        maxPages: max / KiB_PER_PAGE,
        userPages: balloonPages(max, live.currentMemoryKiB ?? max),
        actualPages: bal[BAL.ACTUAL],
        freePages: stat(VIRTIO_BALLOON_S.MEMFREE) / 4096,
        availablePages: stat(VIRTIO_BALLOON_S.AVAIL) / 4096,
        swapIns: stat(VIRTIO_BALLOON_S.SWAP_IN),
        oomKills: stat(VIRTIO_BALLOON_S.OOM_KILL),
        statsAtMs: bal[BAL.STATS_AT_MS],
        statsPeriodS: bal[BAL.PERIOD_S],
        deflateOnOom: shared.balloonDeflateOnOom === true,
        pausedForMemory: dom.state === 'paused' && dom.reason === 'out of memory',
      });
    }
    if (!guests.length) return;
    const frames = this.host.frames;
    const decisions = this.#policy.step(hostNow(), frames.freeFrames, frames.totalFrames, guests, {
      setBalloonTarget: (name, pages) => {
        const vm = this.#domains.get(name)?.vm;
        if (vm !== undefined) this.host.setBalloon(vm, { targetPages: pages });
      },
      setStatsPeriod: (name, seconds) => {
        const vm = this.#domains.get(name)?.vm;
        if (vm !== undefined) this.host.setBalloon(vm, { periodS: seconds });
      },
      resume: (name) => this.resume(name),
    });
    for (const d of decisions) {
      const event = {
        kind: 'balloon-policy' as const,
        domain: d.domain,
        action: d.action,
        pages: d.pages,
        message: d.message,
        atMs: Date.now(),
      };
      this.#policyLog.push(event);
      if (this.#policyLog.length > POLICY_LOG) this.#policyLog.shift();
      this.#emit(event);
    }
  }

  /** Feed the host's events here. */
  onHostEvent(event: HostEvent): void {
    const dom = this.#byVm.get(event.vm);
    if (!dom) return;
    if (event.kind === 'console') {
      this.#emit({ kind: 'console', domain: dom.def.name, bytes: event.bytes });
      const key = this.#templates.console(event.vm, event.bytes);
      if (key) void this.#captureTemplate(dom, key);
      return;
    }
    if (event.kind === 'paused-nomem') {
      this.#set(
        dom,
        'paused',
        'out of memory',
        'the host has no free memory for this guest; free some (destroy or shrink another guest), then resume',
      );
      return;
    }
    this.#byVm.delete(event.vm);
    this.#templates.forget(event.vm);
    dom.vm = undefined;
    dom.slots = undefined;
    dom.live = undefined;
    if (dom.restarting) return; // reset/reboot in progress: the new VM takes over
    let [state, reason, detail] = outcome(event.reason);
    if (dom.stopAs && event.reason.kind === 'destroyed') {
      [state, reason] = dom.stopAs;
      detail = undefined;
    }
    dom.stopAs = undefined;
    dom.id = null;
    // The domain's lifecycle actions (libvirt on_poweroff / on_reboot / on_crash).
    const kind = event.reason.kind;
    const action =
      kind === 'poweroff'
        ? (dom.def.onPoweroff ?? 'destroy')
        : kind === 'reboot'
          ? (dom.def.onReboot ?? 'restart')
          : kind === 'panic'
            ? (dom.def.onCrash ?? 'destroy')
            : 'destroy';
    if (action === 'restart') {
      void this.#boot(dom).then(
        () => this.#set(dom, 'running', kind === 'reboot' ? 'booted' : 'booted'),
        (error: unknown) => this.#set(dom, 'shut off', 'failed', String((error as Error).message)),
      );
      return;
    }
    if (kind === 'reboot') [state, reason] = ['shut off', 'shutdown'];
    if (kind === 'panic' && action === 'destroy') state = 'shut off';
    this.#set(dom, state, reason, detail);
    if (dom.transient && (state === 'shut off' || state === 'crashed')) this.#forget(dom);
  }

  /** A transient domain that stopped: its definition goes (virsh create). */
  #forget(dom: Domain): void {
    if (this.#domains.get(dom.def.name) !== dom) return;
    this.#domains.delete(dom.def.name);
    // Its snapshots and managed save go with it (their frames back to the host).
    for (const snap of dom.snapshots.values())
      if (snap.frames) this.host.releaseSnapshotFrames(snap.frames);
    dom.snapshots.clear();
    dom.managedSave = undefined;
    this.#emit({ kind: 'lifecycle', domain: dom.def.name, state: 'shut off', reason: 'undefined' });
  }

  subscribe(listener: (event: DomainEvent) => void, domain?: string): number {
    const id = this.#nextListener++;
    this.#listeners.set(id, { listener, domain });
    return id;
  }

  unsubscribe(id: number): void {
    this.#listeners.delete(id);
  }

  #emit(event: DomainEvent): void {
    for (const { listener, domain } of this.#listeners.values()) {
      if (domain === undefined || domain === event.domain) listener(event);
    }
  }

  #set(dom: Domain, state: DomainState, reason: StateReason, detail?: string): void {
    dom.state = state;
    dom.reason = reason;
    dom.detail = detail;
    this.#emit({ kind: 'lifecycle', domain: dom.def.name, state, reason, detail });
  }

  #get(name: string): Domain {
    const dom = this.#domains.get(name);
    if (!dom)
      throw new VirtError('no-domain', `Domain not found: no domain with matching name '${name}'`);
    return dom;
  }

  #require(dom: Domain, allowed: DomainState[], action: string): void {
    if (!allowed.includes(dom.state)) {
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: cannot ${action} domain '${dom.def.name}' while it is ${dom.state}`,
      );
    }
  }

  // ------------------------------------------------------------ definitions

  define(def: DomainDef): DomainSummary {
    if (!NAME.test(def.name)) {
      throw new VirtError(
        'invalid-arg',
        `invalid domain name '${quote(def.name)}': use letters, digits, '-', '_' or '.', up to 64`,
      );
    }
    const existing = this.#domains.get(def.name);
    // libvirt (virDomainObjListAddLocked): a definition without a uuid is a new
    // domain (it gets a fresh uuid), so it may not take an existing name; with
    // the existing domain's uuid it replaces that domain's persistent definition.
    if (existing && def.uuid === undefined)
      throw new VirtError(
        'domain-exists',
        `operation failed: domain '${def.name}' already exists with uuid ${existing.def.uuid}`,
      );
    // Only what makes a definition invalid; what this host can run is checked at start.
    if (!Number.isInteger(def.vcpus) || def.vcpus < 1 || def.vcpus > MAX_DEFINED_VCPUS) {
      throw new VirtError(
        'invalid-arg',
        `vCPU count must be 1 to ${MAX_DEFINED_VCPUS}, got ${def.vcpus}`,
      );
    }
    if (!Number.isInteger(def.memoryMiB) || def.memoryMiB < 1) {
      throw new VirtError('invalid-arg', `memory must be at least 1 MiB, got ${def.memoryMiB}`);
    }
    if (
      def.memoryKiB !== undefined &&
      (!Number.isInteger(def.memoryKiB) || Math.ceil(def.memoryKiB / 1024) !== def.memoryMiB)
    ) {
      throw new VirtError(
        'invalid-arg',
        `memory of ${def.memoryKiB} KiB does not round up to ${def.memoryMiB} MiB`,
      );
    }
    checkSched(def);
    checkMemory(def);
    const uuid = def.uuid ?? crypto.randomUUID();
    if (!UUID.test(uuid)) throw new VirtError('invalid-arg', `malformed uuid '${def.uuid}'`);
    const genid = def.genid ?? existing?.def.genid ?? crypto.randomUUID();
    if (!UUID.test(genid)) throw new VirtError('invalid-arg', `malformed genid '${def.genid}'`);
    for (const other of this.#domains.values()) {
      if (sameUuid(other.def.uuid!, uuid) && other !== existing)
        throw new VirtError(
          'domain-exists',
          `operation failed: domain '${other.def.name}' is already defined with uuid ${uuid}`,
        );
    }
    const { pins, pending } = this.#pins(def);
    checkLifecycle(def);
    if (
      def.vcpusCurrent !== undefined &&
      (!Number.isInteger(def.vcpusCurrent) || def.vcpusCurrent < 1 || def.vcpusCurrent > def.vcpus)
    ) {
      throw new VirtError(
        'invalid-arg',
        `current vCPUs must be 1 to the maximum (${def.vcpus}), got ${def.vcpusCurrent}`,
      );
    }
    if (def.emulatorpin !== undefined) cpulistCpus(def.emulatorpin);
    if (existing) {
      // A running domain gets a new persistent definition, used from its next start
      // (a transient one becomes persistent); its live config does not change.
      if (!sameUuid(existing.def.uuid!, uuid))
        throw new VirtError(
          'domain-exists',
          `operation failed: domain '${def.name}' already exists with uuid ${existing.def.uuid}`,
        );
      existing.transient = false;
      existing.def = { ...def, uuid: existing.def.uuid, genid };
      existing.pins = pins;
      existing.pinsPending = pending;
      this.#emit({
        kind: 'lifecycle',
        domain: def.name,
        state: existing.state,
        reason: existing.reason,
      });
      return summary(existing);
    }
    const dom: Domain = {
      def: { ...def, uuid, genid },
      state: 'shut off',
      reason: 'defined',
      id: null,
      pins,
      pinsPending: pending,
      snapshots: new Map(),
    };
    this.#domains.set(def.name, dom);
    this.#emit({ kind: 'lifecycle', domain: def.name, state: 'shut off', reason: 'defined' });
    return summary(dom);
  }

  /**
   * Pinning masks per vCPU from cpuset and vcpupin. `pending` when they
   * name pCPUs this host lacks: the masks then hold the host's part only
   * (any pCPU when none is), and start refuses (start-checks.ts).
   */
  #pins(def: DomainDef): { pins: number[]; pending: boolean } {
    const pcpus = this.host.pcpuCount;
    let pending = false;
    const mask = (list: string) => {
      let m = 0;
      for (const cpu of cpulistCpus(list)) {
        if (cpu < pcpus) m |= 1 << cpu;
        else pending = true;
      }
      return m === 0 ? -1 : m;
    };
    const base = def.cpuset !== undefined ? mask(def.cpuset) : -1;
    const pins = Array<number>(def.vcpus).fill(base);
    for (const [key, list] of Object.entries(def.vcpupin ?? {})) {
      const v = Number(key);
      if (!Number.isInteger(v) || v < 0 || v >= def.vcpus) {
        throw new VirtError(
          'invalid-arg',
          `vcpupin names vCPU ${key}, but the domain has ${def.vcpus} vCPU(s)`,
        );
      }
      pins[v] = mask(list);
    }
    if (def.emulatorpin !== undefined) mask(def.emulatorpin);
    return { pins, pending };
  }

  /** virsh create: define and start a transient domain. */
  async create(def: DomainDef, options: { paused?: boolean } = {}): Promise<DomainSummary> {
    const existing = this.#domains.get(def.name);
    if (existing)
      throw new VirtError(
        'domain-exists',
        `operation failed: domain '${def.name}' already exists with uuid ${existing.def.uuid}`,
      );
    this.define(def);
    const dom = this.#domains.get(def.name)!;
    dom.transient = true;
    try {
      await this.start(def.name, options);
    } catch (error) {
      this.#forget(dom);
      throw error;
    }
    return summary(dom);
  }

  /**
   * Which configs an action with `affect` changes (libvirt's
   * virDomainObjUpdateModificationImpact): neither flag means the live
   * domain if it runs, else the persistent definition.
   */
  #impact(dom: Domain, affect: Affect = {}): { live: boolean; config: boolean } {
    const active = dom.vm !== undefined;
    let { live = false, config = false } = affect;
    if (!live && !config) [live, config] = [active, !active];
    if (live && !active) {
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain '${dom.def.name}' is not running`,
      );
    }
    if (config && dom.transient) {
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: transient domains do not have any persistent config',
      );
    }
    return { live, config };
  }

  /** The config reads show: the live one while the domain runs. */
  #current(dom: Domain): { def: DomainDef; pins: number[] } {
    return dom.live ?? { def: dom.def, pins: dom.pins };
  }

  domainDef(
    name: string,
    options: { inactive?: boolean } = {},
  ): DomainDef & { uuid: string; vcpupin: Record<number, string> } {
    const dom = this.#get(name);
    const live = !options.inactive && dom.live;
    const source = live ? dom.live! : { def: dom.def, pins: dom.pins };
    const { kernel: _kernel, initrd: _initrd, elf: _elf, ...def } = source.def;
    if (!live && dom.pinsPending)
      return {
        ...def,
        uuid: dom.def.uuid!,
        vcpupin: { ...def.vcpupin },
        currentMemoryKiB: def.currentMemoryKiB ?? maxKiB(def),
      };
    // Only vCPUs pinned apart from the domain's cpuset, as libvirt lists them.
    const pcpus = this.host.pcpuCount;
    const base = def.cpuset !== undefined ? parseCpulist(def.cpuset, pcpus) : -1;
    const vcpupin: Record<number, string> = {};
    source.pins.forEach((mask, v) => {
      if (mask !== base) vcpupin[v] = formatCpulist(mask, pcpus);
    });
    return {
      ...def,
      uuid: dom.def.uuid!,
      vcpupin,
      currentMemoryKiB:
        live && dom.vm !== undefined
          ? currentKiB(this.host.shared(dom.vm))
          : (def.currentMemoryKiB ?? maxKiB(def)),
    };
  }

  setMaxMemory(name: string, kib: number, affect: Affect = {}): void {
    const dom = this.#get(name);
    if (affect.live || (dom.vm !== undefined && !affect.config)) {
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: cannot resize the maximum memory on an active domain',
      );
    }
    this.#impact(dom, { config: true });
    if (!Number.isInteger(kib) || kib < 1) {
      throw new VirtError(
        'invalid-arg',
        `invalid argument: maximum memory must be at least 1 KiB, got ${kib} KiB`,
      );
    }
    // Kept to the KiB, as defined; the guest gets whole MiB (start-checks.ts checks the limits).
    const next: DomainDef = { ...dom.def, memoryMiB: Math.ceil(kib / 1024), memoryKiB: kib };
    if (kib % 1024 === 0) delete next.memoryKiB;
    if ((next.currentMemoryKiB ?? 0) > kib) next.currentMemoryKiB = kib;
    checkMemory(next);
    dom.def = next;
  }

  setVcpus(
    name: string,
    count: number,
    flags: { maximum?: boolean; live?: boolean; config?: boolean } = {},
  ): void {
    const dom = this.#get(name);
    if (!Number.isInteger(count) || count < 1 || count > 8) {
      throw new VirtError(
        'invalid-arg',
        `invalid argument: vCPU count must be 1 to 8, got ${count}`,
      );
    }
    if (flags.maximum && (flags.live || (dom.vm !== undefined && !flags.config))) {
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: cannot change the maximum vCPU count of an active domain',
      );
    }
    const { live, config } = this.#impact(dom, flags.maximum ? { config: true } : flags);
    if (live) {
      const max = dom.live!.def.vcpus;
      if (count > max) {
        throw new VirtError(
          'invalid-arg',
          `invalid argument: requested vcpus is greater than max allowable vcpus for the live domain: ${count} > ${max}`,
        );
      }
    }
    if (config && !flags.maximum && count > dom.def.vcpus) {
      throw new VirtError(
        'invalid-arg',
        `invalid argument: requested vcpus is greater than max allowable vcpus for the persistent domain: ${count} > ${dom.def.vcpus}`,
      );
    }
    if (live) {
      // CPU hotplug through the guest agent (libvirt's setvcpus --guest): it onlines/offlines guest CPUs.
      if (!this.host.agentRequest(dom.vm!, `vcpus ${count}`)) {
        throw new VirtError(
          'operation-invalid',
          'Requested operation is not valid: the guest agent is busy',
        );
      }
      const d = dom.live!.def;
      dom.live!.def = { ...d, vcpusCurrent: count === d.vcpus ? undefined : count };
    }
    if (!config) return;
    if (flags.maximum) {
      const pins = dom.pins.slice(0, count);
      while (pins.length < count) pins.push(dom.def.cpuset !== undefined ? (pins[0] ?? -1) : -1);
      const vcpupin = Object.fromEntries(
        Object.entries(dom.def.vcpupin ?? {}).filter(([v]) => Number(v) < count),
      );
      dom.def = {
        ...dom.def,
        vcpus: count,
        vcpusCurrent:
          dom.def.vcpusCurrent !== undefined ? Math.min(dom.def.vcpusCurrent, count) : undefined,
        vcpupin: Object.keys(vcpupin).length ? vcpupin : undefined,
      };
      dom.pins = pins;
      return;
    }
    dom.def = { ...dom.def, vcpusCurrent: count === dom.def.vcpus ? undefined : count };
  }

  emulatorPin(name: string, cpulist?: string, affect: Affect = {}): string {
    const dom = this.#get(name);
    const { live, config } = this.#impact(dom, affect);
    if (cpulist !== undefined) {
      parseCpulist(cpulist, this.host.pcpuCount);
      if (live) dom.live!.def = { ...dom.live!.def, emulatorpin: cpulist };
      if (config) dom.def = { ...dom.def, emulatorpin: cpulist };
    }
    const def = live ? dom.live!.def : dom.def;
    return def.emulatorpin ?? formatCpulist(-1, this.host.pcpuCount);
  }

  /**
   * virsh autostart: libvirt starts such a domain when the host starts.
   * Transient domains have no autostart (qemuDomainSetAutostart's error).
   */
  setAutostart(name: string, enabled: boolean): void {
    const dom = this.#get(name);
    if (dom.transient)
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: cannot set autostart for transient domain',
      );
    dom.autostart = enabled || undefined;
  }

  /**
   * virsh desc: the title or description (virDomainSetMetadata with
   * VIR_DOMAIN_METADATA_TITLE / _DESCRIPTION); '' removes it.
   */
  setMetadata(
    name: string,
    metadata: { title?: string; description?: string },
    affect: Affect = {},
  ): void {
    const dom = this.#get(name);
    if (metadata.title?.includes('\n'))
      throw new VirtError('invalid-arg', "invalid argument: Domain title can't contain newlines");
    const { live, config } = this.#impact(dom, affect);
    const apply = (def: DomainDef): DomainDef => {
      const next = { ...def };
      for (const key of ['title', 'description'] as const) {
        const value = metadata[key];
        if (value === undefined) continue;
        if (value === '') delete next[key];
        else next[key] = value;
      }
      return next;
    };
    if (live) dom.live!.def = apply(dom.live!.def);
    if (config) dom.def = apply(dom.def);
  }

  undefine(name: string): void {
    const dom = this.#get(name);
    if (dom.vm !== undefined) {
      // libvirt undefines a running domain by making it transient.
      dom.transient = true;
      return;
    }
    this.#forget(dom);
  }

  list(): DomainSummary[] {
    return [...this.#domains.values()].map(summary);
  }

  // ------------------------------------------------------------ lifecycle

  /** Boots a domain; with `paused`, its vCPUs wait until resume (virsh start --paused). */
  async start(
    name: string,
    options: { paused?: boolean; forceBoot?: boolean; quick?: boolean } = {},
  ): Promise<void> {
    const dom = this.#get(name);
    this.#require(dom, ['shut off', 'crashed'], 'start');
    // libvirt: a managed save image is resumed (and removed once running), unless --force-boot.
    const image = dom.managedSave;
    if (options.forceBoot) dom.managedSave = undefined;
    else if (image) {
      await this.images.restore(image, { paused: options.paused, running: !options.paused });
      dom.managedSave = undefined;
      return;
    }
    const key = options.quick && !options.paused ? templateKey(dom.def) : undefined;
    const template = key !== undefined ? this.#templates.get(key) : undefined;
    if (template && !dom.pinsPending) {
      checkStartable(dom.def, this.host.pcpuCount);
      await restoreDomain(
        this.host,
        this.#hooks,
        dom.def,
        template.machine,
        { kind: 'frames', frames: template.frames },
        false,
        'from snapshot',
      );
      // The template was taken at the prompt: Enter makes the shell draw it again here.
      this.host.consoleInput(dom.vm!, new TextEncoder().encode('\n'));
      return;
    }
    await this.#boot(dom, options.paused);
    if (key !== undefined) this.#templates.watch(dom.vm!, key);
    if (options.paused) this.#set(dom, 'paused', 'user');
    else this.#set(dom, 'running', 'booted');
  }

  /** Quick boot: the first prompt of a real boot becomes its configuration's template. */
  async #captureTemplate(dom: Domain, key: string): Promise<void> {
    await this.#job(dom.def.name, () => this.#takeTemplate(dom, key));
  }

  async #takeTemplate(dom: Domain, key: string): Promise<void> {
    if (dom.state !== 'running' || dom.vm === undefined) return;
    // Silent: the domain is paused for a few ms, which its state does not show.
    const silent: DomainHooks = { ...this.#hooks, set: () => {} };
    try {
      const { machine, memory } = await captureDomain(
        this.host,
        silent,
        dom.def.name,
        'creating snapshot',
        'resume',
        (vm) => this.host.snapshotMemory(vm),
      );
      this.#templates.add({ key, machine, frames: memory });
    } catch {
      // No template this time: the next quick start of this configuration boots for real.
    }
  }

  /** Guest pages quick boot's templates hold (HostInfo). */
  get templatePages(): number {
    return this.#templates.pages;
  }

  /** Creates and starts the host VM for a domain, applying its tuning. */
  async #boot(dom: Domain, paused = false): Promise<void> {
    const def = dom.def;
    checkStartable(def, this.host.pcpuCount);
    if (dom.pinsPending) {
      const { pins, pending } = this.#pins(def);
      dom.pins = pins;
      dom.pinsPending = pending;
    }
    let kernel: Uint8Array | undefined;
    if (!def.elf) {
      try {
        kernel =
          def.kernel ??
          (def.kernelPath ? await this.loadImage(def.kernelPath) : await this.defaultKernel());
      } catch (error) {
        throw new VirtError(
          'invalid-arg',
          `cannot load the kernel '${def.kernelPath ?? 'built-in'}': ${(error as Error).message}`,
        );
      }
    }
    const online = def.vcpusCurrent ?? def.vcpus;
    const bootargs =
      online < def.vcpus ? `${def.bootargs ?? ''} maxcpus=${online}`.trim() : def.bootargs;
    let shared;
    try {
      shared = this.host.createVm(def.name, {
        memoryMiB: def.memoryMiB,
        harts: def.vcpus,
        kernel,
        elf: def.elf,
        initrd: def.initrd,
        bootargs,
        mergeable: def.mergeable !== false,
        engine: domainEngine(def.type),
        genid: def.genid ? genidBytes(def.genid) : undefined,
        balloon:
          def.balloon === false
            ? false
            : {
                deflateOnOom: !!def.balloon?.autodeflate,
                freePageReporting: !!def.balloon?.freePageReporting,
              },
      });
    } catch (error) {
      if (error instanceof HostError) {
        throw new VirtError(
          error.code === 'out-of-resources' ? 'no-resources' : 'invalid-arg',
          error.message,
        );
      }
      throw error;
    }
    this.#adopt(dom, shared);
    if (shared.balloon) {
      const max = def.memoryMiB * 1024;
      this.host.setBalloon(shared.vm, {
        targetPages: balloonPages(max, def.currentMemoryKiB ?? max),
        periodS: def.balloon ? (def.balloon.statsPeriodS ?? 0) : 0,
      });
    }
    if (paused) this.host.pauseVm(shared.vm);
    void this.host.startVm(shared.vm);
  }

  /** Makes a new host VM the domain's running one: its id, live config and scheduler tuning. */
  #adopt(dom: Domain, shared: VmShared): void {
    const def = dom.def;
    dom.vm = shared.vm;
    dom.slots = shared.vcpuSlots;
    dom.live = { def: { ...def }, pins: [...dom.pins] };
    dom.id = this.#nextId++;
    dom.restarting = false;
    this.#byVm.set(shared.vm, dom);
    for (let v = 0; v < def.vcpus; v++) {
      this.host.setVcpuParams(shared.vm, v, {
        shares: def.shares ?? 1024,
        quotaUs: def.quotaUs ?? -1,
        periodUs: def.periodUs ?? 100_000,
        pinMask: dom.pins[v],
      });
    }
  }

  // ------------------------------------------------------------ save, snapshots, clones

  /**
   * One state-changing job per domain at a time (libvirt's job lock): a
   * second save, snapshot, revert or clone of the same domain waits for the
   * first, so two captures never interleave their freeze and thaw.
   */
  readonly #jobs = new Map<string, Promise<unknown>>();

  async #job<T>(name: string, work: () => Promise<T>): Promise<T> {
    const before = this.#jobs.get(name) ?? Promise.resolve();
    const run = before.catch(() => {}).then(work);
    this.#jobs.set(name, run);
    try {
      return await run;
    } finally {
      if (this.#jobs.get(name) === run) this.#jobs.delete(name);
    }
  }

  /** The hooks mobility.ts drives the domain state machine with. */
  readonly #hooks: DomainHooks = {
    state: (name) => {
      const dom = this.#get(name);
      return { state: dom.state, reason: dom.reason, vm: dom.vm };
    },
    set: (name, state, reason, detail) => this.#set(this.#get(name), state, reason, detail),
    stopAs: (name, state, reason) => (this.#get(name).stopAs = [state, reason]),
    adopt: (name, shared) => this.#adopt(this.#get(name), shared),
  };

  /** Live migration and its job (manage/migration/). */
  readonly migrations: DomainMigrations;
  /** Internal snapshots (domain-snapshots.ts). */
  readonly snapshots: DomainSnapshots;
  /** Save, restore, managed save and clones (domain-images.ts). */
  readonly images: DomainImages;

  // ------------------------------------------------------------ memory

  setMemory(name: string, kib: number, affect: Affect = {}): void {
    const dom = this.#get(name);
    const { live, config } = this.#impact(dom, affect);
    for (const def of [live && dom.live!.def, config && dom.def]) {
      if (!def) continue;
      const max = maxKiB(def);
      if (!Number.isInteger(kib) || kib < 1 || kib > max) {
        throw new VirtError(
          'invalid-arg',
          `invalid argument: cannot set memory higher than max memory (${max} KiB) or below 1 KiB, got ${kib}`,
        );
      }
    }
    if (config) checkMemory({ ...dom.def, currentMemoryKiB: kib });
    if (live) {
      if (!this.host.shared(dom.vm!).balloon) {
        throw new VirtError(
          'operation-invalid',
          'Requested operation is not valid: Unable to change memory of active domain without the balloon device and guest OS balloon driver',
        );
      }
      const def = dom.live!.def;
      this.host.setBalloon(dom.vm!, { targetPages: balloonPages(def.memoryMiB * 1024, kib) });
      dom.live!.def = { ...def, currentMemoryKiB: kib };
    }
    if (config) dom.def = { ...dom.def, currentMemoryKiB: kib };
  }

  memoryMap(name: string): { p2m: SharedArrayBuffer; zeroFrame: number } {
    const dom = this.#get(name);
    if (dom.vm === undefined) {
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain '${name}' is not running`,
      );
    }
    return { p2m: this.host.shared(dom.vm).p2m, zeroFrame: this.host.frames.zeroFrame };
  }

  memoryStats(name: string): MemoryStats {
    const dom = this.#get(name);
    if (dom.vm === undefined) {
      throw new VirtError(
        'operation-invalid',
        `Requested operation is not valid: domain '${name}' is not running`,
      );
    }
    return memoryStats(this.host.shared(dom.vm));
  }

  setMemoryStatsPeriod(name: string, seconds: number, affect: Affect = {}): void {
    const dom = this.#get(name);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86400) {
      throw new VirtError('invalid-arg', `invalid stats period: ${seconds} (0 to 86400 s)`);
    }
    const { live, config } = this.#impact(dom, affect);
    const withPeriod = (def: DomainDef): DomainDef => {
      if (def.balloon === false) {
        throw new VirtError(
          'operation-invalid',
          'Requested operation is not valid: domain has no memory balloon',
        );
      }
      return { ...def, balloon: { ...(def.balloon || {}), statsPeriodS: seconds } };
    };
    const nextLive = live ? withPeriod(dom.live!.def) : undefined;
    const nextDef = config ? withPeriod(dom.def) : undefined;
    if (nextLive) {
      dom.live!.def = nextLive;
      this.host.setBalloon(dom.vm!, { periodS: seconds });
    }
    if (nextDef) dom.def = nextDef;
  }

  suspend(name: string): void {
    const dom = this.#get(name);
    this.#require(dom, ['running'], 'suspend');
    this.host.pauseVm(dom.vm!);
    this.#set(dom, 'paused', 'user');
  }

  resume(name: string): void {
    const dom = this.#get(name);
    this.#require(dom, ['paused'], 'resume');
    this.host.resumeVm(dom.vm!);
    this.#set(dom, 'running', 'user');
  }

  /** Asks the guest (through its agent on the SBI console) to power off. */
  shutdown(name: string): void {
    const dom = this.#get(name);
    this.#require(dom, ['running'], 'shutdown');
    if (dom.def.elf)
      throw new VirtError(
        'operation-invalid',
        'a bare-metal program has no guest agent to shut it down',
      );
    this.host.agentRequest(dom.vm!, 'shutdown');
  }

  reboot(name: string): void {
    const dom = this.#get(name);
    this.#require(dom, ['running'], 'reboot');
    if (dom.def.elf)
      throw new VirtError(
        'operation-invalid',
        'a bare-metal program has no guest agent to reboot it',
      );
    this.host.agentRequest(dom.vm!, 'reboot');
  }

  async destroy(name: string): Promise<void> {
    const dom = this.#get(name);
    this.#require(dom, ['running', 'paused'], 'destroy');
    await this.host.destroyVm(dom.vm!);
  }

  /** Hard reset: the VM is torn down and booted again at once, with fresh memory. */
  async reset(name: string): Promise<void> {
    const dom = this.#get(name);
    this.#require(dom, ['running', 'paused'], 'reset');
    dom.restarting = true;
    await this.host.destroyVm(dom.vm!);
    await this.#boot(dom);
    this.#set(dom, 'running', 'reset');
  }

  // ------------------------------------------------------------ tuning

  setSchedParams(
    name: string,
    params: { shares?: number; periodUs?: number; quotaUs?: number },
    affect: Affect = {},
  ): void {
    const dom = this.#get(name);
    const { live, config } = this.#impact(dom, affect);
    checkSched({ ...this.#current(dom).def, ...params });
    checkSched({ ...dom.def, ...params });
    if (live) {
      dom.live!.def = { ...dom.live!.def, ...params };
      for (let v = 0; v < dom.live!.def.vcpus; v++) this.host.setVcpuParams(dom.vm!, v, params);
    }
    if (config) dom.def = { ...dom.def, ...params };
  }

  pinVcpu(name: string, vcpu: number, cpulist: string, affect: Affect = {}): void {
    const dom = this.#get(name);
    const { live, config } = this.#impact(dom, affect);
    for (const def of [live && dom.live!.def, config && dom.def]) {
      if (def && (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= def.vcpus)) {
        throw new VirtError(
          'invalid-arg',
          `vcpu ${vcpu} is out of range: domain '${name}' has ${def.vcpus} vCPU(s)`,
        );
      }
    }
    const mask = parseCpulist(cpulist, this.host.pcpuCount);
    if (live) {
      dom.live!.pins[vcpu] = mask;
      this.host.setVcpuParams(dom.vm!, vcpu, { pinMask: mask });
    }
    if (config) {
      dom.pins[vcpu] = mask;
      dom.def = { ...dom.def, vcpupin: { ...dom.def.vcpupin, [vcpu]: cpulist } };
    }
  }

  consoleWrite(name: string, data: string | Uint8Array): void {
    const dom = this.#get(name);
    this.#require(dom, ['running', 'paused'], 'write to the console of');
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (!this.host.consoleInput(dom.vm!, bytes))
      throw new VirtError(
        'no-resources',
        `operation failed: the console input of '${name}' has no room for ${bytes.length} bytes; nothing was written (the guest reads it as fast as it can: try again, or in smaller pieces)`,
      );
  }

  // ------------------------------------------------------------ information

  info(name: string): DomainInfo {
    const dom = this.#get(name);
    const def = this.#current(dom).def;
    const info: DomainInfo = {
      ...summary(dom),
      vcpus: def.vcpus,
      vcpusCurrent: def.vcpusCurrent ?? def.vcpus,
      memoryMiB: def.memoryMiB,
      maxMemoryKiB: maxKiB(def),
      cpuTimeMs: 0,
      instructions: 0,
      rssKiB: 0,
      detail: dom.detail,
      exits: {},
      shares: def.shares ?? 1024,
      quotaUs: def.quotaUs ?? -1,
      periodUs: def.periodUs ?? 100_000,
      currentMemoryKiB: def.currentMemoryKiB ?? maxKiB(def),
      ksm: {
        ksm_rmap_items: 0,
        ksm_merging_pages: 0,
        ksm_zero_pages: 0,
        ksm_process_profit: 0,
        cow_ksm: 0,
      },
      mergeable: def.mergeable !== false,
      type: def.type ?? DEFAULT_DOMAIN_TYPE,
      engine: domainEngine(def.type),
    };
    if (dom.vm !== undefined) {
      const shared = this.host.shared(dom.vm);
      const st = this.host.sched;
      for (const slot of shared.vcpuSlots) info.cpuTimeMs += st.vcpuF(slot)[VF.RUNTIME_MS];
      const f64 = new Float64Array(shared.hartStates);
      for (let h = 0; h < shared.harts; h++)
        info.instructions += f64[(h * HART_STATE_BYTES) / 8 + F.INSTRET];
      info.currentMemoryKiB = currentKiB(shared);
      if (shared.balloon) info.balloon = balloonCounters(shared);
      const mem = new Int32Array(shared.memStats);
      info.rssKiB = Atomics.load(mem, MEM_STAT.RESIDENT) * (PAGE_SIZE / 1024);
      const items = Atomics.load(mem, MEM_STAT.KSM_RMAP_ITEMS);
      const merging = Atomics.load(mem, MEM_STAT.KSM_MERGING_PAGES);
      const zero = Atomics.load(mem, MEM_STAT.KSM_ZERO_PAGES);
      info.ksm = {
        ksm_rmap_items: items,
        ksm_merging_pages: merging,
        ksm_zero_pages: zero,
        ksm_process_profit: (merging + zero) * PAGE_SIZE - items * RMAP_ITEM_BYTES,
        cow_ksm: Atomics.load(mem, MEM_STAT.COW_KSM),
      };
      const exits = new Int32Array(shared.exits);
      EXIT_STAT_NAMES.forEach((n, i) => (info.exits[n] = Atomics.load(exits, i)));
    }
    return info;
  }

  vcpuInfo(name: string): VcpuInfo[] {
    const dom = this.#get(name);
    const pcpus = this.host.pcpuCount;
    if (dom.vm === undefined) {
      return dom.pins.map((mask, vcpu) => ({
        vcpu,
        state: 'offline',
        pcpu: -1,
        cpuTimeMs: 0,
        stealMs: 0,
        blockedMs: 0,
        migrations: 0,
        affinity: formatCpulist(mask, pcpus),
      }));
    }
    const st = this.host.sched;
    return this.host.shared(dom.vm).vcpuSlots.map((slot, vcpu) => {
      const r = st.vcpu(slot);
      const f = st.vcpuF(slot);
      const state = r[V.STATE];
      return {
        vcpu,
        state:
          state === VCPU_STATE.RUNNING
            ? 'running'
            : r[V.PAUSED] && (state === VCPU_STATE.RUNNABLE || state === VCPU_STATE.BLOCKED)
              ? 'paused'
              : state === VCPU_STATE.RUNNABLE
                ? 'runnable'
                : state === VCPU_STATE.BLOCKED
                  ? 'blocked'
                  : 'offline',
        // Read without the scheduler lock: a pick in progress may show RUNNING before RUNNING_ON.
        pcpu:
          state === VCPU_STATE.RUNNING && r[V.RUNNING_ON] >= 0 ? r[V.RUNNING_ON] : r[V.LAST_PCPU],
        cpuTimeMs: f[VF.RUNTIME_MS],
        stealMs: f[VF.STEAL_MS],
        blockedMs: f[VF.BLOCKED_MS],
        migrations: r[V.MIGRATIONS],
        affinity: formatCpulist(r[V.PIN_MASK], pcpus),
      };
    });
  }

  ksm(): KsmInfo {
    return { knobs: this.host.ksm.knobs(), stats: this.host.ksm.stats() };
  }

  setKsm(knobs: Partial<KsmKnobs>): KsmInfo {
    const allowed = new Set(Object.keys(KSM_DEFAULTS));
    for (const key of Object.keys(knobs)) {
      if (!allowed.has(key)) throw new VirtError('invalid-arg', `unknown KSM parameter '${key}'`);
    }
    try {
      this.host.ksm.setKnobs(knobs);
    } catch (error) {
      throw new VirtError('invalid-arg', (error as Error).message);
    }
    return this.ksm();
  }

  hostInfo(): HostInfo {
    const st = this.host.sched;
    const n = Atomics.load(st.header, H.NPCPU);
    return {
      ...this.identity,
      pcpus: this.host.pcpuCount,
      ramMiB: (this.host.mem.frames * PAGE_SIZE) >> 20,
      freeMiB: (this.host.frames.freeFrames * PAGE_SIZE) >> 20,
      usedKiB:
        (this.host.frames.totalFrames - this.host.frames.freeFrames - this.host.reservedFrames) *
        (PAGE_SIZE / 1024),
      overheadKiB: this.host.reservedFrames * (PAGE_SIZE / 1024),
      quickBootKiB: this.#templates.pages * (PAGE_SIZE / 1024),
      balloonPolicy: this.balloonPolicy,
      pcpuTimes: Array.from({ length: n }, (_, p) => ({
        busyMs: st.pcpuF(p)[PF.BUSY_MS],
        idleMs: st.pcpuF(p)[PF.IDLE_MS],
      })),
      jit: readJitStats(this.host.jitStats, this.host.pcpuCount),
    };
  }
}

function checkSched(def: { shares?: number; quotaUs?: number; periodUs?: number }): void {
  // Ranges as cgroups and libvirt accept them (cpu.shares 2..262144, period 1 ms..1 s, quota ≥ 1 ms or -1).
  if (
    def.shares !== undefined &&
    (!Number.isInteger(def.shares) || def.shares < 2 || def.shares > 262144)
  ) {
    throw new VirtError('invalid-arg', `shares must be 2 to 262144, got ${def.shares}`);
  }
  if (
    def.periodUs !== undefined &&
    (!Number.isInteger(def.periodUs) || def.periodUs < 1000 || def.periodUs > 1_000_000)
  ) {
    throw new VirtError(
      'invalid-arg',
      `vcpu_period must be 1000 to 1000000 µs, got ${def.periodUs}`,
    );
  }
  if (
    def.quotaUs !== undefined &&
    def.quotaUs !== -1 &&
    (!Number.isInteger(def.quotaUs) || def.quotaUs < 1000)
  ) {
    throw new VirtError(
      'invalid-arg',
      `vcpu_quota must be -1 (none) or at least 1000 µs, got ${def.quotaUs}`,
    );
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const ACTIONS = ['destroy', 'restart', 'preserve'];

function checkLifecycle(def: DomainDef): void {
  for (const [key, value] of [
    ['on_poweroff', def.onPoweroff],
    ['on_reboot', def.onReboot],
    ['on_crash', def.onCrash],
  ] as const) {
    if (value !== undefined && !ACTIONS.includes(value))
      throw new VirtError('invalid-arg', `invalid ${key} action '${value}'`);
  }
}

/** A host stop reason as a libvirt state and reason. */
function outcome(reason: StopReason): [DomainState, StateReason, string?] {
  switch (reason.kind) {
    case 'poweroff':
      return ['shut off', 'shutdown'];
    case 'reboot':
      return ['running', 'rebooted'];
    case 'panic':
      return ['crashed', 'crashed', 'the guest kernel panicked'];
    case 'pass':
      return ['shut off', 'finished', 'the program passed'];
    case 'fail':
      return ['shut off', 'finished', `the program failed test ${reason.code}`];
    case 'error':
      return ['crashed', 'failed', reason.message];
    case 'destroyed':
      return ['shut off', 'destroyed'];
  }
}
