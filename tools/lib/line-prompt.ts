import * as readline from 'node:readline';

/**
 * The `virsh #` prompt of `npm run virsh`, with type-ahead as GNU readline
 * gives virsh: every line typed or pasted is kept and handed out in order,
 * also those that arrive while a command runs.
 *
 * Readline is open only while waiting at the prompt. A paste of several
 * lines arrives as one chunk and readline emits a line event for each, so
 * every line of the chunk is queued before the interface closes (after the
 * chunk, never inside it). While a command runs the terminal is back in
 * cooked mode and nothing reads stdin: what the user types waits in the
 * terminal's buffer (echoed by it, as with readline) and is read at the next
 * prompt; a command that takes the terminal itself (`console`) has it to
 * itself.
 */
export class LinePrompt {
  readonly #queue: string[] = [];
  #history: string[] = [];
  /** A line begun after the last complete one of a chunk: typed on at the next prompt. */
  #draft = '';
  #eof = false;

  constructor(
    readonly prompt: string,
    readonly options: {
      input: NodeJS.ReadableStream;
      output: NodeJS.WritableStream;
      completer?: readline.AsyncCompleter;
    },
  ) {}

  /** Lines read but not handed out yet. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The next line: type-ahead first, else read at the prompt; undefined at end of input (Ctrl+D). */
  async next(): Promise<string | undefined> {
    if (this.#queue.length === 0 && !this.#eof) await this.#read();
    return this.#queue.shift();
  }

  /** Opens readline until at least one line (or the end of input) came, then closes it after the chunk. */
  #read(): Promise<void> {
    return new Promise((resolve) => {
      const rl = readline.createInterface({
        input: this.options.input,
        output: this.options.output,
        terminal: true,
        history: this.#history,
        historySize: 500,
        completer: this.options.completer,
      });
      let got = false;
      rl.on('line', (line) => {
        this.#queue.push(line);
        if (got) return;
        got = true;
        // The rest of this chunk's lines are emitted synchronously after this one.
        setImmediate(() => rl.close());
      });
      rl.on('SIGINT', () => {
        this.options.output.write('^C\n');
        rl.write(null, { ctrl: true, name: 'u' });
        rl.prompt();
      });
      rl.on('close', () => {
        this.#history = (rl as unknown as { history: string[] }).history;
        this.#draft = got ? rl.line : '';
        if (!got) this.#eof = true;
        resolve();
      });
      rl.setPrompt(this.prompt);
      rl.prompt();
      if (this.#draft) rl.write(this.#draft);
      this.#draft = '';
    });
  }
}
