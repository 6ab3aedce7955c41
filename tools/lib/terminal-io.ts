import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as readline from 'node:readline';
import { XML_MAX_BYTES } from '../../src/manage/xml/xml-parser';
import { resolve } from 'node:path';
import type { VirshIo } from '../../src/manage/virsh/virsh';
import type { ControlClient } from './control-client';
import { openSocketMigration } from './migration-socket';

/**
 * The shell that runs the user's own editor for virsh edit (vshEditFile runs
 * $EDITOR through it, so an editor with arguments works): the user's
 * program, not one the project needs (tools/programs.json).
 */
const USER_EDITOR_SHELL = '/bin/sh';

/** Ctrl+]: virsh console's escape character. */
const ESCAPE = 0x1d;

/** strerror's words for the errors a file read meets. */
const REASONS: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
};

/**
 * The terminal side of virsh and virt-install in Node: stdout and stderr,
 * files relative to the working directory, and (when stdin is a terminal)
 * the serial console in raw mode until Ctrl+] or the domain stops.
 */
/** Largest file readBinary accepts: 1 GiB of RAM at worst (incompressible) plus its header. */
const SAVE_MAX_BYTES = (1 << 30) + (16 << 20);

export function terminalIo(client: ControlClient): VirshIo {
  const io: VirshIo = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    async readFile(path) {
      try {
        // Only regular files of at most 10 MiB (virsh's VSH_MAX_XML_FILE), checked before reading.
        const st = await stat(resolve(process.cwd(), path));
        if (!st.isFile()) return Promise.reject(new Error('not a regular file'));
        if (st.size > XML_MAX_BYTES)
          return Promise.reject(
            new Error(`file of ${st.size} bytes is larger than the 10 MiB limit`),
          );
        return await readFile(resolve(process.cwd(), path), 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        throw new Error(REASONS[code] ?? (error as Error).message);
      }
    },
    openMigration: (uri, role) => openSocketMigration(uri, role),
    async readBinary(path) {
      try {
        // A save image holds at most 1 GiB of guest RAM, compressed.
        const st = await stat(resolve(process.cwd(), path));
        if (!st.isFile()) return Promise.reject(new Error('not a regular file'));
        if (st.size > SAVE_MAX_BYTES)
          return Promise.reject(
            new Error(`file of ${st.size} bytes is larger than a save image can be`),
          );
        return new Uint8Array(await readFile(resolve(process.cwd(), path)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        throw new Error(REASONS[code] ?? (error as Error).message);
      }
    },
    async writeBinary(path, bytes) {
      try {
        // Written whole to a temporary name, then renamed: a failed save leaves no half file.
        const target = resolve(process.cwd(), path);
        const partial = `${target}.part-${process.pid}`;
        await writeFile(partial, bytes);
        await rename(partial, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        throw new Error(REASONS[code] ?? (error as Error).message);
      }
    },
  };
  if (process.stdin.isTTY) {
    io.attachConsole = (domain) => attachConsole(client, domain);
    io.editText = async (text, suffix) => editText(text, suffix);
    io.ask = (question) => ask(question);
  }
  return io;
}

/**
 * virsh's vshEditFile: the text in a temporary file, the user's editor on
 * it ($VISUAL, else $EDITOR, else vi; run by the shell, so an editor with
 * arguments works), then the file as saved.
 */
function editText(text: string, suffix: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'virsh'));
  const file = join(dir, `virsh${suffix}`);
  try {
    writeFileSync(file, text);
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    const result = spawnSync(USER_EDITOR_SHELL, ['-c', `${editor} "$1"`, 'sh', file], {
      stdio: 'inherit',
    });
    if (result.error || result.status !== 0)
      throw new Error(
        `Failed to run '${editor} ${file}': ${result.error?.message ?? `exit status ${result.status}`}`,
      );
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One answer typed on the terminal (nothing else reads it while a command runs). */
function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.on('close', () => {
      if (!answered) resolve('n');
    });
  });
}

async function attachConsole(client: ControlClient, domain: string): Promise<void> {
  const stdin = process.stdin;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const id = await client.on((event) => {
    if (event.kind === 'console') process.stdout.write(event.bytes);
    else if (event.kind === 'lifecycle' && event.state !== 'running' && event.state !== 'paused')
      finish();
  }, domain);
  const onData = (chunk: Buffer) => {
    const escape = chunk.indexOf(ESCAPE);
    const bytes = escape >= 0 ? chunk.subarray(0, escape) : chunk;
    if (bytes.length) {
      client.api.consoleWrite(domain, Uint8Array.from(bytes)).catch(() => finish());
    }
    if (escape >= 0) finish();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  try {
    await done;
  } finally {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
    await client.api.unsubscribe(id).catch(() => {});
  }
}
