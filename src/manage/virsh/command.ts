import type { ControlApi, DomainEvent, DomainSummary, MigrationTarget } from '../control-api';
import { VshError } from './errors';
import { parseInt32, parseScaled, parseUint32 } from './units';

/**
 * virsh's command model (libvirt tools/vsh.h): each command declares its
 * options; the parser fills them from the words typed; the handler reads
 * them through Args with vsh's own conversions and error messages.
 */

/** vsh option types: VSH_OT_BOOL, _STRING, _INT, _ARGV and _ALIAS. */
export type OptType = 'bool' | 'string' | 'int' | 'argv' | 'alias';

/** What tab completion offers for an option's value. */
export type Completer = 'domain' | 'domain-active' | 'domain-inactive' | 'command';

export interface OptDef {
  name: string;
  type: OptType;
  /** The help line; for an alias, the option it stands for ("size", or "mode=value"). */
  help: string;
  /** Filled by a bare word, in option order, and documented as such (`<name>`). */
  positional?: boolean;
  /** Accepted as a bare word for compatibility, but documented as `--name`. */
  unwantedPositional?: boolean;
  required?: boolean;
  /** An empty value ("--opt ''") is accepted. */
  allowEmpty?: boolean;
  completer?: Completer;
}

/** The help groups, in virsh's order, and ours last. */
export const GROUPS = [
  { id: 'domain', name: 'Domain Management' },
  { id: 'monitor', name: 'Domain Monitoring' },
  { id: 'host', name: 'Host and Hypervisor' },
  { id: 'snapshot', name: 'Snapshot' },
  { id: 'virsh', name: 'Virsh itself' },
  { id: 'virtlab', name: 'VirtLab (ours, not in libvirt)' },
] as const;

export type GroupId = (typeof GROUPS)[number]['id'];

export interface CommandDef {
  name: string;
  group: GroupId;
  /** One line for the command lists. */
  help: string;
  /** The DESCRIPTION of `help <command>` (continuation lines indented by four). */
  desc: string;
  opts: OptDef[];
  /** Takes its words unparsed (virt-install has its own option syntax). */
  raw?: boolean;
  run(sh: Shell, args: Args): Promise<void>;
}

/** The host side of a virsh session (implemented by the Virsh class). */
export interface VirshIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
  /** A file's text (relative paths: the caller's working directory); rejects with the reason. */
  readFile(path: string): Promise<string>;
  /** A file's bytes (save images); absent where files cannot be read. */
  readBinary?(path: string): Promise<Uint8Array>;
  /** Writes a file (save images): a file in Node, a download in the page. */
  writeBinary?(path: string, bytes: Uint8Array): Promise<void>;
  /** Connects this terminal to the domain's serial console until the user leaves (Ctrl+]). */
  attachConsole?(domain: string): Promise<void>;
  /**
   * Opens `text` in the user's editor (virsh's vshEditFile: $VISUAL, else
   * $EDITOR, else vi, on a temporary file named after `suffix`) and returns
   * what was saved. Absent where there is no editor.
   */
  editText?(text: string, suffix: string): Promise<string>;
  /** Asks a question on the terminal and returns the answer typed (virsh's vshAskReedit). */
  ask?(question: string): Promise<string>;
  /**
   * Opens a socket migration URI (unix:PATH, tcp:PORT) as a target the
   * control API takes (a MessagePort bridged to the socket); the source
   * connects, the destination listens for one connection. Absent where
   * there are no sockets (the page).
   */
  openMigration?(
    uri: string,
    role: 'source' | 'destination',
  ): Promise<{ target: MigrationTarget; close(): void }>;
}

/** What command handlers use. */
export interface Shell {
  readonly api: ControlApi;
  readonly io: VirshIo;
  /** virsh -q: no table headers, no informational messages, no trailing blank lines. */
  readonly quiet: boolean;
  /** The connection URI (`uri` command). */
  readonly uri: string;
  readonly commands: readonly CommandDef[];
  /** vshPrint. */
  print(text: string): void;
  /** vshPrintExtra: informational output that --quiet hides. */
  extra(text: string): void;
  /** A domain by id, uuid or name (libvirt's lookup order), or "failed to get domain". */
  domain(name: string, by?: { id?: boolean }): Promise<DomainSummary>;
  /** The host's pCPU count. */
  pcpus(): Promise<number>;
  /** Domain events (console bytes, lifecycle) for one domain; returns the subscription id. */
  subscribe(listener: (event: DomainEvent) => void, domain: string): Promise<number>;
  /** Ends the session (quit, exit). */
  quit(): void;
}

/** The parsed options of one command, read with vsh's conversions. */
export class Args {
  constructor(
    readonly def: CommandDef,
    readonly values: ReadonlyMap<string, string | true | string[]>,
    /** The words after the command name, for raw commands. */
    readonly words: readonly string[] = [],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** vshCommandOptString: undefined when absent; an empty value is an error unless allowed. */
  string(name: string): string | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return value === true ? undefined : value.join(' ');
    const opt = this.def.opts.find((o) => o.name === name);
    if (value === '' && !opt?.allowEmpty) {
      throw new VshError(`Failed to get option '${name}': Option argument is empty`);
    }
    return value;
  }

  /** A required option's value (the parser has checked it is present). */
  need(name: string): string {
    const value = this.string(name);
    if (value === undefined) {
      throw new VshError(`Failed to get option '${name}': Mandatory option not present`);
    }
    return value;
  }

  argv(name: string): string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : [];
  }

  /** vshCommandOptInt. */
  int(name: string): number | undefined {
    return this.#number(name, parseInt32);
  }

  /** vshCommandOptUInt: negative numbers are refused. */
  uint(name: string): number | undefined {
    return this.#number(name, parseUint32);
  }

  /** vshCommandOptScaledInt: bytes, the unit defaulting to `scale`. */
  scaled(name: string, scale: number, max: number): number | undefined {
    const text = this.values.get(name);
    if (typeof text !== 'string') return undefined;
    const value = parseScaled(text, scale, max);
    if (value === undefined) {
      throw new VshError(
        `Scaled numeric value '${text}' for <${name}> option is malformed or out of range`,
      );
    }
    return value;
  }

  #number(name: string, parse: (text: string) => number | undefined): number | undefined {
    const text = this.values.get(name);
    if (typeof text !== 'string') return undefined;
    const value = parse(text);
    if (value === undefined) {
      throw new VshError(
        `Numeric value '${text}' for <${name}> option is malformed or out of range`,
      );
    }
    return value;
  }

  /** VSH_EXCLUSIVE_OPTIONS. */
  exclusive(a: string, b: string): void {
    if (this.has(a) && this.has(b)) {
      throw new VshError(`Options --${a} and --${b} are mutually exclusive`);
    }
  }

  /** VSH_REQUIRE_OPTION: `option` needs `needed`. */
  requires(option: string, needed: string): void {
    if (this.has(option) && !this.has(needed)) {
      throw new VshError(`Option --${needed} is required by option --${option}`);
    }
  }
}

/** The option every domain command starts with (VIRSH_COMMON_OPT_DOMAIN_FULL). */
export function domainOpt(
  help = 'domain name, id or uuid',
  completer: Completer = 'domain',
): OptDef {
  return { name: 'domain', type: 'string', positional: true, required: true, help, completer };
}

export const configOpt = (help = 'affect next boot'): OptDef => ({
  name: 'config',
  type: 'bool',
  help,
});
export const liveOpt = (help = 'affect running domain'): OptDef => ({
  name: 'live',
  type: 'bool',
  help,
});
export const currentOpt = (help = 'affect current domain'): OptDef => ({
  name: 'current',
  type: 'bool',
  help,
});

/** VIRSH_COMMON_OPT_FILE. */
export function fileOpt(help: string): OptDef {
  return { name: 'file', type: 'string', positional: true, required: true, help };
}
