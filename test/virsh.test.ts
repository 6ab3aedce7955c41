import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Virsh } from '../src/manage/virsh/virsh';
import { CaptureIo } from '../src/manage/virsh/fake-api';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import { ROOT } from '../tools/lib/images';
import { TEST_BOOTARGS } from './helpers/hypervisor';

/** virsh against the real control API: a host in worker threads, real rv32 Linux guests. */

const xml = (name: string, extra = '') => `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
    <cmdline>${TEST_BOOTARGS}</cmdline>
  </os>${extra}
</domain>
`;

const UNAME = /Linux virtlab 6\.12\.\d+ #1 SMP .* riscv32 Linux\n/;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'virsh-'));
  writeFileSync(join(dir, 'vm1.xml'), xml('vm1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run virsh` from the temp dir (npm runs scripts in the package root; virsh goes back). */
const npmVirsh = (args: string[], input?: string) =>
  spawnSync('npm', ['--prefix', ROOT, 'run', 'virsh', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('npm run virsh', () => {
  it('runs a script on stdin against one host: define, start, list, exec, destroy', () => {
    const result = npmVirsh(
      [],
      'define vm1.xml\nstart vm1\nlist --all\nexec vm1 "uname -a"\ndestroy vm1\n',
    );
    expect(result.stderr).not.toMatch(/error/);
    const out = result.stdout;
    const expected = [
      "Domain 'vm1' defined from vm1.xml\n\n",
      "Domain 'vm1' started\n\n",
      ' Id   Name   State\n----------------------\n 1    vm1    running\n\n',
    ];
    let at = 0;
    for (const part of expected) {
      const found = out.indexOf(part, at);
      expect(found, `${JSON.stringify(part)} in ${out}`).toBeGreaterThanOrEqual(at);
      at = found + part.length;
    }
    const rest = out.slice(at);
    expect(rest).toMatch(new RegExp(`^${UNAME.source}\\nDomain 'vm1' destroyed\\n\\n$`));
    expect(result.status).toBe(0);
  });

  it('`npm run virsh -- list --all` prints the empty table and exits 0', () => {
    const result = npmVirsh(['--', 'list', '--all']);
    expect(result.stdout).toContain(' Id   Name   State\n--------------------\n\n');
    expect(result.status).toBe(0);
  });

  it('exits 1 and says why for a failing command', () => {
    const result = npmVirsh(['--', 'dominfo', 'nosuch']);
    expect(result.stderr).toContain("error: failed to get domain 'nosuch'\n");
    expect(result.status).toBe(1);
  });
});

describe('virsh over the control API', () => {
  let client: ControlClient;
  let io: CaptureIo;
  let virsh: Virsh;
  const run = async (line: string) => {
    const code = await virsh.run(line);
    return { code, ...io.take() };
  };

  beforeAll(async () => {
    client = await startControl({ pcpus: 2, ramMiB: 256 });
    io = new CaptureIo({
      'web.xml': xml('web', `\n  <cputune><shares>2048</shares></cputune>`),
      'tmp.xml': xml('tmp'),
      'riscv64-virt.xml': readFileSync(
        join(ROOT, 'test/fixtures/libvirt-xml/qemuxml2argv-riscv64-virt.xml'),
        'utf8',
      ),
      'pinned.xml': xml('pinned', `\n  <cputune><vcpupin vcpu='0' cpuset='3'/></cputune>`),
    });
    virsh = new Virsh(client.api, io, { subscribe: client.on });
  }, 60_000);
  afterAll(async () => client?.close());

  it('defines, shows and tunes a shut-off domain', async () => {
    expect(await run('define web.xml')).toEqual({
      code: 0,
      stdout: "Domain 'web' defined from web.xml\n\n",
      stderr: '',
    });
    const info = await run('dominfo web');
    expect(info.stdout).toMatch(
      /^Id: {13}-\nName: {11}web\nUUID: {11}[0-9a-f-]{36}\nOS Type: {8}hvm\nState: {10}shut off\nCPU\(s\): {9}1\nMax memory: {5}32768 KiB\nUsed memory: {4}32768 KiB\nPersistent: {5}yes\nAutostart: {6}disable\nManaged save: {3}no\nHypervisor: {5}kvm \(JIT\)\n\n$/,
    );
    expect((await run('domstate web --reason')).stdout).toBe('shut off (unknown)\n\n');
    expect((await run('schedinfo web')).stdout).toBe(
      'Scheduler      : posix\ncpu_shares     : 2048\nvcpu_period    : 100000\nvcpu_quota     : -1\n\n',
    );
    expect((await run('setmem web 24M --config')).code).toBe(0);
    expect((await run('dominfo web')).stdout).toContain('Used memory:    24576 KiB\n');
    expect((await run('vcpupin web')).stdout).toBe(
      ' VCPU   CPU Affinity\n----------------------\n 0      0-1\n\n',
    );
    expect((await run('vcpupin web 0 1')).code).toBe(0);
    expect((await run('vcpupin web')).stdout).toContain(' 0      1\n');
    expect((await run('setmaxmem web 48M')).code).toBe(0);
    expect((await run('dominfo web')).stdout).toContain('Max memory:     49152 KiB\n');
    expect((await run('dumpxml web --inactive')).stdout).toContain(
      "<memory unit='KiB'>49152</memory>\n",
    );
  });

  it('starts it and reports it running; exec runs a command in the guest', async () => {
    expect(await run('start web')).toEqual({
      code: 0,
      stdout: "Domain 'web' started\n\n",
      stderr: '',
    });
    expect((await run('list')).stdout).toMatch(
      /^ Id   Name   State\n-+\n 1    web    running\n\n$/,
    );
    expect((await run('exec web "uname -a"')).stdout).toMatch(new RegExp(`^${UNAME.source}\\n$`));
    expect((await run('exec web "echo one; echo two"')).stdout).toBe('one\ntwo\n\n');
    expect((await run('vcpuinfo web')).stdout).toMatch(
      /^VCPU: {11}0\nCPU: {12}1\nState: {10}(running|blocked)\nCPU time: {7}\d+\.\ds\nCPU Affinity: {3}-y\n\n$/,
    );
    expect((await run('dumpxml web')).stdout).toMatch(/^<domain type='kvm' id='1'>\n/);
    expect((await run('start web')).stderr).toBe('error: Domain is already active\n');
    expect((await run('setmaxmem web 64M')).stderr).toBe(
      'error: Unable to change MaxMemorySize\n' +
        'error: Requested operation is not valid: cannot resize the maximum memory on an active domain\n',
    );
  });

  it('balloon and stats: setmem live, dommemstat, domstats', async () => {
    expect((await run('setmem web 40M')).code).toBe(0);
    const stats = (await run('dommemstat web')).stdout;
    expect(stats).toMatch(/^actual \d+\n/m);
    expect(stats).toMatch(/^rss \d+\n/m);
    const record = (await run('domstats --state --balloon --vcpu web')).stdout;
    expect(record).toMatch(
      /^Domain: 'web'\n  state\.state=1\n  state\.reason=1\n  balloon\.current=\d+\n  balloon\.maximum=49152\n/,
    );
    expect(record).toMatch(
      /  vcpu\.current=1\n  vcpu\.maximum=1\n  vcpu\.0\.state=[12]\n  vcpu\.0\.time=\d+\n/,
    );
  });

  it('suspends, resumes and destroys with libvirt reasons', async () => {
    expect((await run('suspend web')).stdout).toBe("Domain 'web' suspended\n\n");
    expect((await run('domstate web --reason')).stdout).toBe('paused (user)\n\n');
    expect((await run('suspend web')).stderr).toMatch(
      /^error: Failed to suspend domain 'web'\nerror: Requested operation is not valid: /,
    );
    expect((await run('resume web')).stdout).toBe("Domain 'web' resumed\n\n");
    expect((await run('domstate web --reason')).stdout).toBe('running (unpaused)\n\n');
    expect((await run('destroy web')).stdout).toBe("Domain 'web' destroyed\n\n");
    expect((await run('domstate web --reason')).stdout).toBe('shut off (destroyed)\n\n');
    expect((await run('undefine web')).stdout).toBe("Domain 'web' has been undefined\n\n");
    expect((await run('list --all --name')).stdout).toBe('\n');
  });

  it('create makes a transient domain that goes when destroyed', async () => {
    expect((await run('create tmp.xml')).stdout).toBe("Domain 'tmp' created from tmp.xml\n\n");
    expect((await run('dominfo tmp')).stdout).toContain('Persistent:     no\n');
    expect((await run('destroy tmp')).code).toBe(0);
    expect((await run('dominfo tmp')).stderr).toBe("error: failed to get domain 'tmp'\n");
  });

  it('host commands read the real host', async () => {
    expect((await run('nodeinfo')).stdout).toBe(
      'CPU model:           riscv32\nCPU(s):              2\nCPU socket(s):       1\n' +
        'Core(s) per socket:  2\nThread(s) per core:  1\nNUMA cell(s):        1\n' +
        'Memory size:         262144 KiB\n\n',
    );
    expect((await run('node-memory-tune --shm-pages-to-scan 300')).code).toBe(0);
    expect((await run('node-memory-tune')).stdout).toMatch(
      /^Shared memory:\n\tshm_pages_to_scan 300\n/,
    );
    expect((await run('nodememstats')).stdout).toMatch(/^total  : {15}262144 KiB\n/);
  });

  it("defines libvirt's 2 GiB riscv64 virt domain with warnings; start names <memory> and the limit", async () => {
    const defined = await run('define riscv64-virt.xml');
    expect(defined.code).toBe(0);
    expect(defined.stdout).toBe("Domain 'riscv64' defined from riscv64-virt.xml\n\n");
    expect(defined.stderr).toContain("warning: <os>/<type> arch 'riscv64' is not emulated");
    expect(defined.stderr).toContain("warning: element <devices>/<disk> (disk 'vda')");
    expect((await run('dumpxml riscv64')).stdout).toContain(
      "<domain type='qemu'>\n  <name>riscv64</name>",
    );
    expect(await run('start riscv64')).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        "error: Failed to start domain 'riscv64'\n" +
        "error: unsupported configuration: <memory> of 2097152 KiB is more than this machine's limit of 1048576 KiB (1024 MiB of guest RAM on the riscv32 'virt' board): lower it with 'virsh setmaxmem riscv64 1024M --config'\n",
    });
    expect((await run('undefine riscv64')).code).toBe(0);
  });

  it('pinning to a pCPU the host lacks defines, is refused at start, and starts once re-pinned', async () => {
    expect((await run('define pinned.xml')).code).toBe(0);
    expect((await run('dumpxml pinned --inactive')).stdout).toContain(
      "<vcpupin vcpu='0' cpuset='3'/>",
    );
    expect((await run('start pinned')).stderr).toBe(
      "error: Failed to start domain 'pinned'\n" +
        "error: unsupported configuration: <cputune>/<vcpupin vcpu='0' cpuset='3'> names pCPU 3, but this host has 2 pCPU(s) (0-1): change it with 'virsh vcpupin pinned 0 CPULIST --config'\n",
    );
    expect((await run('vcpupin pinned 0 1 --config')).code).toBe(0);
    expect((await run('start pinned')).code).toBe(0);
    expect((await run('vcpupin pinned')).stdout).toContain(' 0      1\n');
    expect((await run('destroy pinned; undefine pinned')).code).toBe(0);
  });

  it('virt-install creates and starts a domain (ours, in the shell)', async () => {
    expect(
      await run('virt-install --name vi --memory 32 --boot cmdline=console=ttyS0 --noautoconsole'),
    ).toEqual({
      code: 0,
      stdout: '\nStarting install...\nCreating domain...\nDomain creation completed.\n\n',
      stderr: '',
    });
    expect((await run('exec vi "uname -a"')).stdout).toMatch(UNAME);
    expect((await run('destroy vi; undefine vi')).code).toBe(0);
  });
});
