import { describe, expect, it } from 'vitest';
import { parseDomainXml } from '../xml/domain-xml';
import { CaptureIo, FakeApi } from './fake-api';
import { Virsh } from './virsh';
import { parseSubopts, parseVirtInstall, VirtInstallError } from './virt-install';

function setup(tty = false) {
  const fake = new FakeApi();
  const io = new CaptureIo({}, tty);
  const virsh = new Virsh(fake.api, io);
  const install = async (...argv: string[]) => {
    const code = await virsh.virtInstall(argv);
    return { code, ...io.take() };
  };
  return { fake, io, virsh, install };
}

describe('virt-install: the command line', () => {
  it('builds a definition from --name, --memory, --vcpus, --boot and --memballoon', () => {
    const { def } = parseVirtInstall([
      '--name',
      'vm2',
      '--memory=memory=128,currentMemory=64',
      '--vcpus',
      '2,maxvcpus=4',
      '--boot',
      'kernel=Image,cmdline="console=ttyS0 quiet,loglevel=8"',
      '--memballoon',
      'virtio,autodeflate=on,freePageReporting=on',
    ]);
    expect(def).toEqual({
      name: 'vm2',
      memoryMiB: 128,
      currentMemoryKiB: 65536,
      vcpus: 4,
      vcpusCurrent: 2,
      kernelPath: 'Image',
      bootargs: 'console=ttyS0 quiet,loglevel=8',
      balloon: { autodeflate: true, freePageReporting: true },
    });
  });

  it('takes plain values, --memballoon none and unambiguous prefixes', () => {
    expect(parseVirtInstall(['--name', 'a', '--memo', '64', '--memb', 'none']).def).toEqual({
      name: 'a',
      memoryMiB: 64,
      vcpus: 1,
      balloon: false,
    });
    expect(parseVirtInstall(['-n', 'a', '--memory', '64', '--vcpus', '3']).def.vcpus).toBe(3);
  });

  it('--virt-type chooses kvm (the JIT) or qemu (the interpreter), nothing else', () => {
    expect(parseVirtInstall(['-n', 'e', '--memory', '48', '--virt-type', 'qemu']).def.type).toBe(
      'qemu',
    );
    expect(parseVirtInstall(['-n', 'e', '--memory', '48', '--virt-type=kvm']).def.type).toBe('kvm');
    expect(parseVirtInstall(['-n', 'e', '--memory', '48']).def.type).toBeUndefined();
    expect(() => parseVirtInstall(['-n', 'e', '--memory', '48', '--virt-type', 'xen'])).toThrow(
      "Host does not support virtualization type 'xen'",
    );
  });

  it('splits sub-options on commas outside quotes', () => {
    expect(parseSubopts('kernel=/k,cmdline="a=1,b"')).toEqual({
      bare: undefined,
      opts: new Map([
        ['kernel', '/k'],
        ['cmdline', 'a=1,b'],
      ]),
    });
    expect(parseSubopts('2,maxvcpus=4').bare).toBe('2');
  });

  it.each([
    [['--memory', '64'], '--name is required', 1],
    [['--name', 'x'], '--memory amount in MiB is required', 1],
    [
      ['--name', 'x', '--memory', 'lots'],
      'Error: --memory lots: invalid value, expected a number',
      1,
    ],
    [
      ['--name', 'x', '--memory', '64', '--vcpus', '2,sockets=2'],
      "Unknown --vcpus options: ['sockets']",
      1,
    ],
    [['--name', 'x', '--memory', '64', '--boot', 'hd'], "Unknown --boot options: ['hd']", 1],
    [['--name', 'x', '--memory', '64', '--memballoon', 'xen'], "Unknown memballoon model 'xen'", 1],
    [['--name', 'x', '--disk', 'none'], 'unrecognized arguments: --disk', 2],
    [['--name'], 'argument -n/--name: expected one argument', 2],
    [['--name', 'x', '--m', '64'], 'ambiguous option: --m could match --memory, --memballoon', 2],
  ])('%j fails: %s', (argv, message, exitCode) => {
    let error: unknown;
    try {
      parseVirtInstall(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VirtInstallError);
    expect((error as VirtInstallError).message).toBe(message);
    expect((error as VirtInstallError).exitCode).toBe(exitCode);
  });
});

describe('virt-install: running it', () => {
  it("defines and starts the domain; --noautoconsole prints virt-install's lines", async () => {
    const { install, fake } = setup();
    expect(await install('--name', 'vm2', '--memory', '64', '--noautoconsole')).toEqual({
      code: 0,
      stdout: '\nStarting install...\nCreating domain...\nDomain creation completed.\n',
      stderr: '',
    });
    expect(fake.calls).toEqual(['define vm2', 'start vm2']);
    expect(fake.domains.get('vm2')!.state).toBe('running');
  });

  it('connects the console unless --noautoconsole', async () => {
    const { install, io } = setup(true);
    const result = await install('--name', 'vm2', '--memory', '64');
    expect(result.stdout).toBe(
      '\nStarting install...\nCreating domain...\n' +
        'Running text console command: virsh --connect virtlab:///system console vm2\n' +
        "Connected to domain 'vm2'\nEscape character is ^] (Ctrl + ])\n" +
        'Domain creation completed.\n',
    );
    expect(io.consoles).toEqual(['vm2']);
  });

  it('without a terminal, the console command fails as under virt-install', async () => {
    const { install } = setup();
    const result = await install('--name', 'vm2', '--memory', '64');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'error: Cannot run interactive console without a controlling TTY\n' +
        'WARNING  Console command returned failure.\n',
    );
  });

  it('--noreboot defines only and says how to start; --transient creates', async () => {
    const { install, fake } = setup();
    expect((await install('--name', 'a', '--memory', '64', '--noreboot')).stdout).toBe(
      '\nStarting install...\nCreating domain...\nDomain creation completed.\n' +
        'You can restart your domain by running:\n  virsh --connect virtlab:///system start a\n',
    );
    await install('--name', 'b', '--memory', '64', '--transient', '--noautoconsole');
    expect(fake.calls).toEqual(['define a', 'create b', 'define b']);
    expect(fake.domains.get('b')!.persistent).toBe(false);
  });

  it('--dry-run creates nothing; --print-xml prints XML that parses back', async () => {
    const { install, fake } = setup();
    expect(await install('--name', 'a', '--memory', '64', '--dry-run')).toEqual({
      code: 0,
      stdout: 'Dry run completed successfully\n',
      stderr: '',
    });
    const { stdout } = await install(
      '--name',
      'a',
      '--memory',
      '96',
      '--vcpus',
      '2',
      '--print-xml',
    );
    expect(parseDomainXml(stdout).def).toMatchObject({ name: 'a', memoryMiB: 96, vcpus: 2 });
    expect(fake.calls).toEqual([]);
  });

  it('reports errors as virt-install does and creates nothing', async () => {
    const { install, fake } = setup();
    expect(await install('--name', 'x', '--disk', 'none')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'usage: virt-install --name NAME --memory MB [options]\n' +
        'virt-install: error: unrecognized arguments: --disk\n',
    });
    expect(await install('--memory', '64')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERROR    --name is required\n',
    });
    const bad = await install('--name', 'x', '--memory', '64', '--vcpus', '9', '--noautoconsole');
    expect(bad.code).toBe(1);
    // Defined, then refused at start (the machine's limit), and gone again.
    expect(bad.stderr).toBe(
      "ERROR    unsupported configuration: <vcpu> of 9 is more than this machine's limit of 8 vCPUs: lower it with 'virsh setvcpus x 8 --maximum --config'\n",
    );
    expect(bad.stdout).toContain('Domain installation does not appear to have been successful.\n');
    expect(fake.domains.size).toBe(0);
  });

  it('runs inside the virsh shell too (ours), a failure giving status 1', async () => {
    const { virsh, io, fake } = setup();
    expect(await virsh.run('virt-install --name vm3 --memory 64 --noautoconsole')).toBe(0);
    expect(io.take().stdout).toBe(
      '\nStarting install...\nCreating domain...\nDomain creation completed.\n\n',
    );
    expect(fake.domains.get('vm3')!.state).toBe('running');
    expect(await virsh.run('virt-install --memory 64')).toBe(1);
    expect(io.take().stderr).toBe('ERROR    --name is required\n');
  });
});
