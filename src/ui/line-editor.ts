/**
 * A readline-like line editor over a terminal's input (xterm.js onData):
 * insert, delete, cursor keys, Home/End and their Emacs keys (^A ^E ^B ^F),
 * kill (^K ^U ^W), history (Up/Down), Tab completion through an async
 * completer, ^C to drop the line, ^L to clear. Lines are run one at a time;
 * keys typed while a line or a completion runs are handled afterwards.
 * DOM-free, so it is tested without a terminal.
 */
export interface LineEditorHost {
  /** Writes to the terminal (escape sequences allowed; "\r\n" for new lines). */
  write(text: string): void;
  /** Runs a line; the editor prints the prompt again when it settles. */
  run(line: string): Promise<void>;
  /** Words that could replace the word ending at the end of `line`. */
  complete(line: string): Promise<string[]>;
}

const HISTORY_MAX = 500;

export class LineEditor {
  line = '';
  cursor = 0;
  readonly history: string[] = [];
  #index = 0;
  /** The line being typed while the user browses history. */
  #draft = '';
  #busy = false;
  #pending = '';
  /** The last Tab listed nothing new: the next one lists the candidates. */
  #tabAgain = false;

  constructor(
    readonly host: LineEditorHost,
    readonly prompt: string,
  ) {}

  /** Prints the prompt (and the line so far). */
  showPrompt(): void {
    this.host.write(this.prompt + this.line);
    this.#moveBack(this.line.length - this.cursor);
  }

  /** Terminal input: keys, escape sequences or pasted text. */
  input(data: string): void {
    this.#pending += data;
    if (!this.#busy) void this.#drain();
  }

  get busy(): boolean {
    return this.#busy;
  }

  async #drain(): Promise<void> {
    while (this.#pending && !this.#busy) {
      const data = this.#pending;
      const used = this.#step(data);
      this.#pending = this.#pending.slice(used.consumed);
      if (used.action) {
        this.#busy = true;
        try {
          await used.action();
        } finally {
          this.#busy = false;
        }
      }
    }
  }

  /** Handles the first key of `data`; returns how many characters it took and any async work. */
  #step(data: string): { consumed: number; action?: () => Promise<void> } {
    const c = data[0];
    if (c !== '\t') this.#tabAgain = false;
    if (c === '\x1b') return { consumed: this.#escape(data) };
    switch (c) {
      case '\r':
      case '\n':
        return { consumed: data.startsWith('\r\n') ? 2 : 1, action: () => this.#enter() };
      case '\t':
        return { consumed: 1, action: () => this.#complete() };
      case '\x7f':
      case '\b':
        if (this.cursor > 0)
          this.#edit(
            this.line.slice(0, this.cursor - 1) + this.line.slice(this.cursor),
            this.cursor - 1,
          );
        return { consumed: 1 };
      case '\x01':
        this.#moveTo(0);
        return { consumed: 1 };
      case '\x05':
        this.#moveTo(this.line.length);
        return { consumed: 1 };
      case '\x02':
        this.#moveTo(this.cursor - 1);
        return { consumed: 1 };
      case '\x06':
        this.#moveTo(this.cursor + 1);
        return { consumed: 1 };
      case '\x04':
        if (this.cursor < this.line.length) this.#delete();
        return { consumed: 1 };
      case '\x0b':
        this.#edit(this.line.slice(0, this.cursor), this.cursor);
        return { consumed: 1 };
      case '\x15':
        this.#edit(this.line.slice(this.cursor), 0);
        return { consumed: 1 };
      case '\x17': {
        const before = this.line.slice(0, this.cursor).replace(/\S*\s*$/, '');
        this.#edit(before + this.line.slice(this.cursor), before.length);
        return { consumed: 1 };
      }
      case '\x03':
        this.host.write('^C\r\n');
        this.line = '';
        this.cursor = 0;
        this.#index = this.history.length;
        this.showPrompt();
        return { consumed: 1 };
      case '\x0c':
        this.host.write('\x1b[2J\x1b[H');
        this.showPrompt();
        return { consumed: 1 };
    }
    // Printable text up to the next control character, inserted at once (a paste).
    let end = 0;
    while (end < data.length && data.charCodeAt(end) >= 0x20 && data[end] !== '\x7f') end++;
    if (end === 0) return { consumed: 1 }; // another control key: ignored
    const text = data.slice(0, end);
    this.#edit(
      this.line.slice(0, this.cursor) + text + this.line.slice(this.cursor),
      this.cursor + text.length,
    );
    return { consumed: end };
  }

  /** An escape sequence (CSI or SS3); returns its length. */
  #escape(data: string): number {
    const m = /^\x1b(?:\[([0-9;]*)([A-Za-z~])|O([A-Za-z]))/.exec(data);
    if (!m) return 1;
    const key = m[3] ?? (m[2] === '~' ? `${m[1]}~` : m[2]);
    switch (key) {
      case 'A':
        this.#browse(-1);
        break;
      case 'B':
        this.#browse(1);
        break;
      case 'C':
        this.#moveTo(this.cursor + 1);
        break;
      case 'D':
        this.#moveTo(this.cursor - 1);
        break;
      case 'H':
      case '1~':
      case '7~':
        this.#moveTo(0);
        break;
      case 'F':
      case '4~':
      case '8~':
        this.#moveTo(this.line.length);
        break;
      case '3~':
        if (this.cursor < this.line.length) this.#delete();
        break;
    }
    return m[0].length;
  }

  async #enter(): Promise<void> {
    const line = this.line;
    this.host.write('\r\n');
    this.line = '';
    this.cursor = 0;
    if (line.trim() && this.history.at(-1) !== line) {
      this.history.push(line);
      if (this.history.length > HISTORY_MAX) this.history.shift();
    }
    this.#index = this.history.length;
    this.#draft = '';
    if (line.trim()) await this.host.run(line);
    this.showPrompt();
  }

  async #complete(): Promise<void> {
    const before = this.line.slice(0, this.cursor);
    const word = /\S*$/.exec(before)![0];
    let words: string[];
    try {
      words = await this.host.complete(before);
    } catch {
      words = [];
    }
    if (words.length === 0) {
      this.host.write('\x07');
      return;
    }
    if (words.length === 1) {
      const rest = words[0].slice(word.length);
      this.#insert(rest + (words[0].endsWith('=') ? '' : ' '));
      return;
    }
    const common = commonPrefix(words);
    if (common.length > word.length) {
      this.#insert(common.slice(word.length));
      return;
    }
    if (!this.#tabAgain) {
      this.#tabAgain = true;
      this.host.write('\x07');
      return;
    }
    this.#tabAgain = false;
    this.host.write('\r\n' + words.join('  ') + '\r\n');
    this.showPrompt();
  }

  #browse(step: -1 | 1): void {
    const next = this.#index + step;
    if (next < 0 || next > this.history.length) return;
    if (this.#index === this.history.length) this.#draft = this.line;
    this.#index = next;
    const line = next === this.history.length ? this.#draft : this.history[next];
    this.#edit(line, line.length);
  }

  #insert(text: string): void {
    this.#edit(
      this.line.slice(0, this.cursor) + text + this.line.slice(this.cursor),
      this.cursor + text.length,
    );
  }

  #delete(): void {
    this.#edit(this.line.slice(0, this.cursor) + this.line.slice(this.cursor + 1), this.cursor);
  }

  /** Replaces the line and redraws it (one row: the prompt, the line, the cursor). */
  #edit(line: string, cursor: number): void {
    this.line = line;
    this.cursor = Math.max(0, Math.min(cursor, line.length));
    this.host.write('\r\x1b[K');
    this.showPrompt();
  }

  #moveTo(cursor: number): void {
    const to = Math.max(0, Math.min(cursor, this.line.length));
    if (to < this.cursor) this.#moveBack(this.cursor - to);
    else if (to > this.cursor) this.host.write(`\x1b[${to - this.cursor}C`);
    this.cursor = to;
  }

  #moveBack(n: number): void {
    if (n > 0) this.host.write(`\x1b[${n}D`);
  }
}

function commonPrefix(words: string[]): string {
  let prefix = words[0];
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
