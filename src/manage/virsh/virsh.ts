import type { ControlApi, DomainEvent, DomainSummary } from '../control-api';
import type { Args, CommandDef, Completer, Shell, VirshIo } from './command';
import { CAPS_COMMANDS } from './commands-caps';
import { DOMAIN_COMMANDS } from './commands-domain';
import { EDIT_COMMANDS } from './commands-edit';
import { HOST_COMMANDS } from './commands-host';
import { INFO_COMMANDS } from './commands-info';
import { MONITOR_COMMANDS } from './commands-monitor';
import { MIGRATE_COMMANDS } from './commands-migrate';
import { OUR_COMMANDS } from './commands-ours';
import { SAVE_COMMANDS } from './commands-save';
import { SNAPSHOT_COMMANDS } from './commands-snapshot';
import { TUNE_COMMANDS } from './commands-tune';
import { VIRSH_COMMANDS } from './commands-virsh';
import { VshError, VshSyntaxError, libvirtMessage } from './errors';
import { parseCommand } from './parse';
import { isActive } from './states';
import { tokenize, tokenizePartial } from './tokenize';
import { virtInstall } from './virt-install';

export type { VirshIo } from './command';

/** Every command, sorted by name within its help group (as virsh's tables are). */
export const COMMANDS: readonly CommandDef[] = [
  ...DOMAIN_COMMANDS,
  ...INFO_COMMANDS,
  ...EDIT_COMMANDS,
  ...TUNE_COMMANDS,
  ...MONITOR_COMMANDS,
  ...HOST_COMMANDS,
  ...CAPS_COMMANDS,
  ...SNAPSHOT_COMMANDS,
  ...SAVE_COMMANDS,
  ...VIRSH_COMMANDS,
  ...OUR_COMMANDS,
  ...MIGRATE_COMMANDS,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export interface VirshOptions {
  /**
   * How to subscribe to domain events (exec, console). Defaults to
   * api.subscribe; across a thread, pass one that proxies the listener
   * (tools/lib/control-client's `on`).
   */
  subscribe?: (listener: (event: DomainEvent) => void, domain?: string) => Promise<number>;
  /** virsh -q: no table headers, informational messages or trailing blank lines. */
  quiet?: boolean;
  /** The connection URI shown by `uri` and in messages. */
  uri?: string;
}

/**
 * virsh over the control API: one implementation for every front-end (the
 * terminal's `npm run virsh`, the page's panel). `run` executes a command
 * line as virsh's interactive shell does; `runArgv` the words of
 * `virsh CMD ARGS...`; `complete` offers tab completions. Output and errors
 * go to the VirshIo; the result is the exit status, 0 or 1.
 */
export class Virsh {
  #quit = false;
  readonly #shell: Shell;

  constructor(
    readonly api: ControlApi,
    readonly io: VirshIo,
    readonly options: VirshOptions = {},
  ) {
    const subscribe = options.subscribe ?? ((l, d) => api.subscribe(l, d));
    const quiet = !!options.quiet;
    this.#shell = {
      api,
      io,
      quiet,
      uri: options.uri ?? 'virtlab:///system',
      commands: COMMANDS,
      print: (text) => io.out(text),
      extra: (text) => {
        if (!quiet) io.out(text);
      },
      domain: (name, by) => lookupDomain(api, name, by?.id ?? false),
      pcpus: async () => (await api.hostInfo()).pcpus,
      subscribe: (listener, domain) => subscribe(listener, domain),
      quit: () => {
        this.#quit = true;
      },
    };
  }

  /** True once `quit` or `exit` ran: the front-end should end the session. */
  get done(): boolean {
    return this.#quit;
  }

  /** A command line as typed at the `virsh #` prompt (`;` separates commands). */
  async run(line: string): Promise<number> {
    const { commands, error } = tokenize(line);
    if (error) return this.#syntaxError(error);
    return this.#runAll(commands);
  }

  /**
   * `virsh ARGS...`: one argument is parsed as a command string; several
   * are the words of one command, taken as they are (virsh.c's rule).
   */
  async runArgv(argv: readonly string[]): Promise<number> {
    if (argv.length === 1) return this.run(argv[0]);
    return this.#runAll(argv.length ? [[...argv]] : []);
  }

  /** `virt-install ARGS...` on its own (tools/virt-install.ts): its exit status, 0, 1 or 2. */
  virtInstall(argv: readonly string[]): Promise<number> {
    return virtInstall(this.#shell, [...argv]);
  }

  async #runAll(commands: string[][]): Promise<number> {
    const parsed: { def: CommandDef; args: Args }[] = [];
    try {
      for (const words of commands) parsed.push(parseCommand(words, findCommand));
    } catch (error) {
      if (error instanceof VshSyntaxError) return this.#syntaxError(error.message);
      throw error;
    }
    let status = 0;
    for (const { def, args } of parsed) {
      status = await this.#execute(def, args);
      if (def.name === 'quit' || def.name === 'exit') break;
      this.#shell.extra('\n');
    }
    return status;
  }

  async #execute(def: CommandDef, args: Args): Promise<number> {
    try {
      await def.run(this.#shell, args);
      return 0;
    } catch (error) {
      const lines = error instanceof VshError ? error.lines : [libvirtMessage(error)];
      for (const line of lines) this.io.err(`error: ${line}\n`);
      return 1;
    }
  }

  #syntaxError(message: string): number {
    this.io.err(`error: ${message}\n`);
    return 1;
  }

  /**
   * Completions for the word under the cursor at the end of `line`:
   * command names, the command's options not yet given, or the values of
   * the option being filled (domain names, command names).
   */
  async complete(line: string): Promise<string[]> {
    const { words, current } = tokenizePartial(line);
    const match = (list: string[]) => list.filter((w) => w.startsWith(current)).sort();
    if (words.length === 0) return match(COMMANDS.map((c) => c.name));
    const def = findCommand(words[0]);
    if (!def || def.raw) return [];
    // Replay the words as the parser would, to know what is filled.
    const given = new Set<string>();
    const nextSlot = () =>
      def.opts.find(
        (o) => (o.positional || o.unwantedPositional) && (o.type === 'argv' || !given.has(o.name)),
      );
    let pending: Completer | undefined;
    let pendingValue = false;
    for (const word of words.slice(1)) {
      if (pendingValue) {
        pendingValue = false;
      } else if (word.startsWith('--') && word.length > 2) {
        const [name, value] = word.slice(2).split('=', 2);
        const opt = def.opts.find((o) => o.name === name);
        if (!opt) continue;
        given.add(opt.name);
        pendingValue = opt.type !== 'bool' && value === undefined;
        pending = opt.completer;
      } else {
        const slot = nextSlot();
        if (slot) given.add(slot.name);
      }
    }
    const options = def.opts
      .filter((o) => o.type !== 'alias' && (o.type === 'argv' || !given.has(o.name)))
      .map((o) => `--${o.name}`);
    if (current.startsWith('-')) return match(options);
    const completer = pendingValue ? pending : nextSlot()?.completer;
    if (!completer) return current === '' && !pendingValue ? match(options) : [];
    if (completer === 'command') return match(COMMANDS.map((c) => c.name));
    const domains = await this.api.list();
    const wanted = domains.filter((d) =>
      completer === 'domain-active'
        ? isActive(d.state)
        : completer === 'domain-inactive'
          ? !isActive(d.state)
          : true,
    );
    return match(wanted.map((d) => d.name));
  }
}

function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/**
 * virshLookupDomainInternal: by id when the text is a non-negative number
 * (and the command allows it), then by uuid, then by name.
 */
async function lookupDomain(api: ControlApi, name: string, byId: boolean): Promise<DomainSummary> {
  const domains = await api.list();
  let found: DomainSummary | undefined;
  if (byId && /^\d+$/.test(name)) found = domains.find((d) => d.id === Number(name));
  if (!found && name.length === 36) {
    found = domains.find((d) => d.uuid.toLowerCase() === name.toLowerCase());
  }
  found ??= domains.find((d) => d.name === name);
  if (!found) throw new VshError(`failed to get domain '${name}'`);
  return found;
}
