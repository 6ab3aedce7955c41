import type { DomainDef } from '../control-api';
import { DomainXmlError, formatDomainXml, parseDomainXml } from '../xml/domain-xml';
import { XmlSyntaxError } from '../xml/xml-parser';
import { domainOpt, fileOpt, type CommandDef, type OptDef, type Shell } from './command';
import { VshError, failed, reported, unsupported } from './errors';
import { isActive } from './states';

/**
 * virsh's domain lifecycle and XML commands (libvirt tools/virsh-domain.c):
 * define, undefine, create, start, shutdown, reboot, reset, destroy,
 * suspend, resume, dumpxml, console. Messages are libvirt's, with the
 * quoted domain names of current releases.
 */

const bool = (name: string, help: string): OptDef => ({ name, type: 'bool', help });

/** virFileReadAll's failure, as virsh reports it. */
export async function readFile(sh: Shell, path: string): Promise<string> {
  try {
    return await sh.io.readFile(path);
  } catch (error) {
    throw new VshError(`Failed to open file '${path}': ${(error as Error).message}`);
  }
}

/**
 * A domain XML file's definition. Malformed XML is reported as libvirtd
 * reports libxml2's error ("(domain_definition):LINE: ...", the line and a
 * caret under the column); a well-formed but invalid definition with
 * libvirt's message; each warning (what the parser could not map) on
 * stderr.
 */
export function parseXml(sh: Shell, text: string): DomainDef {
  let parsed: { def: DomainDef; warnings: string[] };
  try {
    parsed = parseDomainXml(text);
  } catch (error) {
    // libvirtd reports libxml2's error (VIR_ERR_XML_DETAIL, no prefix) and its
    // semantic errors with their own prefix ("XML error: ...").
    if (error instanceof XmlSyntaxError) throw new VshError(error.detail(text));
    if (error instanceof DomainXmlError) throw new VshError(error.message);
    throw error;
  }
  for (const warning of parsed.warnings) sh.io.err(`warning: ${warning}\n`);
  return parsed.def;
}

/**
 * cmdRunConsole: the domain's serial console on this terminal until the
 * user types the escape character (Ctrl+]).
 */
export async function runConsole(sh: Shell, name: string): Promise<void> {
  const d = await sh.domain(name, { id: true });
  if (d.state === 'shut off') throw new VshError('The domain is not running');
  if (!sh.io.attachConsole) {
    throw new VshError('Cannot run interactive console without a controlling TTY');
  }
  sh.extra(`Connected to domain '${d.name}'\n`);
  sh.extra('Escape character is ^] (Ctrl + ])\n');
  await sh.io.attachConsole(d.name);
}

const define: CommandDef = {
  name: 'define',
  group: 'domain',
  help: "define (but don't start) a domain from an XML file",
  desc: 'Define a domain.',
  opts: [
    fileOpt('file containing an XML domain description'),
    bool('validate', 'validate the XML against the schema'),
  ],
  async run(sh, args) {
    const file = args.need('file');
    const text = await readFile(sh, file);
    try {
      const def = parseXml(sh, text);
      await sh.api.define(def);
      sh.extra(`Domain '${def.name}' defined from ${file}\n`);
    } catch (error) {
      throw failed(`Failed to define domain from ${file}`, error);
    }
  },
};

const create: CommandDef = {
  name: 'create',
  group: 'domain',
  help: 'create a domain from an XML file',
  desc: 'Create a domain.',
  opts: [
    fileOpt('file containing an XML domain description'),
    bool('console', 'attach to console after creation'),
    bool('paused', 'leave the guest paused after creation'),
    bool('validate', 'validate the XML against the schema'),
  ],
  async run(sh, args) {
    const file = args.need('file');
    const text = await readFile(sh, file);
    let name: string;
    try {
      const def = parseXml(sh, text);
      name = (await sh.api.create(def, { paused: args.has('paused') })).name;
    } catch (error) {
      throw failed(`Failed to create domain from ${file}`, error);
    }
    sh.extra(`Domain '${name}' created from ${file}\n`);
    // virsh create ignores a console that cannot attach.
    if (args.has('console')) await runConsole(sh, name).catch((e) => reportLater(sh, e));
  },
};

function reportLater(sh: Shell, error: unknown): void {
  for (const line of reported(error).lines) sh.io.err(`error: ${line}\n`);
}

const undefine: CommandDef = {
  name: 'undefine',
  group: 'domain',
  help: 'undefine a domain',
  desc: 'Undefine an inactive domain, or convert persistent to transient.',
  opts: [
    domainOpt(),
    bool('managed-save', 'remove domain managed state file'),
    bool('snapshots-metadata', 'remove all domain snapshot metadata, if inactive'),
    bool('checkpoints-metadata', 'remove all domain checkpoint metadata, if inactive'),
    bool('nvram', 'remove nvram file'),
    bool('keep-nvram', 'keep nvram file'),
  ],
  async run(sh, args) {
    args.exclusive('nvram', 'keep-nvram');
    const d = await sh.domain(args.need('domain'), { id: true });
    try {
      if (!d.persistent) {
        throw new VshError('Requested operation is not valid: cannot undefine transient domain');
      }
      await sh.api.undefine(d.name);
    } catch (error) {
      throw failed(`Failed to undefine domain '${d.name}'`, error);
    }
    sh.extra(`Domain '${d.name}' has been undefined\n`);
  },
};

const start: CommandDef = {
  name: 'start',
  group: 'domain',
  help: 'start a (previously defined) inactive domain',
  desc:
    'Start a domain, either from the last managedsave\n' +
    '    state, or via a fresh boot if no managedsave state\n' +
    '    is present.',
  opts: [
    domainOpt('name of the inactive domain', 'domain-inactive'),
    bool('console', 'attach to console after creation'),
    bool('paused', 'leave the guest paused after creation'),
    bool('force-boot', 'force fresh boot by discarding any managed save'),
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    if (d.id !== null) throw new VshError('Domain is already active');
    try {
      await sh.api.start(d.name, { paused: args.has('paused') });
    } catch (error) {
      throw failed(`Failed to start domain '${d.name}'`, error);
    }
    sh.extra(`Domain '${d.name}' started\n`);
    if (args.has('console')) await runConsole(sh, d.name);
  },
};

const MODES = ['acpi', 'agent', 'initctl', 'signal', 'paravirt'];

/** shutdown and reboot: the guest is asked through its agent (the board has no ACPI). */
function guestRequest(
  name: 'shutdown' | 'reboot',
  help: string,
  desc: string,
  done: string,
): CommandDef {
  return {
    name,
    group: 'domain',
    help,
    desc,
    opts: [
      domainOpt('domain name, id or uuid', 'domain-active'),
      { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' },
    ],
    async run(sh, args) {
      const modes = args.string('mode')?.split(',') ?? [];
      for (const mode of modes) {
        if (!MODES.includes(mode)) {
          throw new VshError(
            `Unknown mode ${mode} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`,
          );
        }
      }
      const d = await sh.domain(args.need('domain'), { id: true });
      try {
        if (modes.some((m) => m !== 'agent')) {
          throw unsupported(
            `the ${modes.find((m) => m !== 'agent')} mode: this board has no ACPI; the guest agent (--mode agent) is the only way in`,
          );
        }
        await sh.api[name](d.name);
      } catch (error) {
        throw failed(`Failed to ${name} domain '${d.name}'`, error);
      }
      sh.extra(`Domain '${d.name}' ${done}\n`);
    },
  };
}

/** Commands of the form `verb DOMAIN` that print "Domain 'X' <done>". */
function simple(
  name: 'destroy' | 'suspend' | 'resume' | 'reset',
  help: string,
  desc: string,
  done: string,
  extra: OptDef[] = [],
): CommandDef {
  return {
    name,
    group: 'domain',
    help,
    desc,
    opts: [domainOpt('domain name, id or uuid', 'domain-active'), ...extra],
    async run(sh, args) {
      const d = await sh.domain(args.need('domain'), { id: true });
      try {
        await sh.api[name](d.name);
      } catch (error) {
        throw failed(`Failed to ${name} domain '${d.name}'`, error);
      }
      sh.extra(`Domain '${d.name}' ${done}\n`);
    },
  };
}

const dumpxml: CommandDef = {
  name: 'dumpxml',
  group: 'domain',
  help: 'domain information in XML',
  desc: 'Output the domain information as an XML dump to stdout.',
  opts: [
    domainOpt(),
    bool('inactive', 'show inactive defined XML'),
    bool('security-info', 'include security sensitive information in XML dump'),
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    try {
      const def = await sh.api.domainDef(d.name, { inactive: args.has('inactive') });
      const live =
        !args.has('inactive') && isActive(d.state) && d.id !== null
          ? { id: d.id, currentMemoryKiB: def.currentMemoryKiB }
          : undefined;
      const xml = formatDomainXml(def, live);
      sh.print(xml.endsWith('\n') ? xml : xml + '\n');
    } catch (error) {
      throw reported(error);
    }
  },
};

const console_: CommandDef = {
  name: 'console',
  group: 'domain',
  help: 'connect to the guest console',
  desc: 'Connect the virtual serial console for the guest',
  opts: [
    domainOpt('domain name, id or uuid', 'domain-active'),
    { name: 'devname', type: 'string', help: 'character device name' },
    bool('force', 'force console connection (disconnect already connected sessions)'),
    bool('safe', 'only connect if safe console handling is supported'),
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    const dev = args.string('devname');
    if (dev !== undefined && dev !== 'serial0' && dev !== 'console0') {
      throw new VshError(`internal error: cannot find character device ${dev}`);
    }
    await runConsole(sh, d.name);
  },
};

export const DOMAIN_COMMANDS: CommandDef[] = [
  console_,
  create,
  define,
  simple(
    'destroy',
    'destroy (stop) a domain',
    'Forcefully stop a given domain, but leave its resources intact.',
    'destroyed',
    [bool('graceful', 'terminate gracefully')],
  ),
  dumpxml,
  guestRequest(
    'reboot',
    'reboot a domain',
    'Run a reboot command in the target domain.',
    'is being rebooted',
  ),
  simple('reset', 'reset a domain', 'Reset the target domain as if by power button', 'was reset'),
  simple('resume', 'resume a domain', 'Resume a previously suspended domain.', 'resumed'),
  guestRequest(
    'shutdown',
    'gracefully shutdown a domain',
    'Run shutdown in the target domain.',
    'is being shutdown',
  ),
  start,
  simple('suspend', 'suspend a domain', 'Suspend a running domain.', 'suspended'),
  undefine,
];
