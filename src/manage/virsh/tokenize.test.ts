import { describe, expect, it } from 'vitest';
import { tokenize, tokenizePartial } from './tokenize';

describe('tokenize (vsh command strings)', () => {
  it.each([
    ['list --all', [['list', '--all']]],
    ['  list\t--all  ', [['list', '--all']]],
    [
      'start vm1; list --all',
      [
        ['start', 'vm1'],
        ['list', '--all'],
      ],
    ],
    ['start vm1;;list', [['start', 'vm1'], ['list']]],
    ['start vm1\nlist', [['start', 'vm1'], ['list']]],
    [`exec vm1 "uname -a"`, [['exec', 'vm1', 'uname -a']]],
    [`exec vm1 'echo "$HOME"; ls'`, [['exec', 'vm1', 'echo "$HOME"; ls']]],
    ['exec vm1 a\\ b\\;c', [['exec', 'vm1', 'a b;c']]],
    [`echo "a\\"b"`, [['echo', 'a"b']]],
    [`echo 'a\\b'`, [['echo', 'a\\b']]],
    [`echo pre"mid dle"post`, [['echo', 'premid dlepost']]],
    ['setmem vm1 --size=64M', [['setmem', 'vm1', '--size=64M']]],
    ['list --all # a comment; not a command', [['list', '--all']]],
    ['# only a comment', []],
    ['list \\\n--all', [['list', '--all']]],
    ["echo ''", [['echo', '']]],
    ['', []],
  ])('%j', (line, commands) => {
    expect(tokenize(line)).toEqual({ commands });
  });

  it('reports a dangling backslash and an unclosed double quote as vsh does', () => {
    expect(tokenize('list \\').error).toBe('dangling \\');
    expect(tokenize('exec vm "uname').error).toBe('missing "');
  });

  it('accepts an unclosed single quote, as vsh does', () => {
    expect(tokenize("echo 'abc")).toEqual({ commands: [['echo', 'abc']] });
  });
});

describe('tokenizePartial (completion)', () => {
  it.each([
    ['', [], ''],
    ['li', [], 'li'],
    ['list ', ['list'], ''],
    ['list --a', ['list'], '--a'],
    ['start vm1; domi', [], 'domi'],
    ['dominfo "my v', ['dominfo'], 'my v'],
  ])('%j', (line, words, current) => {
    expect(tokenizePartial(line)).toEqual({ words, current });
  });
});
