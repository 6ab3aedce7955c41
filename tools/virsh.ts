/**
 * `npm run virsh -- [options] [COMMAND [ARGS...]]`: virsh over the same
 * host the page uses, started in this process (libvirtd's place) for the
 * whole session. With a command, runs it and exits with its status; with a
 * terminal on stdin, the interactive `virsh #` shell (history, tab
 * completion); otherwise runs stdin's lines as a script.
 */
import * as readline from 'node:readline';
import { startControl, type ControlClient } from './lib/control-client';
import { LinePrompt } from './lib/line-prompt';
import { terminalIo } from './lib/terminal-io';
import { Virsh } from '../src/manage/virsh/virsh';
import { VIRTLAB_VERSION } from '../src/manage/virsh/commands-host';

const URI = 'virtlab:///system';

const USAGE = `
virsh [options]... [<command_string>]
virsh [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI (only ${URI})
    -h | --help             this help
    -q | --quiet            quiet mode
    -v | --version          program version
    --pcpus N               pCPU worker threads of the host (ours; default: cores - 1)
    --ram MiB               host RAM for guests (ours; default 1024)

  commands (non interactive mode):

  (run 'help' for the list of commands)

  A script on stdin (not a terminal) runs line by line; its status is 1
  if any command failed (ours: virsh's shell would exit 0).
`;

interface Options {
  quiet: boolean;
  pcpus?: number;
  ramMiB?: number;
  argv: string[];
}

/** virsh's options come before the command (getopt stops at the first word). */
function parseOptions(argv: string[]): Options | number {
  const options: Options = { quiet: false, argv: [] };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const [flag, inline] = word.startsWith('--') ? word.split(/=(.*)/s, 2) : [word, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`option '${flag}' requires an argument`);
      return v;
    };
    if (!word.startsWith('-') || word === '-') {
      options.argv = argv.slice(i);
      break;
    }
    if (flag === '-h' || flag === '--help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flag === '-v' || flag === '--version') {
      process.stdout.write(`${VIRTLAB_VERSION}\n`);
      return 0;
    }
    if (flag === '-q' || flag === '--quiet') options.quiet = true;
    else if (flag === '-c' || flag === '--connect') {
      const uri = value();
      if (uri !== URI) {
        process.stderr.write(
          `error: failed to connect to the hypervisor\nerror: no connection driver available for ${uri}\n`,
        );
        return 1;
      }
    } else if (flag === '--pcpus') options.pcpus = Number(value());
    else if (flag === '--ram') options.ramMiB = Number(value());
    else {
      process.stderr.write(`error: unsupported option '${word}'. See --help.\n`);
      return 1;
    }
  }
  return options;
}

async function main(): Promise<number> {
  // npm runs scripts in the package root; paths given by the user are relative to where they ran it.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  let options: Options | number;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  if (typeof options === 'number') return options;
  let client: ControlClient;
  try {
    client = await startControl({ pcpus: options.pcpus, ramMiB: options.ramMiB });
  } catch (error) {
    process.stderr.write(
      `error: failed to connect to the hypervisor\nerror: ${(error as Error).message}\n`,
    );
    return 1;
  }
  try {
    const virsh = new Virsh(client.api, terminalIo(client), {
      subscribe: client.on,
      quiet: options.quiet,
      uri: URI,
    });
    if (options.argv.length) return await virsh.runArgv(options.argv);
    if (process.stdin.isTTY) return await interactive(virsh, options.quiet);
    return await script(virsh);
  } finally {
    await client.close();
  }
}

/** stdin's lines, one after the other, as the shell would run them. */
async function script(virsh: Virsh): Promise<number> {
  const lines = readline.createInterface({ input: process.stdin, terminal: false });
  let status = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if ((await virsh.run(line)) !== 0) status = 1;
    if (virsh.done) break;
  }
  lines.close();
  return status;
}

/**
 * The `virsh #` prompt: history, completion, and type-ahead (lines typed or
 * pasted while a command runs are kept and run in order; line-prompt.ts).
 */
async function interactive(virsh: Virsh, quiet: boolean): Promise<number> {
  if (!quiet) {
    process.stdout.write(
      'Welcome to virsh, the virtualization interactive terminal.\n\n' +
        "Type:  'help' for help with commands\n       'quit' to quit\n\n",
    );
  }
  const prompt = new LinePrompt('virsh # ', {
    input: process.stdin,
    output: process.stdout,
    completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
      const word = line.match(/(?:[^\s;"']|"[^"]*"?|'[^']*'?)*$/)?.[0] ?? '';
      virsh.complete(line).then(
        (hits) => callback(null, [hits, word]),
        () => callback(null, [[], word]),
      );
    },
  });
  let status = 0;
  for (;;) {
    const line = await prompt.next();
    if (line === undefined) {
      process.stdout.write('\n');
      break;
    }
    if (line.trim() === '') continue;
    status = await virsh.run(line);
    if (virsh.done) break;
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
