import { GROUPS, type CommandDef, type OptDef } from './command';
import { VshError } from './errors';

/** virsh's own commands: help, quit, exit (libvirt tools/vsh.c). */

/** `help`'s listing of every group, or of one group. */
export function formatGroups(commands: readonly CommandDef[], only?: string): string {
  let out = only === undefined ? 'Grouped commands:\n\n' : '';
  for (const group of GROUPS) {
    if (only !== undefined && group.id !== only) continue;
    out += ` ${group.name} (help keyword '${group.id}'):\n`;
    for (const def of commands.filter((c) => c.group === group.id)) {
      out += `    ${def.name.padEnd(30)} ${def.help}\n`;
    }
    if (only === undefined) out += '\n';
  }
  return out;
}

/** One option in SYNOPSIS. */
function synopsis(opt: OptDef): string {
  switch (opt.type) {
    case 'alias':
      return '';
    case 'bool':
      return ` [--${opt.name}]`;
    case 'argv':
      if (opt.positional) return opt.required ? ` <${opt.name}>...` : ` [<${opt.name}>]...`;
      return opt.required ? ` --${opt.name} <string>...` : ` [--${opt.name} <string>]...`;
    default: {
      const body = opt.positional
        ? `<${opt.name}>`
        : `--${opt.name} <${opt.type === 'int' ? 'number' : 'string'}>`;
      return opt.required ? ` ${body}` : ` [${body}]`;
    }
  }
}

/** One option in OPTIONS. */
function optionLine(opt: OptDef): string | undefined {
  const kind = opt.type === 'int' ? 'number' : 'string';
  let text: string;
  switch (opt.type) {
    case 'alias':
      return undefined;
    case 'bool':
      text = `--${opt.name}`;
      break;
    case 'argv':
      text = opt.positional ? `[--${opt.name}] <string>...` : `--${opt.name} <string>...`;
      break;
    default:
      text = opt.positional ? `[--${opt.name}] <${kind}>` : `--${opt.name} <${kind}>`;
  }
  return `    ${text.padEnd(15)}  ${opt.help}\n`;
}

/** `help <command>`: NAME, SYNOPSIS, DESCRIPTION and OPTIONS (vshCmddefHelp). */
export function formatCommandHelp(def: CommandDef): string {
  let out = `  NAME\n    ${def.name} - ${def.help}\n`;
  out += `\n  SYNOPSIS\n    ${def.name}${def.opts.map(synopsis).join('')}\n`;
  if (def.desc) out += `\n  DESCRIPTION\n    ${def.desc}\n`;
  const lines = def.opts.map(optionLine).filter((l) => l !== undefined);
  if (lines.length) out += `\n  OPTIONS\n${lines.join('')}`;
  return out;
}

const help: CommandDef = {
  name: 'help',
  group: 'virsh',
  help: 'print help',
  desc: 'Prints global help, command specific help, or help for a\n    group of related commands',
  opts: [
    {
      name: 'command',
      type: 'string',
      positional: true,
      completer: 'command',
      help: 'Prints global help, command specific help, or help for a group of related commands',
    },
  ],
  async run(sh, args) {
    const name = args.values.get('command');
    if (typeof name !== 'string' || name === '') {
      sh.print(formatGroups(sh.commands));
      return;
    }
    const def = sh.commands.find((c) => c.name === name);
    if (def) {
      sh.print(formatCommandHelp(def));
      return;
    }
    if (GROUPS.some((g) => g.id === name)) {
      sh.print(formatGroups(sh.commands, name));
      return;
    }
    const group = GROUPS.find((g) => g.name === name);
    if (group) {
      sh.print(formatGroups(sh.commands, group.id));
      return;
    }
    throw new VshError(`command or command group '${name}' doesn't exist`);
  },
};

const quitCommand = (name: 'quit' | 'exit'): CommandDef => ({
  name,
  group: 'virsh',
  help: 'quit this interactive terminal',
  desc: '',
  opts: [],
  async run(sh) {
    sh.quit();
  },
});

export const VIRSH_COMMANDS: CommandDef[] = [quitCommand('exit'), help, quitCommand('quit')];
