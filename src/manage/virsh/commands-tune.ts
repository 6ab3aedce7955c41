import type { Affect, VcpuInfo } from '../control-api';
import { configOpt, currentOpt, domainOpt, liveOpt, type Args, type CommandDef } from './command';
import { affinityString, parsePinList, setToCpulist } from './cpumap';
import { VshError, failed, notRunning, reported } from './errors';
import { isActive } from './states';
import { formatTable } from './table';
import { parseInt64, parseUint64 } from './units';

/**
 * virsh's memory, vCPU and scheduler tuning commands (libvirt
 * tools/virsh-domain.c): setmem, setmaxmem, setvcpus, vcpuinfo, vcpupin,
 * emulatorpin, schedinfo. Without --live/--config/--current a command acts
 * as libvirt's flag-less API does (setmem, setvcpus and pinning: the running
 * domain). A domain's definition and its live state are one object here,
 * so a --config change of a running domain's memory or vCPUs is refused
 * rather than half done.
 */

/** The KiB limit of virsh's size options on a 64-bit host, within exact JavaScript integers. */
const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** --current, --live and --config as vsh checks them. */
function affectFlags(args: Args): { live: boolean; config: boolean; current: boolean } {
  args.exclusive('current', 'live');
  args.exclusive('current', 'config');
  return { live: args.has('live'), config: args.has('config'), current: args.has('current') };
}

/**
 * The API's Affect for these flags. Without any, `flagless` says what
 * libvirt's flag-less call does: 'live' (virDomainSetMemory,
 * virDomainSetVcpus…) or 'current'.
 */
function affect(args: Args, flagless: 'live' | 'current'): Affect {
  const { live, config, current } = affectFlags(args);
  if (current) return {};
  if (live || config) return { live, config };
  return flagless === 'live' ? { live: true } : {};
}

const sizeOpts = (help: string) => [
  domainOpt(),
  { name: 'kilobytes', type: 'alias', help: 'size' } as const,
  { name: 'size', type: 'int', positional: true, required: true, help } as const,
  configOpt(),
  liveOpt(),
  currentOpt(),
];

const setmem: CommandDef = {
  name: 'setmem',
  group: 'domain',
  help: 'change memory allocation',
  desc: 'Change the current memory allocation in the guest domain.',
  opts: sizeOpts('new memory size, as scaled integer (default KiB)'),
  async run(sh, args) {
    const flags = affect(args, 'live');
    const d = await sh.domain(args.need('domain'), { id: true });
    const kib = Math.ceil(args.scaled('size', 1024, MAX_BYTES)! / 1024);
    try {
      if (flags.live && !isActive(d.state)) throw notRunning();
      await sh.api.setMemory(d.name, kib, flags);
    } catch (error) {
      throw reported(error);
    }
  },
};

const setmaxmem: CommandDef = {
  name: 'setmaxmem',
  group: 'domain',
  help: 'change maximum memory limit',
  desc: 'Change the maximum memory allocation limit in the guest domain.',
  opts: sizeOpts('new maximum memory size, as scaled integer (default KiB)'),
  async run(sh, args) {
    const flags = affect(args, 'current');
    const d = await sh.domain(args.need('domain'), { id: true });
    const kib = Math.ceil(args.scaled('size', 1024, MAX_BYTES)! / 1024);
    try {
      if (flags.live && !isActive(d.state)) throw notRunning();
      await sh.api.setMaxMemory(d.name, kib, flags);
    } catch (error) {
      throw failed('Unable to change MaxMemorySize', error);
    }
  },
};

const setvcpus: CommandDef = {
  name: 'setvcpus',
  group: 'domain',
  help: 'change number of virtual CPUs',
  desc: 'Change the number of virtual CPUs in the guest domain.',
  opts: [
    domainOpt(),
    {
      name: 'count',
      type: 'int',
      positional: true,
      required: true,
      help: 'number of virtual CPUs',
    },
    { name: 'maximum', type: 'bool', help: 'set maximum limit on next boot' },
    configOpt(),
    liveOpt(),
    currentOpt(),
  ],
  async run(sh, args) {
    const flags = affect(args, 'live');
    args.requires('maximum', 'config');
    const d = await sh.domain(args.need('domain'), { id: true });
    const count = args.uint('count')!;
    if (count === 0) throw new VshError("Can't set 0 processors for a VM");
    try {
      await sh.api.setVcpus(d.name, count, { ...flags, maximum: args.has('maximum') });
    } catch (error) {
      throw reported(error);
    }
  },
};

/** vcpuinfo's blocks: running vCPUs with their pCPU and time, or N/A for a shut-off domain. */
export function formatVcpuinfo(
  vcpus: VcpuInfo[],
  maxcpu: number,
  pretty: boolean,
  active: boolean,
): string {
  const line = (label: string, value: string) => `${label.padEnd(15)} ${value}\n`;
  return vcpus
    .map((v) => {
      let out = line('VCPU:', String(v.vcpu));
      if (active) {
        out += line('CPU:', String(v.pcpu));
        out += line(
          'State:',
          v.state === 'blocked' ? 'blocked' : v.state === 'offline' ? 'offline' : 'running',
        );
        if (v.cpuTimeMs !== 0) out += line('CPU time:', `${(v.cpuTimeMs / 1000).toFixed(1)}s`);
      } else {
        out += line('CPU:', 'N/A');
        out += line('State:', 'N/A');
        out += line('CPU time', 'N/A');
      }
      return out + line('CPU Affinity:', affinityString(v.affinity, maxcpu, pretty));
    })
    .join('\n');
}

const vcpuinfo: CommandDef = {
  name: 'vcpuinfo',
  group: 'domain',
  help: 'detailed domain vcpu information',
  desc: 'Returns basic information about the domain virtual CPUs.',
  opts: [domainOpt(), { name: 'pretty', type: 'bool', help: 'return human readable output' }],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    const maxcpu = await sh.pcpus();
    const active = isActive(d.state);
    try {
      let vcpus = await sh.api.vcpuInfo(d.name);
      if (active) {
        // libvirt lists the vCPUs online (those Linux was told to leave offline are not).
        vcpus = vcpus.filter((v) => v.state !== 'offline');
      } else {
        const def = await sh.api.domainDef(d.name);
        vcpus = vcpus.slice(0, def.vcpusCurrent ?? def.vcpus);
      }
      sh.print(formatVcpuinfo(vcpus, maxcpu, args.has('pretty'), active));
    } catch (error) {
      throw reported(error);
    }
  },
};

const vcpupin: CommandDef = {
  name: 'vcpupin',
  group: 'domain',
  help: 'control or query domain vcpu affinity',
  desc: 'Pin domain VCPUs to host physical CPUs.',
  opts: [
    domainOpt(),
    { name: 'vcpu', type: 'int', unwantedPositional: true, help: 'vcpu number' },
    {
      name: 'cpulist',
      type: 'string',
      unwantedPositional: true,
      allowEmpty: true,
      help: 'host cpu number(s) to set, or omit option to query',
    },
    configOpt(),
    liveOpt(),
    currentOpt(),
  ],
  async run(sh, args) {
    const { live, config } = affectFlags(args);
    const cpulist = args.string('cpulist');
    if (cpulist === undefined) args.exclusive('live', 'config');
    const vcpu = args.uint('vcpu');
    if (cpulist !== undefined && vcpu === undefined) {
      throw new VshError('vcpupin: Missing vCPU number in pin mode.');
    }
    const maxcpu = await sh.pcpus();
    const d = await sh.domain(args.need('domain'), { id: true });
    const active = isActive(d.state);
    if (cpulist === undefined) {
      if (live && !active) throw new VshError('cannot get vcpupin for offline domain');
      if (config && !d.persistent) throw new VshError('cannot get vcpupin for transient domain');
      const def = await sh.api
        .domainDef(d.name, { inactive: config || !active })
        .catch((e) => Promise.reject(reported(e)));
      if (vcpu !== undefined && vcpu >= def.vcpus) {
        const which = live || (!config && active) ? 'live' : 'persistent';
        throw new VshError(`vcpu ${vcpu} is out of range of ${which} cpu count ${def.vcpus}`);
      }
      const all = setToCpulist(Array.from({ length: maxcpu }, (_, i) => i));
      const rows: string[][] = [];
      for (let v = 0; v < def.vcpus; v++) {
        if (vcpu === undefined || v === vcpu) rows.push([String(v), def.vcpupin[v] ?? all]);
      }
      sh.print(formatTable(['VCPU', 'CPU Affinity'], rows, !sh.quiet));
      return;
    }
    const list = parsePinList(cpulist, maxcpu);
    try {
      if (live && !active) throw notRunning();
      await sh.api.pinVcpu(d.name, vcpu!, list, affect(args, 'current'));
    } catch (error) {
      throw reported(error);
    }
  },
};

const emulatorpin: CommandDef = {
  name: 'emulatorpin',
  group: 'domain',
  help: 'control or query domain emulator affinity',
  desc: 'Pin domain emulator threads to host physical CPUs.',
  opts: [
    domainOpt(),
    {
      name: 'cpulist',
      type: 'string',
      unwantedPositional: true,
      allowEmpty: true,
      help: 'host cpu number(s) to set, or omit option to query',
    },
    configOpt(),
    liveOpt(),
    currentOpt(),
  ],
  async run(sh, args) {
    const { live, config, current } = affectFlags(args);
    const d = await sh.domain(args.need('domain'), { id: true });
    const cpulist = args.string('cpulist');
    const maxcpu = await sh.pcpus();
    const active = isActive(d.state);
    if (cpulist === undefined) {
      if (live && !active) throw reported(notRunning());
      const text = await sh.api
        .emulatorPin(d.name, undefined, affect(args, 'current'))
        .catch((e) => Promise.reject(reported(e)));
      sh.extra('emulator: CPU Affinity\n');
      sh.extra('----------------------------------\n');
      sh.extra('       *: ');
      sh.print(`${text}\n`);
      return;
    }
    const list = parsePinList(cpulist, maxcpu);
    try {
      // Without flags, libvirt pins the running emulator (VIR_DOMAIN_AFFECT_LIVE).
      if ((live || (!config && !current)) && !active) throw notRunning();
      await sh.api.emulatorPin(d.name, list, affect(args, 'live'));
    } catch (error) {
      throw reported(error);
    }
  },
};

/** The scheduler parameters we have (QEMU's first three), with their typed-parameter kinds. */
const SCHED_PARAMS = {
  cpu_shares: { key: 'shares', type: 'unsigned long long', parse: parseUint64 },
  vcpu_period: { key: 'periodUs', type: 'unsigned long long', parse: parseUint64 },
  vcpu_quota: { key: 'quotaUs', type: 'long long', parse: parseInt64 },
} as const;
type SchedField = keyof typeof SCHED_PARAMS;

const schedinfo: CommandDef = {
  name: 'schedinfo',
  group: 'domain',
  help: 'show/set scheduler parameters',
  desc: 'Show/Set scheduler parameters.',
  opts: [
    domainOpt(),
    { name: 'weight', type: 'int', help: 'weight for XEN_CREDIT' },
    { name: 'cap', type: 'int', help: 'cap for XEN_CREDIT' },
    currentOpt('get/set current scheduler info'),
    configOpt('get/set value to be used on next boot'),
    liveOpt('get/set value from running domain'),
    { name: 'set', type: 'argv', unwantedPositional: true, help: 'parameter=value' },
  ],
  async run(sh, args) {
    const { live, config } = affectFlags(args);
    const d = await sh.domain(args.need('domain'), { id: true });
    sh.print(`${'Scheduler'.padEnd(15)}: posix\n`);
    if (live && !isActive(d.state)) throw reported(notRunning());
    const updates: { shares?: number; periodUs?: number; quotaUs?: number } = {};
    const update = (field: string, value: string) => {
      const param = SCHED_PARAMS[field as SchedField];
      if (!param) throw new VshError(`invalid scheduler option: ${field}`);
      const n = param.parse(value);
      if (n === undefined) {
        throw new VshError(
          `invalid argument: Invalid value for field '${field}': expected ${param.type}`,
        );
      }
      updates[param.key] = n;
    };
    for (const item of args.argv('set')) {
      const eq = item.indexOf('=');
      if (eq < 0) throw new VshError('Invalid syntax for --set, expecting name=value');
      update(item.slice(0, eq), item.slice(eq + 1));
    }
    for (const xen of ['cap', 'weight']) {
      const value = args.string(xen);
      if (value !== undefined) update(xen, value);
    }
    try {
      if (Object.keys(updates).length)
        await sh.api.setSchedParams(d.name, updates, affect(args, 'current'));
      else if (live && config) throw new VshError('cannot query both live and config at once');
      const def = await sh.api.domainDef(d.name, { inactive: config && !live });
      const values: Record<SchedField, number> = {
        cpu_shares: def.shares ?? 1024,
        vcpu_period: def.periodUs ?? 100_000,
        vcpu_quota: def.quotaUs ?? -1,
      };
      for (const field of Object.keys(SCHED_PARAMS) as SchedField[]) {
        sh.print(`${field.padEnd(15)}: ${values[field]}\n`);
      }
    } catch (error) {
      throw reported(error);
    }
  },
};

export const TUNE_COMMANDS: CommandDef[] = [
  emulatorpin,
  schedinfo,
  setmaxmem,
  setmem,
  setvcpus,
  vcpuinfo,
  vcpupin,
];
