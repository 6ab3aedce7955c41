import type { SnapshotInfo } from '../control-api';
import { snapshotXml } from '../snapshots';
import { formatDomainXml } from '../xml/domain-xml';
import { domainOpt, type Args, type CommandDef, type Shell } from './command';
import { VshError, failed } from './errors';
import { formatTable } from './table';

/**
 * virsh's snapshot commands (libvirt tools/virsh-snapshot.c) over the
 * host's internal snapshots: the guest's RAM and device state, with its RAM
 * shared copy-on-write (there are no disks).
 */

const bool = (name: string, help: string) => ({ name, type: 'bool' as const, help });

/** The snapshot named by `snapshotname` (positional) or `--current`. */
async function pick(sh: Shell, args: Args, domain: string): Promise<string> {
  const named = args.string('snapshotname');
  if (named !== undefined) return named;
  if (!args.has('current')) throw new VshError('--snapshotname or --current is required');
  const current = (await sh.api.snapshotList(domain)).find((s) => s.current);
  if (!current)
    throw new VshError('Domain snapshot not found: the domain does not have a current snapshot');
  return current.name;
}

const snapshotNameOpt = {
  name: 'snapshotname',
  type: 'string' as const,
  positional: true,
  help: 'snapshot name',
};

/** "%Y-%m-%d %H:%M:%S %z" in UTC, as virsh prints creation times on a UTC host. */
export function creationTime(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000`;
}

const snapshotCreateAs: CommandDef = {
  name: 'snapshot-create-as',
  group: 'snapshot',
  help: 'Create a snapshot from a set of args',
  desc: 'Create a snapshot (disk and RAM) from arguments',
  opts: [
    domainOpt(),
    { name: 'name', type: 'string', positional: true, help: 'name of snapshot' },
    {
      name: 'description',
      type: 'string',
      positional: true,
      allowEmpty: true,
      help: 'description of snapshot',
    },
    bool('print-xml', 'print the XML rather than create'),
    bool('no-metadata', 'take snapshot but create no metadata'),
    bool('halt', 'halt domain after snapshot is created'),
    bool('disk-only', 'capture disk state but not vm state'),
    bool('reuse-external', 'reuse any existing external files'),
    bool('quiesce', "quiesce guest's file systems"),
    bool('atomic', 'require atomic operation'),
    bool('live', 'take a live snapshot'),
    { name: 'memspec', type: 'string', help: 'memory attributes: [file=]name[,snapshot=type]' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const name = args.string('name');
    const description = args.string('description');
    if (args.has('print-xml')) {
      const lines = ['<domainsnapshot>'];
      if (name) lines.push(`  <name>${name}</name>`);
      if (description) lines.push(`  <description>${description}</description>`);
      lines.push('</domainsnapshot>');
      sh.print(lines.join('\n') + '\n');
      return;
    }
    for (const unsupported of ['disk-only', 'no-metadata', 'reuse-external', 'memspec'])
      if (args.has(unsupported))
        throw new VshError(
          `unsupported configuration: --${unsupported}: this host keeps only internal snapshots (there are no disks)`,
        );
    let made: SnapshotInfo;
    try {
      made = await sh.api.snapshotCreate(d.name, {
        ...(name !== undefined ? { name } : {}),
        ...(description ? { description } : {}),
        halt: args.has('halt'),
      });
    } catch (error) {
      throw failed(`Failed to create snapshot of domain '${d.name}'`, error);
    }
    sh.extra(`Domain snapshot ${made.name} created\n`);
  },
};

const snapshotList: CommandDef = {
  name: 'snapshot-list',
  group: 'snapshot',
  help: 'List snapshots for a domain',
  desc: 'Snapshot List',
  opts: [
    domainOpt(),
    bool('parent', 'add a column showing parent snapshot'),
    bool('roots', 'list only snapshots without parents'),
    bool('leaves', 'list only snapshots without children'),
    bool('no-leaves', 'list only snapshots that are not leaves (with children)'),
    bool('tree', 'list snapshots in a tree'),
    bool('name', 'list snapshot names only'),
    bool('current', 'limit list to current snapshot'),
    bool('topological', 'sort list topologically rather than by name'),
  ],
  async run(sh, args) {
    args.exclusive('tree', 'name');
    args.exclusive('parent', 'roots');
    args.exclusive('leaves', 'no-leaves');
    const d = await sh.domain(args.need('domain'));
    let list = await sh.api.snapshotList(d.name);
    if (args.has('roots')) list = list.filter((s) => !s.parent);
    if (args.has('leaves')) list = list.filter((s) => s.children === 0);
    if (args.has('no-leaves')) list = list.filter((s) => s.children > 0);
    if (args.has('current')) list = list.filter((s) => s.current);
    if (!args.has('topological')) list = [...list].sort((a, b) => a.name.localeCompare(b.name));
    if (args.has('name')) {
      for (const s of list) sh.print(`${s.name}\n`);
      return;
    }
    if (args.has('tree')) {
      sh.print(snapshotTree(list));
      return;
    }
    const header = ['Name', 'Creation Time', 'State'];
    if (args.has('parent')) header.push('Parent');
    const rows = list.map((s) => {
      const row = [s.name, creationTime(s.creationTime), s.state];
      if (args.has('parent')) row.push(s.parent ?? '');
      return row;
    });
    sh.print(formatTable(header, rows, !sh.quiet));
    if (!sh.quiet) sh.print('\n');
  },
};

const snapshotInfo: CommandDef = {
  name: 'snapshot-info',
  group: 'snapshot',
  help: 'snapshot information',
  desc: 'Returns basic information about a snapshot.',
  opts: [domainOpt(), snapshotNameOpt, bool('current', 'info on current snapshot')],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const name = await pick(sh, args, d.name);
    let s: SnapshotInfo;
    try {
      s = await sh.api.snapshotInfo(d.name, name);
    } catch (error) {
      throw failed(`Failed to get snapshot '${name}'`, error);
    }
    const line = (label: string, value: string | number) =>
      sh.print(`${label.padEnd(15)} ${value}\n`);
    line('Name:', s.name);
    line('Domain:', d.name);
    line('Current:', s.current ? 'yes' : 'no');
    line('State:', s.state);
    line('Location:', 'internal');
    line('Parent:', s.parent ?? '-');
    line('Children:', s.children);
    line('Descendants:', s.descendants);
    line('Metadata:', 'yes');
  },
};

const snapshotDumpxml: CommandDef = {
  name: 'snapshot-dumpxml',
  group: 'snapshot',
  help: 'Dump XML for a domain snapshot',
  desc: 'Snapshot Dump XML',
  opts: [
    domainOpt(),
    { ...snapshotNameOpt, required: true },
    bool('security-info', 'include security sensitive information in XML dump'),
    bool('no-domain', 'exclude <domain> from XML'),
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const name = args.need('snapshotname');
    let got;
    try {
      got = await sh.api.snapshotDef(d.name, name);
    } catch (error) {
      throw failed(`Failed to get snapshot '${name}'`, error);
    }
    const { snapshot, def } = got;
    const domainXml = args.has('no-domain')
      ? ''
      : formatDomainXml({ ...def, vcpupin: def.vcpupin ?? {} });
    sh.print(snapshotXml(snapshot, domainXml));
  },
};

/** Ours: libvirt keeps internal snapshots inside the disk image; we have no disk, so a file. */
const snapshotSave: CommandDef = {
  name: 'snapshot-save',
  group: 'snapshot',
  help: 'save a domain snapshot to a file (ours)',
  desc:
    'Write an active snapshot (machine state and memory) as a save image: the file\n' +
    '    restore takes, here, in another tab or in another virsh. The snapshot stays.',
  opts: [
    domainOpt(),
    { ...snapshotNameOpt, required: true },
    { name: 'file', type: 'string', positional: true, required: true, help: 'where to save it' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const name = args.need('snapshotname');
    const file = args.need('file');
    if (!sh.io.writeBinary) throw new VshError('this virsh cannot write files');
    try {
      await sh.io.writeBinary(file, await sh.api.snapshotSave(d.name, name));
    } catch (error) {
      throw failed(`Failed to save snapshot '${name}' to ${file}`, error);
    }
    sh.print(`Domain snapshot ${name} saved to ${file}\n`);
  },
};

const snapshotCurrent: CommandDef = {
  name: 'snapshot-current',
  group: 'snapshot',
  help: 'Get or set the current snapshot',
  desc: 'Get or set the current snapshot',
  opts: [domainOpt(), bool('name', 'list the name, rather than the full xml')],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const current = (await sh.api.snapshotList(d.name)).find((s) => s.current);
    if (!current)
      throw new VshError(`operation invalid: the domain does not have a current snapshot`);
    if (args.has('name')) {
      sh.print(`${current.name}\n`);
      return;
    }
    const { def } = await sh.api.snapshotDef(d.name, current.name);
    sh.print(snapshotXml(current, formatDomainXml({ ...def, vcpupin: def.vcpupin ?? {} })));
  },
};

const snapshotRevert: CommandDef = {
  name: 'snapshot-revert',
  group: 'snapshot',
  help: 'Revert a domain to a snapshot',
  desc: 'Revert domain to snapshot',
  opts: [
    domainOpt(),
    snapshotNameOpt,
    bool('current', 'revert to current snapshot'),
    bool('running', 'after reverting, change state to running'),
    bool('paused', 'after reverting, change state to paused'),
    bool('force', 'try harder on risky reverts'),
    bool('reset-nvram', 're-initialize NVRAM from its pristine template'),
  ],
  async run(sh, args) {
    args.exclusive('running', 'paused');
    const d = await sh.domain(args.need('domain'));
    const name = await pick(sh, args, d.name);
    try {
      await sh.api.snapshotRevert(d.name, name, {
        running: args.has('running'),
        paused: args.has('paused'),
      });
    } catch (error) {
      throw failed(`Failed to revert snapshot ${name}`, error);
    }
  },
};

const snapshotDelete: CommandDef = {
  name: 'snapshot-delete',
  group: 'snapshot',
  help: 'Delete a domain snapshot',
  desc: 'Snapshot Delete',
  opts: [
    domainOpt(),
    snapshotNameOpt,
    bool('current', 'delete current snapshot'),
    bool('children', 'delete snapshot and all children'),
    bool('children-only', 'delete children but not snapshot'),
    bool('metadata', 'delete only libvirt metadata, leaving snapshot contents behind'),
  ],
  async run(sh, args) {
    args.exclusive('children', 'children-only');
    const d = await sh.domain(args.need('domain'));
    const name = await pick(sh, args, d.name);
    try {
      if (args.has('children-only')) {
        const kids = (await sh.api.snapshotList(d.name)).filter((s) => s.parent === name);
        for (const k of kids) await sh.api.snapshotDelete(d.name, k.name, { children: true });
        sh.extra(`Domain snapshot ${name} children deleted\n`);
        return;
      }
      await sh.api.snapshotDelete(d.name, name, { children: args.has('children') });
    } catch (error) {
      throw failed(`Failed to delete snapshot ${name}`, error);
    }
    sh.extra(
      args.has('children')
        ? `Domain snapshot ${name} and its children deleted\n`
        : `Domain snapshot ${name} deleted\n`,
    );
  },
};

/**
 * `snapshot-list --tree`, drawn as libvirt's vshTreePrint does: each name
 * under its parent after "+- ", a "|" line before a node's children, "|"
 * down the left while more siblings follow, a blank line after a last leaf.
 */
export function snapshotTree(list: SnapshotInfo[]): string {
  let out = '';
  const kids = (name: string) => list.filter((s) => s.parent === name);
  const node = (s: SnapshotInfo, indent: string, root: boolean, last: boolean) => {
    out += `${indent}${root ? '' : '+- '}${s.name}\n`;
    const own = root ? indent : `${indent}${last ? ' ' : '|'} `;
    const children = kids(s.name);
    if (children.length) out += `${own}  |\n`;
    children.forEach((c, i) => node(c, `${own}  `, false, i === children.length - 1));
    if (!children.length && last) out += `${own}\n`;
  };
  for (const root of list.filter((s) => !s.parent || !list.some((p) => p.name === s.parent)))
    node(root, '', true, true);
  return out;
}

export const SNAPSHOT_COMMANDS: CommandDef[] = [
  snapshotCreateAs,
  snapshotCurrent,
  snapshotDelete,
  snapshotDumpxml,
  snapshotInfo,
  snapshotList,
  snapshotRevert,
  snapshotSave,
];
