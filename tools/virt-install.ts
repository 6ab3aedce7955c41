/**
 * `npm run virt-install -- [options]`: virt-install's subset
 * (src/manage/virsh/virt-install.ts) on a host started in this process.
 * The host lives as long as the process: the domain stops when it exits,
 * which is after the console is left (Ctrl+]) or, with --noautoconsole, at
 * once. To keep a domain, run `virt-install` inside `npm run virsh`.
 */
import { startControl, type ControlClient } from './lib/control-client';
import { terminalIo } from './lib/terminal-io';
import { Virsh } from '../src/manage/virsh/virsh';

async function main(): Promise<number> {
  // npm runs scripts in the package root; paths given by the user are relative to where they ran it.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  let client: ControlClient;
  try {
    client = await startControl({});
  } catch (error) {
    process.stderr.write(`ERROR    ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const virsh = new Virsh(client.api, terminalIo(client), {
      subscribe: client.on,
      uri: 'virtlab:///system',
    });
    const argv = process.argv.slice(2);
    const code = await virsh.virtInstall(argv);
    const running = (await client.api.list()).some((d) => d.state === 'running');
    if (code === 0 && running && !argv.includes('--help') && !argv.includes('-h')) {
      process.stderr.write(
        'virt-install: this process is the host; the domain stops as it exits ' +
          '(run virt-install inside `npm run virsh` to keep it)\n',
      );
    }
    return code;
  } finally {
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
