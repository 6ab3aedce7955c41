import { describe, expect, it } from 'vitest';
import { VshError, VshSyntaxError } from './errors';
import { parseCommand } from './parse';
import { COMMANDS } from './virsh';

const find = (name: string) => COMMANDS.find((c) => c.name === name);
const parse = (...words: string[]) => {
  const { def, args } = parseCommand(words, find);
  return { name: def.name, values: Object.fromEntries(args.values) };
};
const syntaxError = (...words: string[]) => {
  try {
    parseCommand(words, find);
  } catch (error) {
    expect(error).toBeInstanceOf(VshSyntaxError);
    return (error as Error).message;
  }
  throw new Error('parsed');
};

describe('parseCommand (vsh option parsing)', () => {
  it('fills positional options in declaration order', () => {
    expect(parse('setmem', 'vm1', '64M', '--live')).toEqual({
      name: 'setmem',
      values: { domain: 'vm1', size: '64M', live: true },
    });
  });

  it('takes --opt value and --opt=value, in any order with positionals', () => {
    expect(parse('setmem', '--size', '1G', 'vm1')).toEqual({
      name: 'setmem',
      values: { size: '1G', domain: 'vm1' },
    });
    expect(parse('setmem', '--domain=vm1', '--size=', '--config').values).toEqual({
      domain: 'vm1',
      size: '',
      config: true,
    });
  });

  it('resolves aliases (setmem --kilobytes is --size)', () => {
    expect(parse('setmem', 'vm1', '--kilobytes', '4096').values).toEqual({
      domain: 'vm1',
      size: '4096',
    });
  });

  it('accepts unwanted positionals (vcpupin VCPU CPULIST) and repeated argv options', () => {
    expect(parse('vcpupin', 'vm1', '1', '0-2').values).toEqual({
      domain: 'vm1',
      vcpu: '1',
      cpulist: '0-2',
    });
    expect(parse('schedinfo', 'vm1', '--set', 'cpu_shares=2', 'vcpu_quota=-1').values).toEqual({
      domain: 'vm1',
      set: ['cpu_shares=2', 'vcpu_quota=-1'],
    });
  });

  it('makes every word after -- positional', () => {
    expect(parse('exec', 'vm1', '--', '--version').values).toEqual({
      domain: 'vm1',
      command: ['--version'],
    });
  });

  it('turns --help into help for the command', () => {
    expect(parse('dominfo', '--help')).toEqual({ name: 'help', values: { command: 'dominfo' } });
  });

  it('lets help ignore what it does not know', () => {
    expect(parse('help', 'list', 'extra', '--nosuch')).toEqual({
      name: 'help',
      values: { command: 'list' },
    });
  });

  it.each([
    [['nosuch'], "unknown command: 'nosuch'"],
    [['list', '--bogus'], "command 'list' doesn't support option --bogus"],
    [['list', '--all', '--all'], 'option --all already seen'],
    [['list', '--all=yes'], "invalid '=' after option --all"],
    [['dominfo'], "command 'dominfo' requires <domain> option"],
    [['dominfo', 'a', 'b'], "unexpected data 'b'"],
    [['setmem', 'vm1'], "command 'setmem' requires <size> option"],
    [['setmem', 'vm1', '--size'], 'expected syntax: --size <number>'],
    [['shutdown', 'vm1', '--mode'], 'expected syntax: --mode <string>'],
  ])('%j fails: %s', (words, message) => {
    expect(syntaxError(...words)).toBe(message);
  });

  it('reads options with vsh conversions and messages', () => {
    const { args } = parseCommand(['setvcpus', 'vm1', 'two'], find);
    expect(() => args.uint('count')).toThrow(
      new VshError("Numeric value 'two' for <count> option is malformed or out of range"),
    );
    const empty = parseCommand(['shutdown', 'vm1', '--mode='], find).args;
    expect(() => empty.string('mode')).toThrow(
      new VshError("Failed to get option 'mode': Option argument is empty"),
    );
  });
});
