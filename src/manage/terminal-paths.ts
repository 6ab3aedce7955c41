import type { ControlApi } from './control-api';

/**
 * One control API, many front-ends: every call the page makes must have a
 * terminal path in virsh, so the page and `npm run virsh` cannot drift
 * apart (issue [terminal-parity]). For each control API method the page
 * calls: a virsh line (on a host with a running `web`, a shut-off `db` and a paused `idle`)
 * that makes the same call, and the methods that count as the same call.
 * terminal-paths.test.ts runs every line and reads the page's source.
 */
export interface TerminalPath {
  line: string;
  /** Methods that do what the page's call does (the first is the page's own). */
  methods: (keyof ControlApi)[];
}

export const TERMINAL_PATHS: Partial<Record<keyof ControlApi, TerminalPath>> = {
  list: { line: 'list --all', methods: ['list'] },
  info: { line: 'dominfo web', methods: ['info'] },
  hostInfo: { line: 'nodeinfo', methods: ['hostInfo'] },
  domainDef: { line: 'dumpxml web', methods: ['domainDef'] },
  vcpuInfo: { line: 'vcpuinfo web', methods: ['vcpuInfo'] },
  memoryStats: { line: 'dommemstat web', methods: ['memoryStats'] },
  define: { line: 'define vm1.xml', methods: ['define'] },
  start: { line: 'start db', methods: ['start'] },
  undefine: { line: 'undefine db', methods: ['undefine'] },
  suspend: { line: 'suspend web', methods: ['suspend'] },
  resume: { line: 'resume idle', methods: ['resume'] },
  shutdown: { line: 'shutdown web', methods: ['shutdown'] },
  reboot: { line: 'reboot web', methods: ['reboot'] },
  reset: { line: 'reset web', methods: ['reset'] },
  destroy: { line: 'destroy web', methods: ['destroy'] },
  consoleWrite: { line: 'exec web "echo hi"', methods: ['consoleWrite'] },
  setMemory: { line: 'setmem web 48M --live', methods: ['setMemory'] },
  setMemoryStatsPeriod: {
    line: 'dommemstat web --period 2 --live',
    methods: ['setMemoryStatsPeriod'],
  },
  setVcpus: { line: 'setvcpus web 1 --live', methods: ['setVcpus'] },
  pinVcpu: { line: 'vcpupin web 0 0', methods: ['pinVcpu'] },
  setSchedParams: {
    line: 'schedinfo web --set cpu_shares=2048 --live',
    methods: ['setSchedParams'],
  },
  setKsm: { line: 'ksm --run 1 --pages-to-scan 1000', methods: ['setKsm'] },
  setBalloonPolicy: {
    line: 'balloon-policy --enable',
    methods: ['setBalloonPolicy', 'tuneBalloonPolicy'],
  },
  save: { line: 'save web web.vlsave', methods: ['save'] },
  restore: { line: 'restore db.vlsave', methods: ['restore'] },
  managedSave: { line: 'managedsave web', methods: ['managedSave'] },
  managedSaveRemove: { line: 'managedsave-remove db', methods: ['managedSaveRemove'] },
  hasManagedSave: { line: 'dominfo db', methods: ['hasManagedSave'] },
  snapshotCreate: {
    line: 'snapshot-create-as web --name s1 --description "before the upgrade"',
    methods: ['snapshotCreate'],
  },
  snapshotList: { line: 'snapshot-list web', methods: ['snapshotList'] },
  snapshotRevert: { line: 'snapshot-revert web s1', methods: ['snapshotRevert'] },
  snapshotDelete: { line: 'snapshot-delete web s1', methods: ['snapshotDelete'] },
  clone: { line: 'virt-clone --original web --name web-clone', methods: ['clone'] },
  snapshotSave: { line: 'snapshot-save web s1 s1.vlsave', methods: ['snapshotSave'] },
  // The migration view: between the page's hosts a MessagePort, to a tab bc:NAME, as here.
  migrate: {
    line: 'migrate --live --auto-converge --bandwidth 32 web bc:tab2',
    methods: ['migrate'],
  },
  migrateIncoming: { line: 'migrate-incoming bc:tab2', methods: ['migrateIncoming'] },
  jobInfo: { line: 'domjobinfo web', methods: ['jobInfo'] },
  jobAbort: { line: 'domjobabort web', methods: ['jobAbort'] },
};

/** Calls only the page makes, and why a terminal has no use for them. */
export const PAGE_ONLY: Partial<Record<keyof ControlApi, string>> = {
  init: 'starting the host: the terminal CLI starts its own host',
  provideKernelImage: 'the page hands over the guest image it downloaded; the CLI reads the file',
  telemetry: 'shared memory read every frame by the live views; virsh prints the same figures',
  memoryMap: 'the frame map reads the p2m tables directly; virsh prints dommemstat and ksm',
  subscribe: 'events, which virsh console, exec and event use through the same API',
};
