import { describe, expect, it } from 'vitest';
import { LineEditor } from './line-editor';

function editor(words: string[] = []) {
  const runs: string[] = [];
  const out: string[] = [];
  const ed = new LineEditor(
    {
      write: (t) => out.push(t),
      run: async (line) => {
        runs.push(line);
      },
      complete: async (before) => {
        const word = /\S*$/.exec(before)![0];
        return words.filter((w) => w.startsWith(word));
      },
    },
    'virsh # ',
  );
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { ed, runs, out, settle };
}

describe('LineEditor', () => {
  it('edits with cursor keys and runs the line on Enter', async () => {
    const { ed, runs, settle } = editor();
    ed.input('lst');
    ed.input('\x1b[D\x1b[D'); // left twice: between l and s
    ed.input('i');
    ed.input('\x05 --all'); // ^E, then more text
    ed.input('\x7f\x7f\x7fall\r');
    await settle();
    expect(runs).toEqual(['list --all']);
    expect(ed.line).toBe('');
  });

  it('keeps history and browses it with Up and Down, restoring the draft', async () => {
    const { ed, settle } = editor();
    ed.input('list\rdominfo vm1\r');
    await settle();
    ed.input('dom');
    ed.input('\x1b[A');
    expect(ed.line).toBe('dominfo vm1');
    ed.input('\x1b[A');
    expect(ed.line).toBe('list');
    ed.input('\x1b[A'); // no older entry
    expect(ed.line).toBe('list');
    ed.input('\x1b[B\x1b[B');
    expect(ed.line).toBe('dom');
    expect(ed.history).toEqual(['list', 'dominfo vm1']);
  });

  it('completes a unique word with a space, a common prefix, then lists on a second Tab', async () => {
    const { ed, out, settle } = editor(['dominfo', 'domstate', 'dommemstat', 'list']);
    ed.input('li\t');
    await settle();
    expect(ed.line).toBe('list ');
    ed.input('\x15domi\t');
    await settle();
    expect(ed.line).toBe('dominfo ');
    ed.input('\x15do\t');
    await settle();
    expect(ed.line).toBe('dom');
    ed.input('\t');
    await settle();
    ed.input('\t');
    await settle();
    expect(out.join('')).toContain('dominfo  domstate  dommemstat');
    expect(ed.line).toBe('dom');
  });

  it('holds keys typed while a command runs and handles them afterwards', async () => {
    let release: () => void = () => {};
    const runs: string[] = [];
    const ed = new LineEditor(
      {
        write: () => {},
        run: (line) => {
          runs.push(line);
          return new Promise<void>((r) => (release = r));
        },
        complete: async () => [],
      },
      '> ',
    );
    ed.input('start vm1\r');
    ed.input('list\r');
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toEqual(['start vm1']);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toEqual(['start vm1', 'list']);
  });

  it('^W deletes the word before the cursor, ^K the rest of the line, ^C drops it', () => {
    const { ed } = editor();
    ed.input('dominfo vm1');
    ed.input('\x17');
    expect(ed.line).toBe('dominfo ');
    ed.input('vm2\x01\x06\x06\x0b');
    expect(ed.line).toBe('do');
    ed.input('\x03');
    expect(ed.line).toBe('');
  });
});
