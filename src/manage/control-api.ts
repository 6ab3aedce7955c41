import type { PolicyThresholds } from './balloon-policy';
import type { JitStats } from '../hypervisor/cpu/jit/jit-stats';
import type { KsmKnobs, KsmStats } from '../hypervisor/ksm/ksm-state';
import type { MigrationJobInfo } from './migration/job-info';
import type { MigrationParams } from './migration/params';

export type { MigrationJobInfo };

/**
 * Where a migration stream goes (manage/migration/transport.ts): one end
 * of a MessageChannel (two hosts in one page, or a socket bridged by the
 * Node virsh; transfer it with the call), or a BroadcastChannel name
 * shared by two tabs.
 */
export type MigrationTarget =
  { kind: 'port'; port: MessagePort } | { kind: 'broadcast'; channel: string };
/**
 * The control API: the one typed surface through which the page, the
 * terminal CLI, virsh and tests drive the host (libvirt's role). Served from
 * the control worker over Comlink (Web Worker in browsers, worker_threads
 * with Comlink's node adapter in Node). A closed set of actions; each says
 * in which domain states it is allowed and throws a VirtError otherwise.
 */

/** libvirt's domain states (virDomainState). */
export type DomainState = 'shut off' | 'running' | 'paused' | 'crashed';

/** Why a domain last stopped or paused (virDomainShutoffReason & co.). */
export type StateReason =
  | 'defined'
  /** The definition is gone (undefine, or a transient domain that stopped or failed to start). */
  | 'undefined'
  | 'booted'
  | 'user'
  | 'shutdown'
  | 'destroyed'
  | 'crashed'
  | 'failed'
  | 'reset'
  | 'finished'
  | 'rebooted'
  /** Paused by the host: no free host memory to back the guest's RAM (QEMU's stop on error). */
  | 'out of memory'
  /** virsh save: shut off with its state in a save image (VIR_DOMAIN_SHUTOFF_SAVED), */
  | 'saved'
  /** and running again from one (VIR_DOMAIN_RUNNING_RESTORED). */
  | 'restored'
  /** Paused while its state is written (VIR_DOMAIN_PAUSED_SAVE). */
  | 'saving'
  /** Paused while a snapshot is taken (VIR_DOMAIN_PAUSED_SNAPSHOT). */
  | 'creating snapshot'
  /** Running, paused or shut off after snapshot-revert (VIR_DOMAIN_*_FROM_SNAPSHOT). */
  | 'from snapshot'
  /** Paused while migrating; running on the destination, shut off on the source after it (…_MIGRATED). */
  | 'migrating'
  | 'migrated';

/**
 * Which config an action changes, as libvirt's flags: `live` the running
 * domain, `config` the persistent definition (its next boot), both, or
 * neither (--current: the running domain if it runs, else the definition).
 * operation-invalid for live on a domain that is not running, and for
 * config on a transient one.
 */
export interface Affect {
  live?: boolean;
  config?: boolean;
}

/** What happens when the guest powers off, reboots or crashes (libvirt on_poweroff, on_reboot, on_crash). */
export type LifecycleAction = 'destroy' | 'restart' | 'preserve';

/**
 * libvirt's domain type (virDomainVirtType): 'kvm' runs the vCPUs on the
 * JIT, guest code translated to WebAssembly ("accelerated", our hardware
 * assist); 'qemu' on the interpreter (QEMU's pure emulation).
 */
export type DomainType = 'kvm' | 'qemu';

/** The type of a domain defined without one. */
export const DEFAULT_DOMAIN_TYPE: DomainType = 'kvm';

/** The vCPU engine a domain type runs. */
export function domainEngine(type: DomainType | undefined): 'jit' | 'interpreter' {
  return (type ?? DEFAULT_DOMAIN_TYPE) === 'kvm' ? 'jit' : 'interpreter';
}

export interface DomainDef {
  name: string;
  /** libvirt uuid; generated at define when absent. */
  uuid?: string;
  /**
   * libvirt `<genid>`: the VM generation id its vmgenid device holds
   * (hypervisor/devices/vmgenid.ts), a UUID; generated at define when
   * absent, and anew whenever the VM starts from a copy of its state (a
   * saved file, a snapshot, a clone, quick boot), so its guest reseeds its
   * RNG; a migration keeps it.
   */
  genid?: string;
  title?: string;
  description?: string;
  /** libvirt domain type: the vCPU engine (DomainType). Default DEFAULT_DOMAIN_TYPE. */
  type?: DomainType;
  /** Maximum memory (libvirt memory), MiB: what the guest gets (rounded up when memoryKiB is set). */
  memoryMiB: number;
  /**
   * The maximum memory as defined, KiB, when it is not a whole number of
   * MiB: dumpxml writes it back to the KiB; the guest gets memoryMiB.
   */
  memoryKiB?: number;
  /** libvirt `<metadata>` as written (an XML element), kept verbatim. */
  metadata?: string;
  /** Maximum vCPUs (libvirt vcpu). */
  vcpus: number;
  /** vCPUs online at boot (libvirt vcpu current; the rest boot offline, Linux maxcpus=). Default: vcpus. */
  vcpusCurrent?: number;
  /** pCPUs every vCPU may run on by default (libvirt vcpu cpuset), a cpulist. */
  cpuset?: string;
  /** cputune vcpupin: per vCPU, a cpulist. Overrides cpuset. */
  vcpupin?: Record<number, string>;
  /**
   * cputune emulatorpin, a cpulist: recorded and reported. The VMM is a
   * browser worker whose core the OS chooses; nothing can pin it.
   */
  emulatorpin?: string;
  /** Lifecycle actions (defaults as libvirt: destroy, restart, destroy). */
  onPoweroff?: LifecycleAction;
  onReboot?: LifecycleAction;
  onCrash?: LifecycleAction;
  /** Kernel: the built-in guest image when omitted. */
  kernel?: Uint8Array;
  /** Where the kernel is (libvirt os/kernel): a path in Node, a URL in browsers; loaded at start. */
  kernelPath?: string;
  bootargs?: string;
  initrd?: Uint8Array;
  /** A bare-metal rv32 ELF instead of a kernel (M-mode, HTIF). */
  elf?: Uint8Array;
  /** cputune: CPU weight of each vCPU (default 1024). */
  shares?: number;
  /** cputune: bandwidth cap per vCPU, µs per period (-1 or absent: none). */
  quotaUs?: number;
  periodUs?: number;
  /** ksmd may merge this domain's pages (default true; libvirt's `<nosharepages/>` is false). */
  mergeable?: boolean;
  /** libvirt currentMemory, KiB: the balloon holds the rest of memoryMiB at boot. Default: all of it. */
  currentMemoryKiB?: number;
  /**
   * The virtio balloon (libvirt memballoon model='virtio', present unless
   * false): autodeflate is DEFLATE_ON_OOM; freePageReporting lets the guest
   * report free pages for the host to drop (both off by default, as in
   * libvirt); statsPeriodS the stats polling period (0 = off).
   */
  balloon?: false | { autodeflate?: boolean; freePageReporting?: boolean; statsPeriodS?: number };
}

/** virsh dommemstat: present fields only, KiB except counts (faults, hugetlb) and last_update (s). */
export interface MemoryStats {
  swap_in?: number;
  swap_out?: number;
  major_fault?: number;
  minor_fault?: number;
  unused?: number;
  available?: number;
  usable?: number;
  actual?: number;
  rss?: number;
  last_update?: number;
  disk_caches?: number;
  hugetlb_pgalloc?: number;
  hugetlb_pgfail?: number;
}

/** The balloon's counters (ours), pages. */
export interface BalloonInfo {
  targetPages: number;
  actualPages: number;
  inflatedPages: number;
  deflatedPages: number;
  reportedPages: number;
  freedFrames: number;
}

export interface DomainSummary {
  id: number | null;
  name: string;
  state: DomainState;
  reason: StateReason;
  /** While active: the scheduler slot of each vCPU, to find it in the shared telemetry. */
  vcpuSlots?: number[];
  /** Defined (persistent) or only running (transient, from create). */
  persistent: boolean;
  uuid: string;
  /** libvirt's autostart flag is set (virsh autostart). */
  autostart?: true;
}

/** A domain snapshot as snapshot-list and snapshot-info show it. */
export interface SnapshotInfo {
  name: string;
  description?: string;
  /** Seconds since the Unix epoch. */
  creationTime: number;
  /** The domain's state when it was taken. */
  state: 'running' | 'paused' | 'shutoff';
  parent?: string;
  /** The domain's current snapshot (the last taken or reverted to). */
  current: boolean;
  children: number;
  descendants: number;
  /** Guest pages it holds (shared copy-on-write with the domain and its clones). */
  memoryPages: number;
}

export interface DomainInfo extends DomainSummary {
  /** Maximum vCPUs. */
  vcpus: number;
  /** vCPUs online now (running: the live config, which setvcpus --live changes; else at boot). */
  vcpusCurrent: number;
  memoryMiB: number;
  /** The maximum memory as defined (libvirt's maxMem), KiB: memoryMiB · 1024 unless defined to the KiB. */
  maxMemoryKiB: number;
  /** CPU time used by all vCPUs, ms. */
  cpuTimeMs: number;
  /** Instructions retired by all vCPUs. */
  instructions: number;
  /** Host memory backing the guest now, KiB (dommemstat `rss`): RAM is backed on first touch. */
  rssKiB: number;
  /** For a crashed or failed domain: what happened. */
  detail?: string;
  /** Exit counters, kvm_stat names. */
  exits: Record<string, number>;
  /** libvirt currentMemory, KiB (while running: the maximum minus the balloon's actual size). */
  currentMemoryKiB: number;
  /** The balloon's counters, when it has one and runs. */
  balloon?: BalloonInfo;
  /** Per-domain KSM figures, as /proc/<pid>/ksm_stat of its QEMU. */
  ksm: DomainKsmStat;
  mergeable: boolean;
  /** The domain type and the vCPU engine it runs ('jit' for kvm, 'interpreter' for qemu). */
  type: DomainType;
  engine: 'jit' | 'interpreter';
  shares: number;
  quotaUs: number;
  periodUs: number;
}

export interface VcpuInfo {
  vcpu: number;
  /** `paused`: its domain is suspended (or paused for memory), so it is not scheduled. */
  state: 'running' | 'runnable' | 'blocked' | 'paused' | 'offline';
  /** pCPU it runs on now, or last ran on (-1: never). */
  pcpu: number;
  cpuTimeMs: number;
  stealMs: number;
  blockedMs: number;
  migrations: number;
  /** Allowed pCPUs, as a cpulist ("0-1,3"). */
  affinity: string;
}

export interface DomainKsmStat {
  ksm_rmap_items: number;
  ksm_merging_pages: number;
  ksm_zero_pages: number;
  /** Bytes saved for this domain minus its rmap items. */
  ksm_process_profit: number;
  /** Copy-on-write breaks of its merged pages so far (/proc/vmstat's cow_ksm, for this domain). */
  cow_ksm: number;
}

/** ksmd's knobs and statistics, with /sys/kernel/mm/ksm/ names. */
export interface KsmInfo {
  knobs: KsmKnobs;
  stats: KsmStats;
}

export interface HostInfo {
  /** The host's name (virConnectGetHostname): HostConfig.hostname, else 'localhost'. */
  hostname: string;
  /** The host's uuid, made when it starts (capabilities, sysinfo). */
  uuid: string;
  pcpus: number;
  ramMiB: number;
  freeMiB: number;
  /** Host memory backing guest RAM now, KiB: the sum of every running domain's rss. */
  usedKiB: number;
  /** Host memory reserved for running domains' own workers (VMM), KiB: not free, not guest RAM. */
  overheadKiB: number;
  /**
   * Guest memory held by quick boot's templates (snapshots taken at the
   * shell prompt, shared copy-on-write with the VMs started from them), KiB.
   */
  quickBootKiB: number;
  /** The automatic balloon policy runs. */
  balloonPolicy: boolean;
  /** Idle and busy time of each pCPU since the host started, ms. */
  pcpuTimes: { busyMs: number; idleMs: number }[];
  /** The JITs of all pCPUs: compile time, code cache size, instructions run translated. */
  jit?: JitStats;
}

export interface BalloonPolicyInfo {
  enabled: boolean;
  thresholds: PolicyThresholds;
  /** The last decisions (at most 20), newest first. */
  decisions: Extract<DomainEvent, { kind: 'balloon-policy' }>[];
}

export type DomainEvent =
  | { kind: 'lifecycle'; domain: string; state: DomainState; reason: StateReason; detail?: string }
  | { kind: 'console'; domain: string; bytes: Uint8Array }
  /** The automatic balloon policy changed a balloon or resumed a domain (manage/balloon-policy.ts). */
  | {
      kind: 'balloon-policy';
      domain: string;
      action: 'inflate' | 'deflate' | 'resume';
      pages: number;
      message: string;
      /** Wall-clock time, ms since the Unix epoch. */
      atMs: number;
    };

/** Shared-memory telemetry for readers that poll every frame (layouts in ARCHITECTURE.md). */
export interface Telemetry {
  sched: SharedArrayBuffer;
  trace: SharedArrayBuffer;
  /** ksmd's knobs and statistics (ksm/ksm-state.ts). */
  ksm: SharedArrayBuffer;
  /**
   * The frame pool (memory/frame-pool.ts): free count, zero frame and one
   * reference count per host frame, for the page's host frame map. Read only.
   */
  framePool: SharedArrayBuffer;
}

/** Host configuration, given once at init. */
export interface HostConfig {
  /** pCPU workers (default: hardwareConcurrency − 1, at least 1). */
  pcpus?: number;
  /** Host RAM for all guests, MiB (default 512 in browsers, 1024 in Node). */
  ramMiB?: number;
  /** Where the built-in guest image is (a URL in browsers, a path in Node). */
  kernelUrl?: string;
  /**
   * The built-in guest image itself (raw or gzip), when the client already
   * fetched it (the page does, to show the download's progress): then it
   * is not loaded from kernelUrl again.
   */
  kernelImage?: Uint8Array;
  /**
   * The client is still fetching the built-in image and will hand it over
   * with `provideKernelImage`: the host starts (its pCPU workers, and their
   * training) meanwhile, and a domain that boots the built-in kernel waits
   * for the image. The page begins its host this way, before the image and
   * the app's script have loaded (ui/host-start.ts).
   */
  kernelImageToFollow?: boolean;
  /** Run the automatic balloon policy (manage/balloon-policy.ts). Default false. */
  balloonPolicy?: boolean;
  /** The host's name for virsh hostname (the machine's, in Node). Default 'localhost'. */
  hostname?: string;
}

export interface ControlApi {
  /** Starts the host: pCPU workers, host RAM. Must come first; throws invalid-arg for a bad config. */
  init(config: HostConfig): Promise<HostInfo>;
  /**
   * The built-in image promised at init (`kernelImageToFollow`), raw or
   * gzip; undefined when the client could not fetch it: the host then reads
   * kernelUrl itself. Throws operation-invalid when no image is awaited.
   */
  provideKernelImage(image: Uint8Array | undefined): Promise<void>;
  /** Stops every domain and the pCPU workers. */
  close(): Promise<void>;
  hostInfo(): Promise<HostInfo>;
  telemetry(): Promise<Telemetry>;

  /** Defines a domain (shut off). Throws domain-exists, invalid-arg. */
  define(def: DomainDef): Promise<DomainSummary>;
  /**
   * A transient domain (virsh create): defined and started at once; its
   * definition goes when it stops.
   */
  create(def: DomainDef, options?: { paused?: boolean }): Promise<DomainSummary>;
  /**
   * The definition as it stands (for dumpxml): kernel bytes left out,
   * vcpupin for every vCPU pinned apart from cpuset (virsh vcpupin and
   * pinVcpu included), currentMemoryKiB live while running.
   */
  domainDef(
    name: string,
    options?: { inactive?: boolean },
  ): Promise<DomainDef & { uuid: string; vcpupin: Record<number, string> }>;
  /** virsh setmaxmem (shut off only): the maximum memory, KiB (a whole number of MiB). */
  setMaxMemory(name: string, kib: number, affect?: Affect): Promise<void>;
  /**
   * virsh setvcpus: the vCPUs online at boot (or, with maximum, the
   * maximum) of the definition; with live, of the running guest, through
   * its agent (CPU hotplug: the guest onlines/offlines CPUs, as libvirt's
   * setvcpus --guest), up to the maximum.
   */
  setVcpus(name: string, count: number, flags?: Affect & { maximum?: boolean }): Promise<void>;
  /** virsh emulatorpin: set (cpulist) or read the emulator pinning. */
  emulatorPin(name: string, cpulist?: string, affect?: Affect): Promise<string>;
  /**
   * virsh autostart: sets libvirt's autostart flag of a persistent domain
   * (shown by dominfo and list --autostart). The host starts with no
   * domains defined (definitions live as long as it does), so there is no
   * host start for it to act on yet.
   */
  setAutostart(name: string, enabled: boolean): Promise<void>;
  /** virsh desc: sets (or, with '', removes) the title or description. Any state. */
  setMetadata(
    name: string,
    metadata: { title?: string; description?: string },
    affect?: Affect,
  ): Promise<void>;
  /** Removes a shut-off domain's definition. Throws no-domain, operation-invalid. */
  undefine(name: string): Promise<void>;
  list(): Promise<DomainSummary[]>;
  info(name: string): Promise<DomainInfo>;
  vcpuInfo(name: string): Promise<VcpuInfo[]>;

  /** shut off | crashed → running. Throws no-resources when the host lacks memory or vCPU slots. */
  /**
   * virsh start: boots the domain, or resumes it from its managed save
   * image (which is then removed) unless forceBoot.
   */
  start(
    name: string,
    options?: {
      paused?: boolean;
      forceBoot?: boolean;
      /**
       * Quick boot (the page's default VMs): resume from the host's snapshot
       * of the same configuration taken at the shell prompt, if it has one;
       * else boot, and keep such a snapshot at the first prompt
       * (boot-templates.ts).
       */
      quick?: boolean;
    },
  ): Promise<void>;
  /** running → paused (virsh suspend). */
  suspend(name: string): Promise<void>;
  /** paused → running. */
  resume(name: string): Promise<void>;
  /** running: asks the guest to power off (it decides). */
  shutdown(name: string): Promise<void>;
  /** running: asks the guest to reboot. */
  reboot(name: string): Promise<void>;
  /** running | paused → shut off, at once (virsh destroy). */
  destroy(name: string): Promise<void>;
  /** running | paused: hard reset, like pressing the reset button. */
  reset(name: string): Promise<void>;

  /** virsh schedinfo --set: shares (cpu_shares), vcpu_period, vcpu_quota. Any state. */
  setSchedParams(
    name: string,
    params: { shares?: number; periodUs?: number; quotaUs?: number },
    affect?: Affect,
  ): Promise<void>;
  /** virsh vcpupin DOMAIN VCPU CPULIST. Throws invalid-arg for a pCPU the host lacks. */
  pinVcpu(name: string, vcpu: number, cpulist: string, affect?: Affect): Promise<void>;
  /**
   * virsh setmem: a running domain's balloon target (live), or the
   * currentMemory it boots with (shut off). KiB, 1 ≤ kib ≤ maximum memory.
   */
  setMemory(name: string, kib: number, affect?: Affect): Promise<void>;
  /** virsh dommemstat. */
  memoryStats(name: string): Promise<MemoryStats>;
  /** virsh dommemstat --period: the balloon's stats polling period, s (0 = off). */
  setMemoryStatsPeriod(name: string, seconds: number, affect?: Affect): Promise<void>;
  /**
   * A running domain's memory map for live views: its p2m table (shared
   * memory, read with hypervisor/memory/p2m-view.ts) and the host's zero
   * frame. operation-invalid when the domain is not running.
   */
  memoryMap(name: string): Promise<{ p2m: SharedArrayBuffer; zeroFrame: number }>;
  /** Turns the automatic balloon policy on or off. */
  setBalloonPolicy(enabled: boolean): Promise<void>;
  /** The balloon policy: on or off, its thresholds, its recent decisions (newest first). */
  balloonPolicy(): Promise<BalloonPolicyInfo>;
  /** Switches the policy and/or changes thresholds (checked together; nothing changes on error). */
  tuneBalloonPolicy(
    change: Partial<PolicyThresholds> & { enabled?: boolean },
  ): Promise<BalloonPolicyInfo>;
  /** ksmd's knobs and statistics (virsh node-memory-tune). */
  ksm(): Promise<KsmInfo>;
  /** Sets ksmd knobs with Linux's rules; invalid-arg names a bad one and changes nothing. */
  setKsm(knobs: Partial<KsmKnobs>): Promise<KsmInfo>;

  /** Bytes typed on the domain's serial console. running | paused. */
  consoleWrite(name: string, data: string | Uint8Array): Promise<void>;
  /** Events for one domain, or for every domain when `domain` is omitted; returns an id for unsubscribe. */
  /**
   * virsh save: the domain's whole state as a save image (ARCHITECTURE.md,
   * "Save image format"); the domain is shut off (reason saved).
   */
  save(name: string, options?: { paused?: boolean; running?: boolean }): Promise<Uint8Array>;
  /**
   * virsh restore: a domain from a save image, running or paused (as saved,
   * unless told). `xml` replaces the image's definition (same name and
   * uuid, as libvirt's --xml). A bad image is refused whole.
   */
  restore(
    image: Uint8Array,
    options?: { paused?: boolean; running?: boolean; xml?: string },
  ): Promise<DomainSummary>;
  /** virsh save-image-dumpxml: the domain XML inside a save image. */
  saveImageXml(image: Uint8Array): Promise<string>;
  /** virsh managedsave: saves the domain's state inside the host and stops it; start resumes it. */
  managedSave(name: string, options?: { paused?: boolean; running?: boolean }): Promise<void>;
  /** virsh managedsave-remove: false when there was no image. */
  managedSaveRemove(name: string): Promise<boolean>;
  hasManagedSave(name: string): Promise<boolean>;
  /** virsh snapshot-create-as: an internal snapshot (RAM shared copy-on-write). */
  snapshotCreate(
    name: string,
    options?: { name?: string; description?: string; halt?: boolean },
  ): Promise<SnapshotInfo>;
  snapshotList(name: string): Promise<SnapshotInfo[]>;
  snapshotInfo(name: string, snapshot: string): Promise<SnapshotInfo>;
  /** The snapshot and the domain definition it holds (snapshot-dumpxml). */
  snapshotDef(
    name: string,
    snapshot: string,
  ): Promise<{ snapshot: SnapshotInfo; def: DomainDef & { uuid: string } }>;
  /**
   * Ours (virsh snapshot-save): an active snapshot as a save image, the
   * file restore takes (a snapshot taken while shut off holds no state:
   * operation-invalid). The snapshot and the domain are left as they are.
   */
  snapshotSave(name: string, snapshot: string): Promise<Uint8Array>;
  snapshotRevert(
    name: string,
    snapshot: string,
    options?: { running?: boolean; paused?: boolean },
  ): Promise<void>;
  /** Deletes a snapshot (and with children, its descendants); returns the names deleted. */
  snapshotDelete(
    name: string,
    snapshot: string,
    options?: { children?: boolean },
  ): Promise<string[]>;
  /** virt-clone: a new domain from the source's state (or a snapshot), sharing its RAM copy-on-write. */
  clone(
    source: string,
    options: { name: string; snapshot?: string; paused?: boolean },
  ): Promise<DomainSummary>;

  /**
   * virsh migrate --live: moves a running or paused domain to the host at
   * the other end of `target`, which must be waiting in migrateIncoming.
   * Resolves with the job's figures once the domain runs there (here it is
   * then shut off, reason migrated); operation-aborted after domjobabort,
   * operation-failed otherwise, and either way the domain runs on here.
   */
  migrate(
    name: string,
    target: MigrationTarget,
    params?: Partial<
      Pick<
        MigrationParams,
        | 'live'
        | 'bandwidthMiBs'
        | 'maxDowntimeMs'
        | 'autoConverge'
        | 'maxIterations'
        | 'throttleInitial'
        | 'throttleIncrement'
      >
    >,
  ): Promise<MigrationJobInfo>;
  /** Receives one migrating domain from `target` (QEMU's -incoming); resolves once it runs here. */
  migrateIncoming(target: MigrationTarget): Promise<{ name: string; info: MigrationJobInfo }>;
  /** virsh domjobinfo: the active job's figures (null: none), or the last completed one's. */
  jobInfo(name: string, options?: { completed?: boolean }): Promise<MigrationJobInfo | null>;
  /** virsh domjobabort: operation-invalid when no job is active. */
  jobAbort(name: string): Promise<void>;
  /** virsh migrate-setspeed / migrate-getspeed (MiB/s, 0 = unlimited): the job's and the next ones'. */
  migrateSetSpeed(name: string, mibs: number): Promise<void>;
  migrateGetSpeed(name: string): Promise<number>;
  /** virsh migrate-setmaxdowntime / migrate-getmaxdowntime (ms). */
  migrateSetMaxDowntime(name: string, ms: number): Promise<void>;
  migrateGetMaxDowntime(name: string): Promise<number>;

  subscribe(listener: (event: DomainEvent) => void, domain?: string): Promise<number>;
  unsubscribe(id: number): Promise<void>;
}
