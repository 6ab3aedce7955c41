import { Args, type CommandDef, type OptDef } from './command';
import { VshSyntaxError } from './errors';

/**
 * One command's words into its options, as vsh's parser does
 * (tools/vsh.c, vshCommandParse): `--opt value`, `--opt=value`, bare words
 * fill the positional options in declaration order, `--` makes every later
 * word positional, `--help` turns the command into `help <command>`, and
 * missing required options are reported by name. Throws VshSyntaxError with
 * vsh's message; the `help` command ignores what it does not know.
 */
export function parseCommand(
  words: readonly string[],
  find: (name: string) => CommandDef | undefined,
): { def: CommandDef; args: Args } {
  const def = find(words[0]);
  if (!def) throw new VshSyntaxError(`unknown command: '${words[0]}'`);
  if (def.raw) return { def, args: new Args(def, new Map(), words.slice(1)) };
  const isHelp = def.name === 'help';
  const values = new Map<string, string | true | string[]>();
  let positionalOnly = false;
  let helpSeen = false;

  const assign = (opt: OptDef, value: string | true) => {
    if (opt.type === 'argv') {
      const list = (values.get(opt.name) as string[] | undefined) ?? [];
      values.set(opt.name, [...list, value as string]);
    } else {
      values.set(opt.name, value);
    }
  };

  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (positionalOnly || !word.startsWith('--')) {
      const opt = def.opts.find(
        (o) => (o.positional || o.unwantedPositional) && (o.type === 'argv' || !values.has(o.name)),
      );
      if (!opt) {
        if (isHelp) continue;
        throw new VshSyntaxError(`unexpected data '${word}'`);
      }
      assign(opt, word);
      continue;
    }
    if (word === '--') {
      positionalOnly = true;
      continue;
    }
    let name = word.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (name === 'help') {
      helpSeen = true;
      continue;
    }
    const found = findOption(def, name, value);
    if (!found) {
      if (isHelp) continue;
      throw new VshSyntaxError(`command '${def.name}' doesn't support option --${name}`);
    }
    const { opt } = found;
    value = found.value;
    if (values.has(opt.name) && opt.type !== 'argv') {
      throw new VshSyntaxError(`option --${opt.name} already seen`);
    }
    if (opt.type === 'bool') {
      if (value !== undefined) throw new VshSyntaxError(`invalid '=' after option --${opt.name}`);
      assign(opt, true);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= words.length) {
        throw new VshSyntaxError(
          `expected syntax: --${opt.name} <${opt.type === 'int' ? 'number' : 'string'}>`,
        );
      }
      value = words[++i];
    }
    assign(opt, value);
  }

  if (helpSeen) {
    const help = find('help')!;
    return { def: help, args: new Args(help, new Map([['command', def.name]])) };
  }
  for (const opt of def.opts) {
    if (opt.required && !values.has(opt.name)) {
      throw new VshSyntaxError(
        opt.positional
          ? `command '${def.name}' requires <${opt.name}> option`
          : `command '${def.name}' requires --${opt.name} option`,
      );
    }
  }
  return { def, args: new Args(def, values) };
}

/** An option by name, resolving aliases ("kilobytes" is "size"; "shareable" is "mode=shareable"). */
function findOption(
  def: CommandDef,
  name: string,
  value: string | undefined,
): { opt: OptDef; value: string | undefined } | undefined {
  let opt = def.opts.find((o) => o.name === name);
  if (opt?.type === 'alias') {
    const [target, preset] = opt.help.split('=');
    if (preset !== undefined) {
      if (value !== undefined) throw new VshSyntaxError(`invalid '=' after option --${name}`);
      value = preset;
    }
    opt = def.opts.find((o) => o.name === target && o.type !== 'alias');
  }
  return opt ? { opt, value } : undefined;
}
