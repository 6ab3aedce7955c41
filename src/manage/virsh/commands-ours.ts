import { domainOpt, type CommandDef } from './command';
import { VshError, notRunning } from './errors';
import { GuestExecError, guestExec } from './guest-exec';
import { virtInstall } from './virt-install';

/**
 * VirtLab's own commands in the virsh shell (help group 'virtlab'): they
 * are not libvirt's and say so in `help`.
 */

const exec: CommandDef = {
  name: 'exec',
  group: 'virtlab',
  help: "run a command in the guest's shell over its serial console (ours)",
  desc:
    "Types the command line into the domain's serial console, waits for the\n" +
    '    shell prompt, and prints what the command wrote. Not a libvirt command:\n' +
    '    it needs the guest shell at its prompt, and reports no exit status.',
  opts: [
    domainOpt('domain name, id or uuid', 'domain-active'),
    {
      name: 'command',
      type: 'argv',
      positional: true,
      required: true,
      help: 'the command line to type (one quoted word, or several words)',
    },
    { name: 'timeout', type: 'int', help: 'seconds to wait for the prompt (default 60)' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    const seconds = args.uint('timeout') ?? 60;
    if (seconds === 0) {
      throw new VshError(`Numeric value '0' for <timeout> option is malformed or out of range`);
    }
    if (d.state === 'paused') {
      throw new VshError('Requested operation is not valid: domain is paused');
    }
    if (d.state !== 'running') throw notRunning();
    try {
      const output = await guestExec(
        {
          consoleWrite: (name, data) => sh.api.consoleWrite(name, data),
          subscribe: (listener, name) => sh.subscribe(listener, name),
          unsubscribe: (id) => sh.api.unsubscribe(id),
        },
        d.name,
        args.argv('command').join(' '),
        seconds * 1000,
      );
      sh.print(output);
    } catch (error) {
      if (error instanceof GuestExecError) throw new VshError(error.message);
      throw error;
    }
  },
};

const virtInstallCommand: CommandDef = {
  name: 'virt-install',
  group: 'virtlab',
  help: 'create and start a domain, as virt-install does (ours, a subset)',
  desc:
    'virt-install (virt-manager), inside this shell: --name, --memory, --vcpus,\n' +
    '    --boot kernel=...,cmdline=..., --memballoon, --noautoconsole, --transient,\n' +
    '    --noreboot, --dry-run and --print-xml. Run it with --help for the details.',
  opts: [],
  raw: true,
  async run(sh, args) {
    const code = await virtInstall(sh, [...args.words]);
    if (code !== 0) throw new VshError();
  },
};

export const OUR_COMMANDS: CommandDef[] = [exec, virtInstallCommand];
