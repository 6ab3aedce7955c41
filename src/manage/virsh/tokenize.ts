/**
 * vsh's command-string tokenizer (libvirt tools/vsh.c, vshCommandStringGetArg):
 * blanks separate words; `;` and newlines separate commands; a word starting
 * with `#` comments out the rest of the line; single quotes take everything
 * literally; a backslash escapes the next character outside single quotes (a
 * backslash-newline pair is dropped); double quotes group. A dangling
 * backslash and an unclosed double quote are errors (an unclosed single
 * quote is not, as in vsh).
 */

export interface Tokenized {
  /** The words of each command, in order; empty commands are dropped. */
  commands: string[][];
  /** vsh's error message ("dangling \\", "missing \""), when the line is malformed. */
  error?: string;
}

export function tokenize(line: string): Tokenized {
  const commands: string[][] = [];
  let words: string[] = [];
  const endCommand = () => {
    if (words.length) commands.push(words);
    words = [];
  };
  let p = 0;
  for (;;) {
    while (line[p] === ' ' || line[p] === '\t' || (line[p] === '\\' && line[p + 1] === '\n')) {
      p += line[p] === '\\' ? 2 : 1;
    }
    if (p >= line.length) break;
    if (line[p] === ';' || line[p] === '\n') {
      endCommand();
      p++;
      continue;
    }
    if (line[p] === '#') {
      while (p < line.length && line[p] !== '\n') p++;
      endCommand();
      p++;
      continue;
    }
    const word = readWord(line, p);
    if (word.error) return { commands, error: word.error };
    words.push(word.text);
    p = word.end;
  }
  endCommand();
  return { commands };
}

/** One word from `start`, unquoted; `error` if it ends inside double quotes or on a backslash. */
function readWord(line: string, start: number): { text: string; end: number; error?: string } {
  let single = false;
  let double = false;
  let text = '';
  let p = start;
  while (p < line.length) {
    const c = line[p];
    if (!single && !double && (c === ' ' || c === '\t' || c === ';' || c === '\n')) break;
    if (!double && c === "'") {
      single = !single;
      p++;
      continue;
    }
    if (!single && c === '\\') {
      p++;
      if (p >= line.length) return { text, end: p, error: 'dangling \\' };
      if (line[p] === '\n') {
        p++;
        continue;
      }
    } else if (!single && c === '"') {
      double = !double;
      p++;
      continue;
    }
    text += line[p++];
  }
  if (double) return { text, end: p, error: 'missing "' };
  return { text, end: p };
}

/**
 * The command being typed at the end of `line`, for completion: its words
 * before the cursor word, and the (unquoted) partial word under the cursor
 * ('' after a blank). Lenient: unclosed quotes are fine here.
 */
export function tokenizePartial(line: string): { words: string[]; current: string } {
  let words: string[] = [];
  let p = 0;
  let endsInWord = false;
  while (p < line.length) {
    const c = line[p];
    if (c === ' ' || c === '\t') {
      endsInWord = false;
      p++;
    } else if (c === ';' || c === '\n') {
      words = [];
      endsInWord = false;
      p++;
    } else {
      const word = readWord(line, p);
      words.push(word.text);
      endsInWord = true;
      p = word.end;
      if (word.error) break;
    }
  }
  const current = endsInWord ? words.pop()! : '';
  return { words, current };
}
