import { domainOpt, type CommandDef } from './command';
import type { KsmKnobs } from '../../hypervisor/ksm/ksm-state';
import type { PolicyThresholds } from '../balloon-policy';
import type { BalloonPolicyInfo, KsmInfo } from '../control-api';
import { VshError, failed, notRunning } from './errors';
import { GuestExecError, guestExec } from './guest-exec';
import { virtInstall } from './virt-install';
import { virtClone } from './virt-clone';

/**
 * VirtLab's own commands in the virsh shell (help group 'virtlab'): they
 * are not libvirt's and say so in `help`.
 */

const exec: CommandDef = {
  name: 'exec',
  group: 'virtlab',
  help: "run a command in the guest's shell over its serial console (ours)",
  desc:
    "Types the command line into the domain's serial console, waits for the\n" +
    '    shell prompt, and prints what the command wrote. Not a libvirt command:\n' +
    '    it needs the guest shell at its prompt, and reports no exit status.',
  opts: [
    domainOpt('domain name, id or uuid', 'domain-active'),
    {
      name: 'command',
      type: 'argv',
      positional: true,
      required: true,
      help: 'the command line to type (one quoted word, or several words)',
    },
    { name: 'timeout', type: 'int', help: 'seconds to wait for the prompt (default 60)' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    const seconds = args.uint('timeout') ?? 60;
    if (seconds === 0) {
      throw new VshError(`Numeric value '0' for <timeout> option is malformed or out of range`);
    }
    if (d.state === 'paused') {
      throw new VshError('Requested operation is not valid: domain is paused');
    }
    if (d.state !== 'running') throw notRunning();
    try {
      const output = await guestExec(
        {
          consoleWrite: (name, data) => sh.api.consoleWrite(name, data),
          subscribe: (listener, name) => sh.subscribe(listener, name),
          unsubscribe: (id) => sh.api.unsubscribe(id),
        },
        d.name,
        args.argv('command').join(' '),
        seconds * 1000,
      );
      sh.print(output);
    } catch (error) {
      if (error instanceof GuestExecError) throw new VshError(error.message);
      throw error;
    }
  },
};

const virtInstallCommand: CommandDef = {
  name: 'virt-install',
  group: 'virtlab',
  help: 'create and start a domain, as virt-install does (ours, a subset)',
  desc:
    'virt-install (virt-manager), inside this shell: --name, --memory, --vcpus,\n' +
    '    --boot kernel=...,cmdline=..., --memballoon, --noautoconsole, --transient,\n' +
    '    --noreboot, --dry-run and --print-xml. Run it with --help for the details.',
  opts: [],
  raw: true,
  async run(sh, args) {
    const code = await virtInstall(sh, [...args.words]);
    if (code !== 0) throw new VshError();
  },
};

const virtCloneCommand: CommandDef = {
  name: 'virt-clone',
  group: 'virtlab',
  help: 'clone a domain, as virt-clone does (ours: live, memory shared copy-on-write)',
  desc:
    'virt-clone (virt-manager), inside this shell: --original, --name or --auto-clone,\n' +
    '    --snapshot (start from one of its snapshots), --paused, --print-xml.\n' +
    '    Run it with --help for the details.',
  opts: [],
  raw: true,
  async run(sh, args) {
    const code = await virtClone(sh, [...args.words]);
    if (code !== 0) throw new VshError();
  },
};

/** The knobs `ksm` sets: option name → /sys/kernel/mm/ksm file name. */
const KSM_KNOB_OPTS: [string, keyof KsmKnobs][] = [
  ['run', 'run'],
  ['pages-to-scan', 'pages_to_scan'],
  ['sleep-millisecs', 'sleep_millisecs'],
  ['use-zero-pages', 'use_zero_pages'],
  ['max-page-sharing', 'max_page_sharing'],
  ['smart-scan', 'smart_scan'],
];

/**
 * ksmd as /sys/kernel/mm/ksm shows it: every knob and statistic as `name:
 * value` (Documentation/admin-guide/mm/ksm.rst names), then each running
 * domain's ksm_merging_pages (/proc/PID/ksm_stat of its QEMU).
 */
export function formatKsm(ksm: KsmInfo, domains: [string, number][]): string {
  const rows: [string, number][] = [
    ...KSM_KNOB_OPTS.map(([, key]): [string, number] => [key, ksm.knobs[key]]),
    ['pages_shared', ksm.stats.pages_shared],
    ['pages_sharing', ksm.stats.pages_sharing],
    ['pages_unshared', ksm.stats.pages_unshared],
    ['pages_volatile', ksm.stats.pages_volatile],
    ['pages_scanned', ksm.stats.pages_scanned],
    ['pages_skipped', ksm.stats.pages_skipped],
    ['full_scans', ksm.stats.full_scans],
    ['ksm_zero_pages', ksm.stats.ksm_zero_pages],
    ['stable_node_chains', ksm.stats.stable_node_chains],
    ['stable_node_dups', ksm.stats.stable_node_dups],
    ['general_profit', ksm.stats.general_profit],
  ];
  let out = rows.map(([k, v]) => `${`${k}:`.padEnd(20)} ${v}\n`).join('');
  if (domains.length) {
    out += '\n Domain               ksm_merging_pages\n';
    out += '-'.repeat(39) + '\n';
    for (const [name, pages] of domains) out += ` ${name.padEnd(20)} ${pages}\n`;
  }
  return out;
}

const ksm: CommandDef = {
  name: 'ksm',
  group: 'virtlab',
  help: "show or set ksmd's knobs, as /sys/kernel/mm/ksm (ours)",
  desc:
    'Sets the knobs given, then prints every knob and statistic of ksmd with\n' +
    '    the names of /sys/kernel/mm/ksm and the ksm_merging_pages of each running\n' +
    '    domain. run: 0 stop, 1 run, 2 stop and unmerge every merged page. Not a\n' +
    "    libvirt command: libvirt's node-memory-tune has no run switch (on a Linux\n" +
    '    host one writes /sys/kernel/mm/ksm/run).',
  opts: KSM_KNOB_OPTS.map(([name, key]) => ({
    name,
    type: 'int' as const,
    help: `set /sys/kernel/mm/ksm/${key}`,
  })),
  async run(sh, args) {
    const knobs: Partial<KsmKnobs> = {};
    for (const [name, key] of KSM_KNOB_OPTS) {
      const value = args.uint(name);
      if (value !== undefined) knobs[key] = value;
    }
    try {
      if (Object.keys(knobs).length) await sh.api.setKsm(knobs);
    } catch (error) {
      throw failed('Unable to change KSM parameters', error);
    }
    const [info, domains] = await Promise.all([sh.api.ksm(), sh.api.list()]);
    const merging: [string, number][] = [];
    for (const d of domains) {
      if (d.state !== 'running' && d.state !== 'paused') continue;
      try {
        merging.push([d.name, (await sh.api.info(d.name)).ksm.ksm_merging_pages]);
      } catch {
        // gone meanwhile
      }
    }
    sh.print(formatKsm(info, merging));
  },
};

/** The thresholds `balloon-policy` sets, as whole percentages. */
const POLICY_OPTS: [keyof PolicyThresholds, string][] = [
  ['low', 'reclaim when host free memory falls below this % of host RAM'],
  ['target', '…until this % of host RAM is free'],
  ['high', 'give memory back when more than this % of host RAM is free'],
  ['reserve', "% of a guest's current memory it always keeps free (at least 16 MiB)"],
  ['floor', "% of a guest's maximum memory it never goes below"],
];

const pct = (f: number) => `${Math.round(f * 1000) / 10} %`;

/** The policy as `balloon-policy` prints it: state, thresholds, then its recent decisions. */
export function formatBalloonPolicy(p: BalloonPolicyInfo): string {
  let out = `${'state:'.padEnd(10)} ${p.enabled ? 'on' : 'off'}\n`;
  for (const [key, help] of POLICY_OPTS)
    out += `${`${key}:`.padEnd(10)} ${pct(p.thresholds[key]).padEnd(8)} (${help})\n`;
  out += '\nRecent decisions (newest first):\n';
  if (p.decisions.length === 0) out += ' none\n';
  for (const d of p.decisions) {
    const at = new Date(d.atMs).toISOString().replace('T', ' ').slice(0, 19);
    out += ` ${at}  ${d.action.padEnd(7)}  ${d.domain.padEnd(12)}  ${d.message}\n`;
  }
  return out;
}

const balloonPolicy: CommandDef = {
  name: 'balloon-policy',
  group: 'virtlab',
  help: 'show, switch or tune the automatic balloon policy (ours)',
  desc:
    'The automatic balloon policy (the role oVirt MOM plays for libvirt hosts):\n' +
    '    when host free memory falls below low %, it inflates the balloons of\n' +
    "    guests with autodeflate='on' that have memory to spare, up to target %;\n" +
    '    above high % it gives the memory back. Prints its state, thresholds and\n' +
    '    recent decisions. Not a libvirt command.',
  opts: [
    { name: 'enable', type: 'bool', help: 'turn the policy on' },
    { name: 'disable', type: 'bool', help: 'turn the policy off' },
    ...POLICY_OPTS.map(([name, help]) => ({ name, type: 'int' as const, help })),
  ],
  async run(sh, args) {
    if (args.has('enable') && args.has('disable'))
      throw new VshError('Options --enable and --disable are mutually exclusive');
    const change: Partial<PolicyThresholds> & { enabled?: boolean } = {};
    if (args.has('enable')) change.enabled = true;
    if (args.has('disable')) change.enabled = false;
    for (const [key] of POLICY_OPTS) {
      const value = args.uint(key);
      if (value === undefined) continue;
      if (value > 100)
        throw new VshError(
          `Numeric value '${value}' for <${key}> option is malformed or out of range`,
        );
      change[key] = value / 100;
    }
    let info: BalloonPolicyInfo;
    try {
      info = Object.keys(change).length
        ? await sh.api.tuneBalloonPolicy(change)
        : await sh.api.balloonPolicy();
    } catch (error) {
      throw failed('Unable to change the balloon policy', error);
    }
    sh.print(formatBalloonPolicy(info));
  },
};

export const OUR_COMMANDS: CommandDef[] = [
  exec,
  virtInstallCommand,
  virtCloneCommand,
  ksm,
  balloonPolicy,
];
