import { checkStartable } from '../start-checks';
import { DEFAULT_THRESHOLDS, checkThresholds } from '../balloon-policy';
import type {
  BalloonPolicyInfo,
  ControlApi,
  DomainDef,
  DomainEvent,
  DomainInfo,
  DomainState,
  DomainSummary,
  KsmInfo,
  MemoryStats,
  StateReason,
  VcpuInfo,
} from '../control-api';
import { DEFAULT_DOMAIN_TYPE, domainEngine } from '../control-api';
import { VirtError } from '../errors';
import type { VirshIo } from './command';
import { fakeMobility, type FakeHooks, type MobilityCalls } from './fake-mobility';
import { fakeMigration } from './fake-migration';

/**
 * A test double of the control API for virsh's unit tests: an in-memory
 * host of 4 pCPUs and 1024 MiB with domains in fixed states, the same
 * state rules and error codes as the real one, deterministic figures, and
 * a scripted guest shell on the console (a prompt on Enter; `uname -a`
 * answers). Every mutating call is recorded in `calls`.
 */

export interface FakeDomain {
  def: DomainDef & { uuid: string };
  state: DomainState;
  reason: StateReason;
  id: number | null;
  persistent: boolean;
  autostart?: boolean;
  pins: string[];
  cpuTimeMs: number;
}

export const UNAME = 'Linux virtlab 6.12.118 #1 SMP Thu Jan  1 00:00:00 UTC 2026 riscv32 Linux';

export class FakeApi {
  readonly domains = new Map<string, FakeDomain>();
  readonly calls: string[] = [];
  policy: BalloonPolicyInfo = {
    enabled: false,
    thresholds: { ...DEFAULT_THRESHOLDS },
    decisions: [],
  };
  readonly pcpus = 4;
  ksmKnobs = {
    run: 0,
    pages_to_scan: 100,
    sleep_millisecs: 20,
    use_zero_pages: 0,
    max_page_sharing: 256,
    smart_scan: 1,
  };
  #nextId = 1;
  #listeners = new Map<number, { listener: (e: DomainEvent) => void; domain?: string }>();
  #nextListener = 1;

  /** Adds a domain directly (uuid derived from the name for stable output). */
  add(def: Partial<DomainDef> & { name: string }, state: DomainState = 'shut off'): this {
    const n = this.domains.size + 1;
    const full: DomainDef & { uuid: string } = {
      memoryMiB: 64,
      vcpus: 1,
      uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      ...def,
    };
    this.domains.set(def.name, {
      def: full,
      state,
      reason: state === 'running' ? 'booted' : state === 'paused' ? 'user' : 'defined',
      id: state === 'running' || state === 'paused' ? this.#nextId++ : null,
      persistent: true,
      pins: Array.from({ length: full.vcpus }, () => '0-3'),
      cpuTimeMs: state === 'running' || state === 'paused' ? 1234 : 0,
    });
    return this;
  }

  #get(name: string): FakeDomain {
    const d = this.domains.get(name);
    if (!d) throw new VirtError('no-domain', `no domain with matching name '${name}'`);
    return d;
  }

  #require(d: FakeDomain, states: DomainState[], action: string): void {
    if (!states.includes(d.state)) {
      throw new VirtError(
        'operation-invalid',
        `cannot ${action} domain '${d.def.name}' while it is ${d.state}`,
      );
    }
  }

  #set(d: FakeDomain, state: DomainState, reason: StateReason): void {
    d.state = state;
    d.reason = reason;
    if (state === 'shut off') {
      d.id = null;
      d.cpuTimeMs = 0;
      if (!d.persistent) this.domains.delete(d.def.name);
    }
    this.#emit({ kind: 'lifecycle', domain: d.def.name, state, reason });
  }

  #emit(event: DomainEvent): void {
    for (const { listener, domain } of this.#listeners.values()) {
      if (domain === undefined || domain === event.domain) listener(event);
    }
  }

  #summary(d: FakeDomain): DomainSummary {
    return {
      id: d.id,
      name: d.def.name,
      state: d.state,
      reason: d.reason,
      persistent: d.persistent,
      uuid: d.def.uuid,
      ...(d.autostart ? { autostart: true as const } : {}),
    };
  }

  readonly api: ControlApi = {
    init: () => Promise.reject(new Error('not in the fake')),
    provideKernelImage: () => Promise.reject(new Error('not in the fake')),
    close: async () => {},
    telemetry: () => Promise.reject(new Error('not in the fake')),
    memoryMap: () => Promise.reject(new Error('not in the fake')),
    setBalloonPolicy: async (enabled) => {
      this.policy.enabled = enabled;
    },
    balloonPolicy: async () => structuredClone(this.policy),
    tuneBalloonPolicy: async (change) => {
      const { enabled, ...thresholds } = change;
      const next = { ...this.policy.thresholds, ...thresholds };
      try {
        checkThresholds(next);
      } catch (error) {
        throw new VirtError('invalid-arg', (error as Error).message);
      }
      this.policy.thresholds = next;
      if (enabled !== undefined) this.policy.enabled = enabled;
      return structuredClone(this.policy);
    },
    hostInfo: async () => ({
      hostname: 'fakehost.example.org',
      uuid: '11111111-2222-3333-4444-555555555555',
      pcpus: this.pcpus,
      ramMiB: 1024,
      freeMiB: 1000,
      usedKiB: 24576,
      overheadKiB: 0,
      quickBootKiB: 0,
      balloonPolicy: false,
      pcpuTimes: [],
    }),
    define: async (def) => {
      this.calls.push(`define ${def.name}`);
      const existing = this.domains.get(def.name);
      // As domains.ts: the existing domain's uuid updates its definition.
      if (existing && def.uuid !== undefined && def.uuid === existing.def.uuid) {
        existing.def = { ...def, uuid: existing.def.uuid };
        return this.#summary(existing);
      }
      if (existing) {
        throw new VirtError('domain-exists', `domain '${def.name}' already exists`);
      }
      // As domains.ts: the machine's limit (8) is checked at start, not here.
      if (def.vcpus < 1 || def.vcpus > 4096) {
        throw new VirtError('invalid-arg', `vCPU count must be 1 to 4096, got ${def.vcpus}`);
      }
      this.add({ ...def });
      return this.#summary(this.#get(def.name));
    },
    setAutostart: async (name, enabled) => {
      this.calls.push(`setAutostart ${name} ${enabled}`);
      const d = this.#get(name);
      if (!d.persistent)
        throw new VirtError(
          'operation-invalid',
          'Requested operation is not valid: cannot set autostart for transient domain',
        );
      d.autostart = enabled;
    },
    setMetadata: async (name, metadata) => {
      this.calls.push(`setMetadata ${name} ${JSON.stringify(metadata)}`);
      const d = this.#get(name);
      for (const key of ['title', 'description'] as const) {
        const value = metadata[key];
        if (value === '') delete d.def[key];
        else if (value !== undefined) d.def[key] = value;
      }
    },
    create: async (def) => {
      this.calls.push(`create ${def.name}`);
      await this.api.define(def);
      const d = this.#get(def.name);
      try {
        checkStartable(d.def, this.pcpus);
      } catch (error) {
        this.domains.delete(def.name);
        throw error;
      }
      d.persistent = false;
      d.id = this.#nextId++;
      this.#set(d, 'running', 'booted');
      return this.#summary(d);
    },
    domainDef: async (name) => {
      const d = this.#get(name);
      const vcpupin: Record<number, string> = {};
      d.pins.forEach((p, i) => (vcpupin[i] = p));
      return { ...d.def, vcpupin };
    },
    setMaxMemory: async (name, kib) => {
      this.calls.push(`setMaxMemory ${name} ${kib}`);
      const d = this.#get(name);
      if (d.id !== null) {
        throw new VirtError(
          'operation-invalid',
          'cannot resize the maximum memory on an active domain',
        );
      }
      d.def.memoryMiB = kib / 1024;
    },
    setVcpus: async (name, count, flags = {}) => {
      this.calls.push(`setVcpus ${name} ${count} ${JSON.stringify(flags)}`);
      const d = this.#get(name);
      if (flags.live) {
        throw new VirtError(
          'operation-invalid',
          d.id !== null
            ? 'vCPU hotplug of a running domain is not supported; use --config'
            : `domain '${name}' is not running`,
        );
      }
      if (flags.maximum) d.def.vcpus = count;
      else d.def.vcpusCurrent = count;
    },
    emulatorPin: async (name, cpulist) => {
      if (cpulist !== undefined) this.calls.push(`emulatorPin ${name} ${cpulist}`);
      const d = this.#get(name);
      if (cpulist !== undefined) d.def.emulatorpin = cpulist;
      return d.def.emulatorpin ?? '0-3';
    },
    undefine: async (name) => {
      this.calls.push(`undefine ${name}`);
      const d = this.#get(name);
      if (d.id !== null) d.persistent = false;
      else this.domains.delete(name);
    },
    list: async () => [...this.domains.values()].map((d) => this.#summary(d)),
    info: async (name): Promise<DomainInfo> => {
      const d = this.#get(name);
      const active = d.id !== null;
      return {
        ...this.#summary(d),
        vcpus: d.def.vcpus,
        vcpusCurrent: d.def.vcpusCurrent ?? d.def.vcpus,
        memoryMiB: d.def.memoryMiB,
        maxMemoryKiB: d.def.memoryKiB ?? d.def.memoryMiB * 1024,
        cpuTimeMs: d.cpuTimeMs,
        instructions: 0,
        rssKiB: active ? 8192 : 0,
        exits: {},
        currentMemoryKiB: d.def.currentMemoryKiB ?? d.def.memoryMiB * 1024,
        balloon:
          active && d.def.balloon !== false
            ? {
                targetPages: 0,
                actualPages: 0,
                inflatedPages: 0,
                deflatedPages: 0,
                reportedPages: 0,
                freedFrames: 0,
              }
            : undefined,
        ksm: {
          ksm_rmap_items: 0,
          ksm_merging_pages: 0,
          ksm_zero_pages: 0,
          ksm_process_profit: 0,
          cow_ksm: 0,
        },
        mergeable: true,
        type: d.def.type ?? DEFAULT_DOMAIN_TYPE,
        engine: domainEngine(d.def.type),
        shares: d.def.shares ?? 1024,
        quotaUs: d.def.quotaUs ?? -1,
        periodUs: d.def.periodUs ?? 100000,
      };
    },
    vcpuInfo: async (name): Promise<VcpuInfo[]> => {
      const d = this.#get(name);
      const active = d.id !== null;
      return d.pins.map((affinity, vcpu) => ({
        vcpu,
        state: !active ? 'offline' : vcpu === 0 ? 'running' : 'blocked',
        pcpu: active ? vcpu % this.pcpus : -1,
        cpuTimeMs: active ? 1200 + vcpu * 100 : 0,
        stealMs: active ? 5 : 0,
        blockedMs: 0,
        migrations: 0,
        affinity,
      }));
    },
    start: async (name) => {
      this.calls.push(`start ${name}`);
      const d = this.#get(name);
      this.#require(d, ['shut off', 'crashed'], 'start');
      checkStartable(d.def, this.pcpus); // the real host-limit rules (start-checks.ts)
      d.id = this.#nextId++;
      d.cpuTimeMs = 1234;
      this.#set(d, 'running', 'booted');
    },
    suspend: async (name) => {
      this.calls.push(`suspend ${name}`);
      const d = this.#get(name);
      this.#require(d, ['running'], 'suspend');
      this.#set(d, 'paused', 'user');
    },
    resume: async (name) => {
      this.calls.push(`resume ${name}`);
      const d = this.#get(name);
      this.#require(d, ['paused'], 'resume');
      this.#set(d, 'running', 'user');
    },
    shutdown: async (name) => {
      this.calls.push(`shutdown ${name}`);
      this.#require(this.#get(name), ['running'], 'shutdown');
    },
    reboot: async (name) => {
      this.calls.push(`reboot ${name}`);
      this.#require(this.#get(name), ['running'], 'reboot');
    },
    destroy: async (name) => {
      this.calls.push(`destroy ${name}`);
      const d = this.#get(name);
      this.#require(d, ['running', 'paused'], 'destroy');
      this.#set(d, 'shut off', 'destroyed');
    },
    reset: async (name) => {
      this.calls.push(`reset ${name}`);
      this.#require(this.#get(name), ['running', 'paused'], 'reset');
    },
    setSchedParams: async (name, params) => {
      this.calls.push(`setSchedParams ${name} ${JSON.stringify(params)}`);
      const d = this.#get(name);
      if (params.shares !== undefined && (params.shares < 1 || params.shares > 262144)) {
        throw new VirtError('invalid-arg', `shares must be 1 to 262144, got ${params.shares}`);
      }
      if (params.shares !== undefined) d.def.shares = params.shares;
      if (params.periodUs !== undefined) d.def.periodUs = params.periodUs;
      if (params.quotaUs !== undefined) d.def.quotaUs = params.quotaUs;
    },
    pinVcpu: async (name, vcpu, cpulist) => {
      this.calls.push(`pinVcpu ${name} ${vcpu} ${cpulist}`);
      const d = this.#get(name);
      if (vcpu >= d.def.vcpus) {
        throw new VirtError(
          'invalid-arg',
          `vcpu ${vcpu} is out of range: domain '${name}' has ${d.def.vcpus} vCPU(s)`,
        );
      }
      d.pins[vcpu] = cpulist;
    },
    setMemory: async (name, kib) => {
      this.calls.push(`setMemory ${name} ${kib}`);
      const d = this.#get(name);
      const max = d.def.memoryMiB * 1024;
      if (kib < 1 || kib > max) {
        throw new VirtError('invalid-arg', `cannot set memory higher than max memory (${max} KiB)`);
      }
      d.def.currentMemoryKiB = kib;
    },
    memoryStats: async (name): Promise<MemoryStats> => {
      const d = this.#get(name);
      if (d.id === null) throw new VirtError('operation-invalid', 'domain is not running');
      const current = d.def.currentMemoryKiB ?? d.def.memoryMiB * 1024;
      return { actual: current, rss: 8192 };
    },
    setMemoryStatsPeriod: async (name, seconds) => {
      this.calls.push(`setMemoryStatsPeriod ${name} ${seconds}`);
      this.#get(name);
    },
    ksm: async (): Promise<KsmInfo> => ({
      knobs: { ...this.ksmKnobs },
      stats: {
        pages_shared: 10,
        pages_sharing: 30,
        pages_unshared: 5,
        pages_volatile: 2,
        pages_scanned: 1000,
        full_scans: 3,
        ksm_zero_pages: 0,
        stable_node_chains: 0,
        stable_node_dups: 0,
        pages_skipped: 0,
        general_profit: 110_000,
        scan_ms: 40,
        merges: 30,
      },
    }),
    setKsm: async (knobs) => {
      this.calls.push(`setKsm ${JSON.stringify(knobs)}`);
      if (knobs.pages_to_scan !== undefined && knobs.pages_to_scan < 1) {
        throw new VirtError('invalid-arg', 'pages_to_scan must be at least 1');
      }
      if (knobs.run !== undefined && knobs.run > 2) {
        throw new VirtError(
          'invalid-arg',
          `invalid value for run: ${knobs.run} (must be 0, 1 or 2)`,
        );
      }
      Object.assign(this.ksmKnobs, knobs);
      return this.api.ksm();
    },
    consoleWrite: async (name, data) => {
      const d = this.#get(name);
      this.#require(d, ['running', 'paused'], 'write to the console of');
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
      // The guest shell: echo, then the command's output, then a prompt.
      const line = text.replace(/\n$/, '');
      const output =
        line === 'uname -a' ? `${UNAME}\r\n` : line === '' ? '' : `sh: ${line}: not found\r\n`;
      const bytes = new TextEncoder().encode(`${line}\r\n${output}root@virtlab:~# `);
      setTimeout(() => this.#emit({ kind: 'console', domain: name, bytes }), 1);
    },
    subscribe: async (listener, domain) => {
      const id = this.#nextListener++;
      this.#listeners.set(id, { listener, domain });
      return id;
    },
    unsubscribe: async (id) => {
      this.#listeners.delete(id);
    },
    ...this.#mobility(),
    ...fakeMigration(this.#fakeHooks()),
  } as ControlApi;

  /** Save, snapshots and clones (fake-mobility.ts). */
  #mobility(): Pick<ControlApi, MobilityCalls> {
    return fakeMobility(this.#fakeHooks());
  }

  #fakeHooks(): FakeHooks {
    return {
      get: (name) => this.#get(name),
      require: (d, states, action) => this.#require(d, states, action),
      set: (d, state, reason) => this.#set(d, state, reason),
      summary: (d) => this.#summary(d),
      add: (def, state) => this.add(def, state),
      nextId: () => this.#nextId++,
      calls: this.calls,
    };
  }
}

/** A VirshIo that collects what virsh prints, with files from a map. */
export class CaptureIo implements VirshIo {
  stdout = '';
  stderr = '';
  consoles: string[] = [];
  constructor(
    readonly files: Record<string, string> = {},
    tty = false,
  ) {
    if (!tty) this.attachConsole = undefined;
  }
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
  async readFile(path: string): Promise<string> {
    if (!(path in this.files)) throw new Error('No such file or directory');
    return this.files[path];
  }
  /** Binary files (save images), written by writeBinary. */
  readonly binaries: Record<string, Uint8Array> = {};
  async readBinary(path: string): Promise<Uint8Array> {
    const bytes = this.binaries[path];
    if (!bytes) throw new Error('No such file or directory');
    return bytes;
  }
  async writeBinary(path: string, bytes: Uint8Array): Promise<void> {
    this.binaries[path] = bytes;
  }
  attachConsole?: (domain: string) => Promise<void> = async (domain) => {
    this.consoles.push(domain);
  };
  /** Absent unless a test gives one (virsh edit, desc --edit). */
  editText?: (text: string, suffix: string) => Promise<string>;
  ask?: (question: string) => Promise<string>;
  /** Socket migration URIs: absent (the page has none) unless a test gives one. */
  openMigration?: VirshIo['openMigration'];
  /** What was printed so far, then forgets it. */
  take(): { stdout: string; stderr: string } {
    const result = { stdout: this.stdout, stderr: this.stderr };
    this.stdout = '';
    this.stderr = '';
    return result;
  }
}
