import { Host, HostError, type HostPlatform } from '../hypervisor/host/host';
import { IMAGE_MAX_BYTES, gunzip, isGzip } from '../hypervisor/loader/gzip';
import type { ControlApi, HostConfig, MigrationTarget } from './control-api';
import { DomainManager } from './domains';
import { VirtError } from './errors';
import { broadcastTransport, portTransport, type MigrationTransport } from './migration/transport';
import { readSaveImageHeader } from './save-image';
import { restoreFromImage, saveToImage, snapshotToFile } from './save-file';

const PCPU_START_TIMEOUT_MS = 15_000;

export interface ControlPlatform {
  host: HostPlatform;
  /** Loads a guest image (URL or path) and decompresses it. */
  loadImage(location: string): Promise<Uint8Array>;
  defaultKernelUrl: string;
  defaultPcpus: number;
  defaultRamMiB: number;
}

/** A guest image the client handed over (raw or gzip), checked and decompressed. */
function decodeImage(image: Uint8Array): Promise<Uint8Array> {
  if (image.length > IMAGE_MAX_BYTES)
    return Promise.reject(new Error(`the guest image is larger than ${IMAGE_MAX_BYTES >> 20} MiB`));
  return isGzip(image) ? gunzip(image) : Promise.resolve(image);
}

/** The control API, platform-free: a Host and its DomainManager, made at `init`. */
export function createControl(platform: ControlPlatform): ControlApi {
  let host: Host | undefined;
  let domains: DomainManager | undefined;
  let kernel: Promise<Uint8Array> | undefined;
  /** Reads the built-in kernel from kernelUrl (set by init). */
  let loadDefault: (() => Promise<Uint8Array>) | undefined;
  /** Settles `kernel` while init's kernelImageToFollow awaits the client's image. */
  let kernelToFollow: ((image: Promise<Uint8Array>) => void) | undefined;
  const need = (): DomainManager => {
    if (!domains)
      throw new VirtError('operation-invalid', 'the host is not started: call init first');
    return domains;
  };

  const init = async (config: HostConfig) => {
    if (host) throw new VirtError('operation-invalid', 'the host is already started');
    const kernelUrl = config.kernelUrl ?? platform.defaultKernelUrl;
    try {
      host = new Host(
        {
          pcpus: config.pcpus ?? platform.defaultPcpus,
          ramMiB: config.ramMiB ?? platform.defaultRamMiB,
        },
        platform.host,
        (event) => domains?.onHostEvent(event),
      );
    } catch (error) {
      if (error instanceof HostError) throw new VirtError('invalid-arg', error.message);
      throw error;
    }
    /** The built-in kernel, read (and gunzipped) once per host; a failed read is tried again by the next start. */
    loadDefault = (): Promise<Uint8Array> => {
      const load = platform.loadImage(kernelUrl);
      load.catch(() => {
        if (kernel === load) kernel = undefined;
      });
      return load;
    };
    domains = new DomainManager(
      host,
      () => (kernel ??= loadDefault!()),
      (path) => platform.loadImage(path),
    );
    if (config.kernelImageToFollow) {
      // Handed over by provideKernelImage; a start that needs it waits.
      kernel = new Promise<Uint8Array>((resolve) => (kernelToFollow = resolve));
    } else if (config.kernelImage) {
      kernel = decodeImage(config.kernelImage);
      kernel.catch(() => undefined); // reported by the start that needs it
    } else {
      // Read while the pCPU workers start, so the first VM does not wait for it (~150 ms).
      kernel = loadDefault();
    }
    if (config.hostname !== undefined) domains.identity.hostname = String(config.hostname);
    domains.setBalloonPolicy(config.balloonPolicy ?? false);
    // The host is up once its pCPU workers are: one that cannot load is an error here, not a hang later.
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        host.pcpusOnline(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`pCPU workers did not start within ${PCPU_START_TIMEOUT_MS / 1000} s`),
              ),
            PCPU_START_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      throw new VirtError('no-resources', (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
    return domains.hostInfo();
  };
  const provideKernelImage = async (image: Uint8Array | undefined) => {
    const settle = kernelToFollow;
    if (!settle || !loadDefault)
      throw new VirtError('operation-invalid', 'the host awaits no guest image');
    kernelToFollow = undefined;
    // Starts waiting for the promised image get this one; later starts use `kernel` (so a
    // failed read from kernelUrl is tried again by the next start, as without a handover).
    kernel = image ? decodeImage(image) : loadDefault();
    kernel.catch(() => undefined); // reported by the start that needs it
    settle(kernel);
  };
  return {
    init,
    provideKernelImage,
    close: async () => {
      kernelToFollow = undefined;
      domains?.setBalloonPolicy(false);
      await host?.shutdown();
      host = undefined;
      domains = undefined;
    },
    hostInfo: async () => need().hostInfo(),
    telemetry: async () => {
      need();
      return {
        sched: host!.sched.sab,
        trace: host!.trace.sab,
        ksm: host!.ksm.sab,
        framePool: host!.frames.sab,
      };
    },
    define: async (def) => need().define(def),
    undefine: async (name) => need().undefine(name),
    create: async (def, options) => need().create(def, options),
    domainDef: async (name, options) => need().domainDef(name, options),
    setMaxMemory: async (name, kib, affect) => need().setMaxMemory(name, kib, affect),
    setVcpus: async (name, count, flags) => need().setVcpus(name, count, flags),
    emulatorPin: async (name, cpulist, affect) => need().emulatorPin(name, cpulist, affect),
    setAutostart: async (name, enabled) => need().setAutostart(name, enabled),
    setMetadata: async (name, metadata, affect) => need().setMetadata(name, metadata, affect),
    list: async () => need().list(),
    info: async (name) => need().info(name),
    vcpuInfo: async (name) => need().vcpuInfo(name),
    start: async (name, options) => need().start(name, options),
    suspend: async (name) => need().suspend(name),
    resume: async (name) => need().resume(name),
    shutdown: async (name) => need().shutdown(name),
    reboot: async (name) => need().reboot(name),
    destroy: async (name) => need().destroy(name),
    reset: async (name) => need().reset(name),
    setSchedParams: async (name, params, affect) => need().setSchedParams(name, params, affect),
    pinVcpu: async (name, vcpu, cpulist, affect) => need().pinVcpu(name, vcpu, cpulist, affect),
    setMemory: async (name, kib, affect) => need().setMemory(name, kib, affect),
    memoryStats: async (name) => need().memoryStats(name),
    setMemoryStatsPeriod: async (name, seconds, affect) =>
      need().setMemoryStatsPeriod(name, seconds, affect),
    setBalloonPolicy: async (enabled) => need().setBalloonPolicy(enabled),
    balloonPolicy: async () => need().balloonPolicyInfo(),
    tuneBalloonPolicy: async (change) => need().tuneBalloonPolicy(change),
    memoryMap: async (name) => need().memoryMap(name),
    ksm: async () => need().ksm(),
    setKsm: async (knobs) => need().setKsm(knobs),
    consoleWrite: async (name, data) => need().consoleWrite(name, data),
    save: async (name, options) => saveToImage(need(), name, options ?? {}),
    restore: async (image, options) => restoreFromImage(need(), image, options ?? {}),
    saveImageXml: async (image) => (await readSaveImageHeader(image)).xml,
    managedSave: async (name, options) => need().images.managedSave(name, options),
    managedSaveRemove: async (name) => need().images.managedSaveRemove(name),
    hasManagedSave: async (name) => need().images.hasManagedSave(name),
    snapshotCreate: async (name, options) => need().snapshots.create(name, options),
    snapshotList: async (name) => need().snapshots.list(name),
    snapshotInfo: async (name, snapshot) => need().snapshots.info(name, snapshot),
    snapshotDef: async (name, snapshot) => need().snapshots.def(name, snapshot),
    snapshotSave: async (name, snapshot) => snapshotToFile(need(), name, snapshot),
    snapshotRevert: async (name, snapshot, options) =>
      need().snapshots.revert(name, snapshot, options),
    snapshotDelete: async (name, snapshot, options) =>
      need().snapshots.delete(name, snapshot, options),
    clone: async (source, options) => need().images.clone(source, options),
    migrate: async (name, target, params) =>
      need().migrations.migrate(name, migrationTransport(target, 'source'), params),
    migrateIncoming: async (target) =>
      need().migrations.incoming(migrationTransport(target, 'destination')),
    // An incoming domain has a job before it has a definition here (it is defined at Finish).
    jobInfo: async (name, options) => {
      const info = need().migrations.jobInfo(name, options?.completed);
      if (!info) need().info(name); // no-domain for an unknown name
      return info ?? null;
    },
    jobAbort: async (name) => {
      if (need().migrations.abort(name)) return;
      need().info(name);
      throw new VirtError(
        'operation-invalid',
        'Requested operation is not valid: no job is active on the domain',
      );
    },
    migrateSetSpeed: async (name, mibs) => tuneMigration(need(), name, { bandwidthMiBs: mibs }),
    migrateGetSpeed: async (name) => (
      need().info(name),
      need().migrations.tunables(name).bandwidthMiBs
    ),
    migrateSetMaxDowntime: async (name, ms) => tuneMigration(need(), name, { maxDowntimeMs: ms }),
    migrateGetMaxDowntime: async (name) => (
      need().info(name),
      need().migrations.tunables(name).maxDowntimeMs
    ),
    subscribe: async (listener, domain) => need().subscribe(listener, domain),
    unsubscribe: async (id) => need().unsubscribe(id),
  };
}

/** The transport for a control-API migration target. */
function migrationTransport(
  target: MigrationTarget,
  role: 'source' | 'destination',
): MigrationTransport {
  if (target.kind === 'port') return portTransport(target.port, undefined, true);
  if (target.kind === 'broadcast') return broadcastTransport(target.channel, role);
  throw new VirtError('invalid-arg', 'invalid argument: unknown migration target');
}

function tuneMigration(
  dm: DomainManager,
  name: string,
  change: { bandwidthMiBs?: number; maxDowntimeMs?: number },
): void {
  dm.info(name);
  try {
    dm.migrations.tune(name, change);
  } catch (error) {
    throw new VirtError('invalid-arg', `invalid argument: ${(error as Error).message}`);
  }
}
