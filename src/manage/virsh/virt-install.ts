import type { DomainDef } from '../control-api';
import { formatDomainXml } from '../xml/domain-xml';
import type { Shell } from './command';
import { runConsole } from './commands-domain';
import { libvirtMessage } from './errors';
import { isActive } from './states';

/**
 * The subset of virt-install (virt-manager's virtinst/virtinstall.py) that
 * fits this hypervisor: no disks or networks, the guest image or a kernel
 * given by --boot. Its messages are virt-install's ("Starting install...",
 * "Domain creation completed."), errors go to stderr as "ERROR    ...",
 * and an argument it does not know fails as argparse does (exit 2).
 */

export const VIRT_INSTALL_USAGE = 'usage: virt-install --name NAME --memory MB [options]';

const HELP = `${VIRT_INSTALL_USAGE}

Create a new virtual machine (VirtLab's subset of virt-install).

options:
  -h, --help            show this help message and exit
  -n NAME, --name NAME  Name of the guest instance
  --memory MEMORY       Configure guest memory allocation. Ex:
                        --memory 1024 (in MiB)
                        --memory memory=1024,currentMemory=512
  --vcpus VCPUS         Number of vCPUs to configure for your guest. Ex:
                        --vcpus 2
                        --vcpus 2,maxvcpus=4
  --boot BOOT           Kernel and command line to boot. Ex:
                        --boot kernel=Image,cmdline="console=ttyS0"
                        (default: the built-in guest image)
  --memballoon MEMBALLOON
                        Configure a memory balloon device. Ex:
                        --memballoon none
                        --memballoon virtio,autodeflate=on,freePageReporting=on
  --virt-type VIRT_TYPE
                        Hypervisor name to use (kvm, qemu). kvm runs guest code
                        translated (the JIT); qemu runs it in the interpreter.
  --import              Boot the given kernel (the only install method here)
  --noautoconsole       Don't automatically try to connect to the guest console
  --autoconsole AUTOCONSOLE
                        text or none
  --transient           Create a transient domain.
  --noreboot            Don't boot the domain after defining it.
  --dry-run             Run through install process, but do not create devices
                        or define the guest.
  --print-xml [XMLONLY] Print the generated domain XML rather than create the
                        guest.
`;

/** What the command line asks for. */
export interface VirtInstallRequest {
  def: DomainDef;
  autoconsole: boolean;
  transient: boolean;
  noreboot: boolean;
  dryRun: boolean;
  printXml: boolean;
  help: boolean;
}

/** A command-line problem: argparse's (exit 2, with usage) or virt-install's own (exit 1). */
export class VirtInstallError extends Error {
  override name = 'VirtInstallError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

interface Spec {
  names: string[];
  dest: keyof Values;
  value: 'none' | 'one' | 'optional';
}
interface Values {
  name?: string;
  memory?: string;
  vcpus?: string;
  boot?: string;
  virtType?: string;
  memballoon?: string;
  autoconsole?: string;
  noautoconsole?: true;
  import?: true;
  transient?: true;
  noreboot?: true;
  dryRun?: true;
  printXml?: string | true;
  help?: true;
}

const SPECS: Spec[] = [
  { names: ['-h', '--help'], dest: 'help', value: 'none' },
  { names: ['-n', '--name'], dest: 'name', value: 'one' },
  { names: ['--memory', '--ram', '-r'], dest: 'memory', value: 'one' },
  { names: ['--vcpus'], dest: 'vcpus', value: 'one' },
  { names: ['--boot'], dest: 'boot', value: 'one' },
  { names: ['--virt-type'], dest: 'virtType', value: 'one' },
  { names: ['--memballoon'], dest: 'memballoon', value: 'one' },
  { names: ['--import'], dest: 'import', value: 'none' },
  { names: ['--noautoconsole'], dest: 'noautoconsole', value: 'none' },
  { names: ['--autoconsole'], dest: 'autoconsole', value: 'one' },
  { names: ['--transient'], dest: 'transient', value: 'none' },
  { names: ['--noreboot'], dest: 'noreboot', value: 'none' },
  { names: ['--dry-run'], dest: 'dryRun', value: 'none' },
  { names: ['--print-xml'], dest: 'printXml', value: 'optional' },
];

/** argparse's matching: an exact option name, or an unambiguous prefix of a long one. */
function findSpec(word: string): Spec | undefined {
  const exact = SPECS.find((s) => s.names.includes(word));
  if (exact || !word.startsWith('--')) return exact;
  const hits = SPECS.filter((s) => s.names.some((n) => n.startsWith('--') && n.startsWith(word)));
  if (hits.length > 1) {
    const names = hits.flatMap((s) => s.names.filter((n) => n.startsWith(word)));
    throw new VirtInstallError(`ambiguous option: ${word} could match ${names.join(', ')}`, 2);
  }
  return hits[0];
}

/** "a=1,b=2" and a leading bare value, split on commas outside quotes. */
export function parseSubopts(text: string): { bare?: string; opts: Map<string, string> } {
  const parts: string[] = [];
  let current = '';
  let quote = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  const opts = new Map<string, string>();
  let bare: string | undefined;
  parts.forEach((part, i) => {
    const eq = part.indexOf('=');
    if (eq < 0 && i === 0) bare = part;
    else if (eq < 0) opts.set(part, '');
    else opts.set(part.slice(0, eq), part.slice(eq + 1));
  });
  return { bare, opts };
}

function unknown(option: string, opts: Map<string, string>, known: string[]): void {
  const extra = [...opts.keys()].filter((k) => !known.includes(k));
  if (extra.length) {
    throw new VirtInstallError(
      `Unknown ${option} options: [${extra.map((k) => `'${k}'`).join(', ')}]`,
      1,
    );
  }
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new VirtInstallError(`Error: ${option} ${text}: invalid value, expected a number`, 1);
  }
  return Number(text);
}

const onOff = (option: string, text: string): boolean => {
  if (/^(on|yes|true|1)$/i.test(text)) return true;
  if (/^(off|no|false|0)$/i.test(text)) return false;
  throw new VirtInstallError(`Error: ${option}: '${text}' is not on or off`, 1);
};

/** The command line into a domain definition and what to do with it. */
export function parseVirtInstall(words: readonly string[]): VirtInstallRequest {
  const values: Values = {};
  for (let i = 0; i < words.length; i++) {
    let word = words[i];
    let inline: string | undefined;
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    if (eq >= 0) {
      inline = word.slice(eq + 1);
      word = word.slice(0, eq);
    }
    const spec = word.startsWith('-') ? findSpec(word) : undefined;
    if (!spec) throw new VirtInstallError(`unrecognized arguments: ${words[i]}`, 2);
    const label = spec.names.join('/');
    if (spec.value === 'none') {
      if (inline !== undefined) {
        throw new VirtInstallError(`argument ${label}: ignored explicit argument '${inline}'`, 2);
      }
      (values as Record<string, unknown>)[spec.dest] = true;
    } else if (inline !== undefined) {
      (values as Record<string, unknown>)[spec.dest] = inline;
    } else if (i + 1 < words.length && !words[i + 1].startsWith('-')) {
      (values as Record<string, unknown>)[spec.dest] = words[++i];
    } else if (spec.value === 'optional') {
      (values as Record<string, unknown>)[spec.dest] = true;
    } else {
      throw new VirtInstallError(`argument ${label}: expected one argument`, 2);
    }
  }
  const request = {
    autoconsole: !values.noautoconsole && values.autoconsole !== 'none',
    transient: !!values.transient,
    noreboot: !!values.noreboot,
    dryRun: !!values.dryRun,
    printXml: values.printXml !== undefined,
    help: !!values.help,
  };
  if (values.help) return { def: { name: '', memoryMiB: 0, vcpus: 0 }, ...request };
  if (values.autoconsole !== undefined && !['text', 'none'].includes(values.autoconsole)) {
    throw new VirtInstallError(`Unknown --autoconsole type '${values.autoconsole}'`, 1);
  }
  if (!values.name) throw new VirtInstallError('--name is required', 1);
  if (!values.memory) throw new VirtInstallError('--memory amount in MiB is required', 1);
  const def: DomainDef = { name: values.name, memoryMiB: 0, vcpus: 1 };
  if (values.virtType !== undefined) {
    if (values.virtType !== 'kvm' && values.virtType !== 'qemu')
      throw new VirtInstallError(
        `Host does not support virtualization type '${values.virtType}'`,
        1,
      );
    def.type = values.virtType;
  }

  const memory = parseSubopts(values.memory);
  unknown('--memory', memory.opts, ['memory', 'currentMemory']);
  const mem = memory.opts.get('memory') ?? memory.bare;
  if (mem === undefined) throw new VirtInstallError('--memory amount in MiB is required', 1);
  def.memoryMiB = wholeNumber('--memory', mem);
  const current = memory.opts.get('currentMemory');
  if (current !== undefined) def.currentMemoryKiB = wholeNumber('--memory', current) * 1024;

  if (values.vcpus !== undefined) {
    const vcpus = parseSubopts(values.vcpus);
    unknown('--vcpus', vcpus.opts, ['vcpus', 'maxvcpus', 'cpuset']);
    const n = vcpus.opts.get('vcpus') ?? vcpus.bare;
    const max = vcpus.opts.get('maxvcpus');
    const online = n !== undefined ? wholeNumber('--vcpus', n) : undefined;
    def.vcpus = max !== undefined ? wholeNumber('--vcpus', max) : (online ?? 1);
    if (online !== undefined && online !== def.vcpus) def.vcpusCurrent = online;
    const cpuset = vcpus.opts.get('cpuset');
    if (cpuset !== undefined) def.cpuset = cpuset;
  }

  if (values.boot !== undefined) {
    const boot = parseSubopts(values.boot);
    if (boot.bare !== undefined) boot.opts.set(boot.bare, '');
    unknown('--boot', boot.opts, ['kernel', 'cmdline', 'kernel_args']);
    const kernel = boot.opts.get('kernel');
    if (kernel) def.kernelPath = kernel;
    const cmdline = boot.opts.get('cmdline') ?? boot.opts.get('kernel_args');
    if (cmdline !== undefined) def.bootargs = cmdline;
  }

  if (values.memballoon !== undefined) {
    const balloon = parseSubopts(values.memballoon);
    unknown('--memballoon', balloon.opts, [
      'model',
      'autodeflate',
      'freePageReporting',
      'stats.period',
    ]);
    const model = balloon.opts.get('model') ?? balloon.bare;
    if (model === 'none') {
      def.balloon = false;
    } else if (model === undefined || model === 'virtio') {
      const autodeflate = balloon.opts.get('autodeflate');
      const reporting = balloon.opts.get('freePageReporting');
      const period = balloon.opts.get('stats.period');
      def.balloon = {};
      if (autodeflate !== undefined) def.balloon.autodeflate = onOff('--memballoon', autodeflate);
      if (reporting !== undefined) {
        def.balloon.freePageReporting = onOff('--memballoon', reporting);
      }
      if (period !== undefined) def.balloon.statsPeriodS = wholeNumber('--memballoon', period);
    } else {
      throw new VirtInstallError(`Unknown memballoon model '${model}'`, 1);
    }
  }
  return { def, ...request };
}

/**
 * virt-install: returns its exit status (0, 1 for an error, 2 for a bad
 * command line). Defines the domain (or creates it, --transient), starts
 * it unless --noreboot, and connects the console unless --noautoconsole.
 */
export async function virtInstall(sh: Shell, words: string[]): Promise<number> {
  const out = (text: string) => sh.io.out(text);
  const error = (text: string) => sh.io.err(`ERROR    ${text}\n`);
  let request: VirtInstallRequest;
  try {
    request = parseVirtInstall(words);
  } catch (e) {
    if (!(e instanceof VirtInstallError)) throw e;
    if (e.exitCode === 2) sh.io.err(`${VIRT_INSTALL_USAGE}\nvirt-install: error: ${e.message}\n`);
    else error(e.message);
    return e.exitCode;
  }
  if (request.help) {
    out(HELP);
    return 0;
  }
  const { def } = request;
  if (request.printXml) {
    out(formatDomainXml({ ...def, uuid: crypto.randomUUID() }).replace(/\n?$/, '\n'));
    return 0;
  }
  if (request.dryRun) {
    out('Dry run completed successfully\n');
    return 0;
  }
  const restart = `virsh --connect ${sh.uri} start ${def.name}`;
  out('\nStarting install...\n');
  let defined = false;
  try {
    out('Creating domain...\n');
    if (request.transient) await sh.api.create(def);
    else {
      await sh.api.define(def);
      defined = true;
      if (!request.noreboot) await sh.api.start(def.name);
    }
  } catch (e) {
    error(libvirtMessage(e));
    // virt-install undefines the domain it defined when its first start fails.
    if (defined) await sh.api.undefine(def.name).catch(() => undefined);
    out(
      'Domain installation does not appear to have been successful.\n' +
        `If it was, you can restart your domain by running:\n  ${restart}\n` +
        'otherwise, please restart your installation.\n',
    );
    return 1;
  }
  if (request.autoconsole && !request.noreboot) {
    out(`Running text console command: virsh --connect ${sh.uri} console ${def.name}\n`);
    try {
      await runConsole(sh, def.name);
    } catch (e) {
      sh.io.err(`error: ${libvirtMessage(e)}\n`);
      sh.io.err('WARNING  Console command returned failure.\n');
    }
  }
  out('Domain creation completed.\n');
  if (!request.transient) {
    const active = await sh.api
      .list()
      .then((all) => all.find((d) => d.name === def.name))
      .then((d) => d !== undefined && isActive(d.state));
    if (!active) out(`You can restart your domain by running:\n  ${restart}\n`);
  }
  return 0;
}
