import type { MigrationTarget } from '../control-api';
import { domainOpt, type CommandDef, type Shell } from './command';
import { VshError } from './errors';
import { formatJobInfo } from './jobinfo-format';

/**
 * virsh's migration commands (tools/virsh-domain.c): migrate,
 * domjobinfo, domjobabort, migrate-setspeed/getspeed,
 * migrate-setmaxdowntime/getmaxdowntime, and our migrate-incoming (QEMU's
 * -incoming: this session's host waits for one domain). Destinations are
 * ours, not libvirt connection URIs: `bc:NAME` (a BroadcastChannel shared
 * by two tabs, or two hosts in one page), and where the session can open
 * sockets (Node), `unix:PATH` or `tcp:PORT` on this machine.
 */

/** A migration target for `uri`, and how to release it afterwards. */
async function openTarget(
  sh: Shell,
  uri: string,
  role: 'source' | 'destination',
): Promise<{ target: MigrationTarget; close(): void }> {
  const bc = /^bc:(.+)$/.exec(uri);
  if (bc) return { target: { kind: 'broadcast', channel: bc[1] }, close: () => {} };
  if (/^(unix|tcp):/.test(uri)) {
    if (!sh.io.openMigration)
      throw new VshError(`migration URI '${uri}' needs sockets, which this virsh cannot open`);
    return sh.io.openMigration(uri, role);
  }
  throw new VshError(
    `unsupported migration URI '${uri}': use bc:NAME, unix:PATH or tcp:PORT (this machine)`,
  );
}

const migrate: CommandDef = {
  name: 'migrate',
  group: 'domain',
  help: 'migrate domain to another host',
  desc:
    'Migrate domain to another host. Add --live for live migration.\n' +
    '    The destination must be waiting (migrate-incoming on the other host);\n' +
    '    desturi is bc:NAME (another tab or host in this page), unix:PATH or\n' +
    '    tcp:PORT (another virsh process on this machine).',
  opts: [
    { name: 'live', type: 'bool', help: 'live migration' },
    { name: 'auto-converge', type: 'bool', help: 'force convergence during live migration' },
    {
      name: 'auto-converge-initial',
      type: 'int',
      help: 'initial CPU throttling rate for auto-convergence',
    },
    {
      name: 'auto-converge-increment',
      type: 'int',
      help: 'CPU throttling rate increment for auto-convergence',
    },
    { name: 'verbose', type: 'bool', help: 'display the progress of migration' },
    domainOpt('domain name, id or uuid', 'domain-active'),
    {
      name: 'desturi',
      type: 'string',
      positional: true,
      required: true,
      help: 'destination: bc:NAME, unix:PATH or tcp:PORT',
    },
    { name: 'bandwidth', type: 'int', help: 'migration bandwidth limit in MiB/s' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    if (d.state !== 'running' && d.state !== 'paused')
      throw new VshError('Requested operation is not valid: domain is not running');
    args.requires('auto-converge-initial', 'auto-converge');
    args.requires('auto-converge-increment', 'auto-converge');
    const bandwidth = args.uint('bandwidth');
    const { target, close } = await openTarget(sh, args.need('desturi'), 'source');
    let progress: ReturnType<typeof setInterval> | undefined;
    if (args.has('verbose')) {
      progress = setInterval(() => {
        void sh.api.jobInfo(d.name).then((info) => {
          if (!info || !info.memTotal) return;
          const done = 100 - Math.round((info.memRemaining / info.memTotal) * 100);
          sh.io.err(`\rMigration: [${String(done).padStart(3)} %]`);
        });
      }, 500);
    }
    try {
      await sh.api.migrate(d.name, target, {
        live: args.has('live'),
        autoConverge: args.has('auto-converge'),
        ...(bandwidth !== undefined ? { bandwidthMiBs: bandwidth } : {}),
        ...(args.has('auto-converge-initial')
          ? { throttleInitial: args.uint('auto-converge-initial') }
          : {}),
        ...(args.has('auto-converge-increment')
          ? { throttleIncrement: args.uint('auto-converge-increment') }
          : {}),
      });
      if (progress) sh.io.err('\rMigration: [100 %]\n');
    } finally {
      if (progress) clearInterval(progress);
      close();
    }
  },
};

const migrateIncoming: CommandDef = {
  name: 'migrate-incoming',
  group: 'virtlab',
  help: 'wait for one domain migrating to this host (ours, as QEMU -incoming)',
  desc:
    'Listens on uri (bc:NAME, unix:PATH or tcp:PORT) until a source runs\n' +
    '    virsh migrate to it, then runs the domain here. Not a libvirt command:\n' +
    '    libvirtd receives migrations on its own.',
  opts: [
    {
      name: 'uri',
      type: 'string',
      positional: true,
      required: true,
      help: 'bc:NAME, unix:PATH or tcp:PORT',
    },
  ],
  async run(sh, args) {
    const { target, close } = await openTarget(sh, args.need('uri'), 'destination');
    try {
      const { name } = await sh.api.migrateIncoming(target);
      sh.extra(`Domain '${name}' migrated here\n\n`);
    } finally {
      close();
    }
  },
};

const domjobinfo: CommandDef = {
  name: 'domjobinfo',
  group: 'domain',
  help: 'domain job information',
  desc: 'Returns information about jobs running on a domain.',
  opts: [
    domainOpt(),
    { name: 'completed', type: 'bool', help: 'return statistics of a recently completed job' },
    {
      name: 'keep-completed',
      type: 'bool',
      help: "don't destroy statistics of a recently completed job when reading",
    },
  ],
  async run(sh, args) {
    args.requires('keep-completed', 'completed');
    const d = await sh.domain(args.need('domain'));
    sh.print(formatJobInfo(await sh.api.jobInfo(d.name, { completed: args.has('completed') })));
  },
};

const domjobabort: CommandDef = {
  name: 'domjobabort',
  group: 'domain',
  help: 'abort active domain job',
  desc: 'Aborts the currently running domain job',
  opts: [domainOpt('domain name, id or uuid', 'domain-active')],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    await sh.api.jobAbort(d.name);
  },
};

const setspeed: CommandDef = {
  name: 'migrate-setspeed',
  group: 'domain',
  help: 'Set the maximum migration bandwidth',
  desc: 'Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated to another host.',
  opts: [
    domainOpt(),
    {
      name: 'bandwidth',
      type: 'int',
      positional: true,
      required: true,
      help: 'migration bandwidth limit in MiB/s',
    },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    await sh.api.migrateSetSpeed(d.name, args.uint('bandwidth')!);
  },
};

const getspeed: CommandDef = {
  name: 'migrate-getspeed',
  group: 'domain',
  help: 'Get the maximum migration bandwidth',
  desc: 'Get the maximum migration bandwidth (in MiB/s) for a domain.',
  opts: [domainOpt()],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    sh.print(`${await sh.api.migrateGetSpeed(d.name)}\n`);
  },
};

const setmaxdowntime: CommandDef = {
  name: 'migrate-setmaxdowntime',
  group: 'domain',
  help: 'set maximum tolerable downtime',
  desc: 'Set maximum tolerable downtime of a domain which is being live-migrated to another host.',
  opts: [
    domainOpt(),
    {
      name: 'downtime',
      type: 'int',
      positional: true,
      required: true,
      help: 'maximum tolerable downtime (in milliseconds) for migration',
    },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    const ms = args.uint('downtime')!;
    if (ms < 1) throw new VshError('migrate: Invalid downtime.');
    await sh.api.migrateSetMaxDowntime(d.name, ms);
  },
};

const getmaxdowntime: CommandDef = {
  name: 'migrate-getmaxdowntime',
  group: 'domain',
  help: 'get maximum tolerable downtime',
  desc: 'Get maximum tolerable downtime of a domain which is being live-migrated to another host.',
  opts: [domainOpt()],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    sh.print(`${await sh.api.migrateGetMaxDowntime(d.name)}\n`);
  },
};

export const MIGRATE_COMMANDS: CommandDef[] = [
  migrate,
  migrateIncoming,
  domjobinfo,
  domjobabort,
  setspeed,
  getspeed,
  setmaxdowntime,
  getmaxdowntime,
];
