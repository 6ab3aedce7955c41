import type { DomainInfo, DomainSummary, MemoryStats, VcpuInfo } from '../control-api';
import { configOpt, currentOpt, domainOpt, liveOpt, type CommandDef, type OptDef } from './command';
import { VshError, failed, notRunning, reported } from './errors';
import { isActive, STATE_CODE, stateReason } from './states';
import { formatTable } from './table';

/** virsh's "Domain Monitoring" group (libvirt tools/virsh-domain-monitor.c). */

const bool = (name: string, help: string): OptDef => ({ name, type: 'bool', help });

/** Running domains by id, then the others by name, case-insensitively (virshDomainSorter). */
export function sortDomains<T extends { id: number | null; name: string }>(domains: T[]): T[] {
  return [...domains].sort((a, b) => {
    if (a.id !== null && b.id !== null) return a.id - b.id;
    if (a.id !== null) return -1;
    if (b.id !== null) return 1;
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

const list: CommandDef = {
  name: 'list',
  group: 'monitor',
  help: 'list domains',
  desc: 'Returns list of domains.',
  opts: [
    bool('inactive', 'list inactive domains'),
    bool('all', 'list inactive & active domains'),
    bool('transient', 'list transient domains'),
    bool('persistent', 'list persistent domains'),
    bool('with-snapshot', 'list domains with existing snapshot'),
    bool('without-snapshot', 'list domains without a snapshot'),
    bool('with-checkpoint', 'list domains with existing checkpoint'),
    bool('without-checkpoint', 'list domains without a checkpoint'),
    bool('state-running', 'list domains in running state'),
    bool('state-paused', 'list domains in paused state'),
    bool('state-shutoff', 'list domains in shutoff state'),
    bool('state-other', 'list domains in other states'),
    bool('autostart', 'list domains with autostart enabled'),
    bool('no-autostart', 'list domains with autostart disabled'),
    bool('with-managed-save', 'list domains with managed save state'),
    bool('without-managed-save', 'list domains without managed save'),
    bool('uuid', "list uuid's only"),
    bool('name', 'list domain names only'),
    bool('id', 'list domain IDs only'),
    bool('table', 'list table (default)'),
    bool('managed-save', 'mark inactive domains with managed save state'),
    bool('title', 'show domain title'),
  ],
  async run(sh, args) {
    args.exclusive('table', 'name');
    args.exclusive('table', 'id');
    let active = true;
    let inactive = false;
    if (args.has('inactive') || args.has('state-shutoff')) [active, inactive] = [false, true];
    if (args.has('all')) [active, inactive] = [true, true];
    const matches = (d: DomainSummary) => {
      const isAct = d.id !== null;
      if (!((active && isAct) || (inactive && !isAct))) return false;
      if (args.has('persistent') || args.has('transient')) {
        if (!((args.has('persistent') && d.persistent) || (args.has('transient') && !d.persistent)))
          return false;
      }
      const states = ['state-running', 'state-paused', 'state-shutoff', 'state-other'];
      if (states.some((s) => args.has(s))) {
        const ok =
          (args.has('state-running') && d.state === 'running') ||
          (args.has('state-paused') && d.state === 'paused') ||
          (args.has('state-shutoff') && d.state === 'shut off') ||
          (args.has('state-other') && d.state === 'crashed');
        if (!ok) return false;
      }
      if (args.has('autostart') || args.has('no-autostart')) {
        const on = !!d.autostart;
        if (!((args.has('autostart') && on) || (args.has('no-autostart') && !on))) return false;
      }
      // No domain here has a managed save image, snapshots or checkpoints.
      for (const [yes, no] of [
        ['with-managed-save', 'without-managed-save'],
        ['with-snapshot', 'without-snapshot'],
        ['with-checkpoint', 'without-checkpoint'],
      ]) {
        if ((args.has(yes) || args.has(no)) && !args.has(no)) return false;
      }
      return true;
    };
    const domains = sortDomains((await sh.api.list()).filter(matches));
    const optUuid = args.has('uuid');
    const optName = args.has('name');
    const optId = args.has('id');
    const optTitle = args.has('title');
    const table = args.has('table') || (!optUuid && !optName && !optId);
    if (!table) {
      for (const d of domains) {
        const id = d.id === null ? '-' : String(d.id);
        if (optId && d.id === null && !optUuid && !optName) continue;
        const parts: string[] = [];
        if (optUuid) parts.push(d.uuid);
        if (optId) parts.push(id);
        if (optName) parts.push(d.name);
        sh.print(parts.join(' ') + '\n');
      }
      return;
    }
    const header = ['Id', 'Name', 'State'];
    if (optTitle) header.push('Title');
    if (optUuid) header.push('UUID');
    const rows: string[][] = [];
    for (const d of domains) {
      const row = [d.id === null ? '-' : String(d.id), d.name, d.state];
      if (optTitle) row.push((await sh.api.domainDef(d.name)).title ?? '');
      if (optUuid) row.push(d.uuid);
      rows.push(row);
    }
    sh.print(formatTable(header, rows, !sh.quiet));
  },
};

/** dominfo's lines (`%-15s %s`), as libvirt prints them for a domain without a security driver. */
export function formatDominfo(d: DomainInfo, vcpusOnline: number, managedSave?: boolean): string {
  const line = (label: string, value: string) => `${label.padEnd(15)} ${value}\n`;
  let out = line('Id:', d.id === null ? '-' : String(d.id));
  out += line('Name:', d.name);
  out += line('UUID:', d.uuid);
  out += line('OS Type:', 'hvm');
  out += line('State:', d.state);
  out += line('CPU(s):', String(vcpusOnline));
  if (d.cpuTimeMs !== 0) out += line('CPU time:', `${(d.cpuTimeMs / 1000).toFixed(1)}s`);
  out += line('Max memory:', `${d.maxMemoryKiB} KiB`);
  out += line('Used memory:', `${d.currentMemoryKiB} KiB`);
  out += line('Persistent:', d.persistent ? 'yes' : 'no');
  out += line('Autostart:', d.autostart ? 'enable' : 'disable');
  // virDomainHasManagedSaveImage; 'unknown' when it could not be asked, as virsh prints.
  out += line('Managed save:', managedSave === undefined ? 'unknown' : managedSave ? 'yes' : 'no');
  // Not in libvirt's dominfo: which engine runs the vCPUs (the domain type; dumpxml shows it too).
  out += line('Hypervisor:', `${d.type} (${d.engine === 'jit' ? 'JIT' : 'interpreter'})`);
  return out;
}

const dominfo: CommandDef = {
  name: 'dominfo',
  group: 'monitor',
  help: 'domain information',
  desc: 'Returns basic information about the domain.',
  opts: [domainOpt()],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    try {
      const [info, def, managed] = await Promise.all([
        sh.api.info(d.name),
        sh.api.domainDef(d.name),
        sh.api.hasManagedSave(d.name).catch(() => undefined),
      ]);
      sh.print(formatDominfo(info, def.vcpusCurrent ?? def.vcpus, managed));
    } catch (error) {
      throw reported(error);
    }
  },
};

const domstate: CommandDef = {
  name: 'domstate',
  group: 'monitor',
  help: 'domain state',
  desc: 'Returns state about a domain.',
  opts: [domainOpt(), bool('reason', 'also print reason for the state')],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    sh.print(
      args.has('reason') ? `${d.state} (${stateReason(d.state, d.reason).text})\n` : `${d.state}\n`,
    );
  },
};

/** dommemstat's `name value` lines, in libvirt's order. */
export const MEMSTAT_ORDER: (keyof MemoryStats)[] = [
  'swap_in',
  'swap_out',
  'major_fault',
  'minor_fault',
  'unused',
  'available',
  'usable',
  'actual',
  'rss',
  'last_update',
  'disk_caches',
  'hugetlb_pgalloc',
  'hugetlb_pgfail',
];

const dommemstat: CommandDef = {
  name: 'dommemstat',
  group: 'monitor',
  help: 'get memory statistics for a domain',
  desc: 'Get memory statistics for a running domain.',
  opts: [
    domainOpt('domain name, id or uuid', 'domain-active'),
    { name: 'period', type: 'int', help: 'period in seconds to set collection' },
    configOpt(),
    liveOpt(),
    currentOpt(),
  ],
  async run(sh, args) {
    args.exclusive('current', 'live');
    args.exclusive('current', 'config');
    const d = await sh.domain(args.need('domain'), { id: true });
    const period = args.int('period');
    if (period !== undefined) {
      if (period < 0) throw new VshError(`Invalid collection period value '${period}'`);
      try {
        if (args.has('live') && !isActive(d.state)) throw notRunning();
        const current = args.has('current');
        const live = args.has('live');
        const config = args.has('config');
        // Without flags libvirt's virDomainSetMemoryStatsPeriod affects the running domain.
        await sh.api.setMemoryStatsPeriod(
          d.name,
          period,
          current ? {} : live || config ? { live, config } : { live: true },
        );
      } catch (error) {
        throw failed('Unable to change balloon collection period.', error);
      }
      return;
    }
    let stats: MemoryStats;
    try {
      stats = await sh.api.memoryStats(d.name);
    } catch (error) {
      throw failed(`Failed to get memory statistics for domain ${d.name}`, error);
    }
    for (const key of MEMSTAT_ORDER) {
      if (stats[key] !== undefined) sh.print(`${key} ${stats[key]}\n`);
    }
  },
};

/** domstats' balloon fields after current and maximum (qemuDomainGetStatsBalloon's order). */
const BALLOON_STATS: [keyof MemoryStats, string][] = [
  ['swap_in', 'swap_in'],
  ['swap_out', 'swap_out'],
  ['major_fault', 'major_fault'],
  ['minor_fault', 'minor_fault'],
  ['unused', 'unused'],
  ['available', 'available'],
  ['rss', 'rss'],
  ['last_update', 'last-update'],
  ['usable', 'usable'],
  ['disk_caches', 'disk_caches'],
  ['hugetlb_pgalloc', 'hugetlb_pgalloc'],
  ['hugetlb_pgfail', 'hugetlb_pgfail'],
];

/** What one domstats record is made from. */
export interface StatsSource {
  info: DomainInfo;
  vcpusOnline: number;
  vcpus?: VcpuInfo[];
  memory?: MemoryStats;
}

/** The stats groups this hypervisor fills; interface and block count zero devices. */
export const STATS_GROUPS = [
  'state',
  'cpu-total',
  'balloon',
  'vcpu',
  'interface',
  'block',
] as const;
/** Groups libvirt has that we cannot fill (VIR_DOMAIN_STATS_* bits, for --enforce). */
const UNSUPPORTED_GROUPS: Record<string, number> = {
  perf: 0x40,
  iothread: 0x80,
  memory: 0x100,
  dirtyrate: 0x200,
  vm: 0x400,
};

/** One domstats record: "Domain: 'name'" and `  field=value` lines. */
export function formatStatsRecord(src: StatsSource, groups: readonly string[]): string {
  const { info } = src;
  const active = isActive(info.state);
  const fields: [string, string | number][] = [];
  if (groups.includes('state')) {
    fields.push(['state.state', STATE_CODE[info.state]]);
    fields.push(['state.reason', stateReason(info.state, info.reason).code]);
  }
  if (groups.includes('cpu-total') && active) {
    fields.push(['cpu.time', Math.round(info.cpuTimeMs * 1e6)]);
  }
  if (groups.includes('balloon')) {
    fields.push(['balloon.current', info.currentMemoryKiB]);
    fields.push(['balloon.maximum', info.memoryMiB * 1024]);
    for (const [key, name] of BALLOON_STATS) {
      const value = src.memory?.[key];
      if (value !== undefined) fields.push([`balloon.${name}`, value]);
    }
  }
  if (groups.includes('vcpu')) {
    fields.push(['vcpu.current', src.vcpusOnline]);
    fields.push(['vcpu.maximum', info.vcpus]);
    for (const v of active ? (src.vcpus ?? []) : []) {
      if (v.state === 'offline') continue;
      fields.push([`vcpu.${v.vcpu}.state`, v.state === 'blocked' ? 2 : 1]);
      fields.push([`vcpu.${v.vcpu}.time`, Math.round(v.cpuTimeMs * 1e6)]);
      fields.push([`vcpu.${v.vcpu}.delay`, Math.round(v.stealMs * 1e6)]);
    }
  }
  if (groups.includes('interface')) fields.push(['net.count', 0]);
  if (groups.includes('block')) fields.push(['block.count', 0]);
  return `Domain: '${info.name}'\n` + fields.map(([k, v]) => `  ${k}=${v}\n`).join('');
}

const domstats: CommandDef = {
  name: 'domstats',
  group: 'monitor',
  help: 'get statistics about one or multiple domains',
  desc: 'Gets statistics about one or more (or all) domains',
  opts: [
    bool('state', 'report domain state'),
    bool('cpu-total', 'report domain physical cpu usage'),
    bool('balloon', 'report domain balloon statistics'),
    bool('vcpu', 'report domain virtual cpu information'),
    bool('interface', 'report domain network interface information'),
    bool('block', 'report domain block device statistics'),
    bool('perf', 'report domain perf event statistics'),
    bool('iothread', 'report domain IOThread information'),
    bool('memory', 'report domain memory usage'),
    bool('dirtyrate', 'report domain dirty rate information'),
    bool('vm', 'report hypervisor-specific statistics'),
    bool('list-active', 'list only active domains'),
    bool('list-inactive', 'list only inactive domains'),
    bool('list-persistent', 'list only persistent domains'),
    bool('list-transient', 'list only transient domains'),
    bool('list-running', 'list only running domains'),
    bool('list-paused', 'list only paused domains'),
    bool('list-shutoff', 'list only shutoff domains'),
    bool('list-other', 'list only domains in other states'),
    bool('raw', 'do not pretty-print the fields'),
    bool('enforce', 'enforce requested stats parameters'),
    bool('backing', 'add backing chain information to block stats'),
    bool('nowait', 'report only stats that are accessible instantly'),
    {
      name: 'domain',
      type: 'argv',
      positional: true,
      help: 'list of domains to get stats for',
      completer: 'domain',
    },
  ],
  async run(sh, args) {
    const requested = [...STATS_GROUPS, ...Object.keys(UNSUPPORTED_GROUPS)].filter((g) =>
      args.has(g),
    );
    const missing = requested.reduce((bits, g) => bits | (UNSUPPORTED_GROUPS[g] ?? 0), 0);
    if (args.has('enforce') && missing) {
      throw new VshError(
        `argument unsupported: Stats types bits 0x${missing.toString(16)} are not supported by this daemon`,
      );
    }
    const groups = requested.length ? requested : [...STATS_GROUPS];
    const names = args.argv('domain');
    const domains = names.length
      ? await Promise.all(names.map((n) => sh.domain(n, { id: true })))
      : sortDomains(await sh.api.list());
    const keep = (d: DomainSummary) => {
      const act = isActive(d.state);
      const f = (name: string) => args.has(name);
      if (
        (f('list-active') || f('list-inactive')) &&
        !((f('list-active') && act) || (f('list-inactive') && !act))
      )
        return false;
      if (
        (f('list-persistent') || f('list-transient')) &&
        !((f('list-persistent') && d.persistent) || (f('list-transient') && !d.persistent))
      )
        return false;
      const states = ['list-running', 'list-paused', 'list-shutoff', 'list-other'];
      if (states.some(f)) {
        return (
          (f('list-running') && d.state === 'running') ||
          (f('list-paused') && d.state === 'paused') ||
          (f('list-shutoff') && d.state === 'shut off') ||
          (f('list-other') && d.state === 'crashed')
        );
      }
      return true;
    };
    const records: string[] = [];
    for (const d of domains.filter(keep)) {
      try {
        const [info, def] = await Promise.all([sh.api.info(d.name), sh.api.domainDef(d.name)]);
        const src: StatsSource = { info, vcpusOnline: def.vcpusCurrent ?? def.vcpus };
        if (isActive(info.state)) {
          if (groups.includes('vcpu')) src.vcpus = await sh.api.vcpuInfo(d.name);
          if (groups.includes('balloon') && info.balloon) {
            src.memory = await sh.api.memoryStats(d.name).catch(() => undefined);
          }
        }
        records.push(formatStatsRecord(src, groups));
      } catch (error) {
        throw reported(error);
      }
    }
    sh.print(records.join('\n'));
  },
};

export const MONITOR_COMMANDS: CommandDef[] = [dominfo, dommemstat, domstate, domstats, list];
