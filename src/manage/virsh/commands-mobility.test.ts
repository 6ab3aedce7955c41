import { describe, expect, it } from 'vitest';
import { CaptureIo, FakeApi } from './fake-api';
import { Virsh } from './virsh';
import { creationTime } from './commands-snapshot';

/** web runs (id 1), db is shut off. */
function setup() {
  const fake = new FakeApi().add({ name: 'web', vcpus: 2 }, 'running').add({ name: 'db' });
  const io = new CaptureIo({});
  const virsh = new Virsh(fake.api, io);
  const run = async (line: string) => {
    const code = await virsh.run(line);
    return { code, ...io.take() };
  };
  return { fake, io, run };
}

describe('virsh: save, restore, save-image-dumpxml', () => {
  it('saves to a file, shows its XML, restores from it', async () => {
    const { run, io } = setup();
    expect(await run('save web web.vlsave')).toEqual({
      code: 0,
      stdout: "\nDomain 'web' saved to web.vlsave\n\n",
      stderr: '',
    });
    expect(io.binaries['web.vlsave']).toBeInstanceOf(Uint8Array);
    expect((await run('domstate web --reason')).stdout).toBe('shut off (saved)\n\n');
    expect((await run('save-image-dumpxml web.vlsave')).stdout).toMatch(/<name>web<\/name>/);
    expect(await run('restore web.vlsave')).toEqual({
      code: 0,
      stdout: 'Domain restored from web.vlsave\n\n',
      stderr: '',
    });
    expect((await run('domstate web --reason')).stdout).toBe('running (restored)\n\n');
  });

  it('refuses what libvirt refuses, with its messages', async () => {
    const { run, io } = setup();
    expect(await run('save db x')).toMatchObject({
      code: 1,
      stderr:
        "error: Failed to save domain 'db' to x\nerror: Requested operation is not valid: cannot save domain 'db' while it is shut off\n",
    });
    expect((await run('restore nowhere')).stderr).toBe(
      "error: Failed to open file 'nowhere': No such file or directory\n",
    );
    io.binaries['junk'] = new TextEncoder().encode('junk');
    expect((await run('restore junk')).stderr).toBe(
      'error: Failed to restore domain from junk\nerror: invalid argument: not a VirtLab save image (wrong magic)\n',
    );
    expect((await run('save web a --running --paused')).stderr).toBe(
      'error: Options --running and --paused are mutually exclusive\n',
    );
  });

  it('managedsave and managedsave-remove', async () => {
    const { run } = setup();
    expect((await run('managedsave web')).stdout).toBe("\nDomain 'web' state saved by libvirt\n\n");
    expect((await run('managedsave-remove web')).stdout).toBe(
      "Removed managedsave image for domain 'web'\n\n",
    );
    expect((await run('managedsave-remove web')).stdout).toBe(
      "Domain 'web' has no manage save image; removal skipped\n\n",
    );
  });
});

describe('virsh: snapshots', () => {
  it('snapshot-create-as, snapshot-list (table, --parent, --tree, --name), snapshot-current', async () => {
    const { run } = setup();
    expect((await run('snapshot-create-as web s1 "first one"')).stdout).toBe(
      'Domain snapshot s1 created\n\n',
    );
    await run('snapshot-create-as web --name s2');
    await run('snapshot-revert web s1');
    await run('snapshot-create-as web s3');
    const t = (n: number) => creationTime(1_767_225_600 + n);
    expect((await run('snapshot-list web')).stdout).toBe(
      ' Name   Creation Time               State\n' +
        '---------------------------------------------\n' +
        ` s1     ${t(0)}   running\n` +
        ` s2     ${t(1)}   running\n` +
        ` s3     ${t(2)}   running\n\n\n`,
    );
    expect((await run('snapshot-list web --parent')).stdout).toContain(
      ` s3     ${t(2)}   running   s1\n`,
    );
    expect((await run('snapshot-list web --tree')).stdout).toBe(
      's1\n  |\n  +- s2\n  +- s3\n    \n\n',
    );
    expect((await run('snapshot-list web --name --leaves')).stdout).toBe('s2\ns3\n\n');
    expect((await run('snapshot-current web --name')).stdout).toBe('s3\n\n');
    expect(creationTime(0)).toBe('1970-01-01 00:00:00 +0000');
  });

  it('snapshot-info and snapshot-dumpxml', async () => {
    const { run } = setup();
    await run('snapshot-create-as web s1 "first one"');
    await run('snapshot-create-as web s2');
    expect((await run('snapshot-info web s1')).stdout).toBe(
      'Name:           s1\n' +
        'Domain:         web\n' +
        'Current:        no\n' +
        'State:          running\n' +
        'Location:       internal\n' +
        'Parent:         -\n' +
        'Children:       1\n' +
        'Descendants:    1\n' +
        'Metadata:       yes\n\n',
    );
    expect((await run('snapshot-info web --current')).stdout).toContain('Parent:         s1\n');
    const xml = (await run('snapshot-dumpxml web s2')).stdout;
    expect(xml).toMatch(
      /^<domainsnapshot>\n  <name>s2<\/name>\n  <state>running<\/state>\n  <parent>\n    <name>s1<\/name>\n  <\/parent>\n  <creationTime>\d+<\/creationTime>\n  <memory snapshot='internal'\/>\n  <domain type='kvm'>\n    <name>web<\/name>/,
    );
    expect(xml).toMatch(/<\/domain>\n<\/domainsnapshot>\n/);
  });

  it('snapshot-save writes an active snapshot as a save image; a shut-off one has nothing to save', async () => {
    const { run, io } = setup();
    await run('snapshot-create-as web s1');
    expect(await run('snapshot-save web s1 s1.vlsave')).toEqual({
      code: 0,
      stdout: 'Domain snapshot s1 saved to s1.vlsave\n\n',
      stderr: '',
    });
    expect(io.binaries['s1.vlsave']).toBeInstanceOf(Uint8Array);
    expect((await run('domstate web --reason')).stdout).toBe('running (booted)\n\n');
    await run('snapshot-create-as db off');
    const off = await run('snapshot-save db off off.vlsave');
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(
      /^error: Failed to save snapshot 'off' to off\.vlsave\nerror: Requested operation is not valid: snapshot 'off' was taken while the domain was shut off/,
    );
    expect(io.binaries['off.vlsave']).toBeUndefined();
    expect((await run('snapshot-save web nope x')).stderr).toMatch(/snapshot not found/);
  });

  it('snapshot-revert and snapshot-delete, with their errors', async () => {
    const { run } = setup();
    await run('snapshot-create-as db off');
    expect((await run('snapshot-info db off')).stdout).toContain('State:          shutoff\n');
    await run('snapshot-create-as web s1');
    await run('snapshot-create-as web s2');
    expect((await run('snapshot-revert web s1 --paused')).code).toBe(0);
    expect((await run('domstate web --reason')).stdout).toBe('paused (from snapshot)\n\n');
    expect((await run('snapshot-revert web nope')).stderr).toBe(
      "error: Failed to revert snapshot nope\nerror: Domain snapshot not found: no domain snapshot with matching name 'nope'\n",
    );
    expect((await run('snapshot-create-as web s1')).stderr).toBe(
      "error: Failed to create snapshot of domain 'web'\nerror: Requested operation is not valid: domain snapshot 's1' already exists\n",
    );
    expect((await run('snapshot-delete web s1')).stdout).toBe('Domain snapshot s1 deleted\n\n');
    expect((await run('snapshot-info web s2')).stdout).toContain('Parent:         -\n');
    // Deleting the current snapshot (s1, reverted to) leaves its parent current: none here.
    expect((await run('snapshot-delete web --current')).stderr).toBe(
      'error: Domain snapshot not found: the domain does not have a current snapshot\n',
    );
    expect((await run('snapshot-delete web s2')).stdout).toBe('Domain snapshot s2 deleted\n\n');
    expect((await run('snapshot-list web --name')).stdout).toBe('\n');
    expect((await run('snapshot-create-as web x --disk-only')).stderr).toMatch(
      /^error: unsupported configuration: --disk-only/,
    );
  });
});

describe('virt-clone', () => {
  it('clones by name or --auto-clone, and refuses names in use', async () => {
    const { run, fake } = setup();
    expect(await run('virt-clone --original web --name web2')).toEqual({
      code: 0,
      stdout: "\nClone 'web2' created successfully.\n\n",
      stderr: '',
    });
    expect(fake.domains.get('web2')!.def.uuid).not.toBe(fake.domains.get('web')!.def.uuid);
    expect((await run('virt-clone -o web --auto-clone')).stdout).toContain("Clone 'web-clone'");
    expect((await run('virt-clone -o web --auto-clone')).stdout).toContain("Clone 'web-clone-1'");
    expect((await run('virt-clone -o web -n db')).stderr).toBe(
      "ERROR    Invalid name for new guest: Guest name 'db' is already in use.\n",
    );
    expect((await run('virt-clone -o nope -n x')).stderr).toBe(
      "ERROR    Domain 'nope' was not found.\n",
    );
    expect((await run('virt-clone --name x')).stderr).toBe(
      'usage: virt-clone --original [NAME] ...\nvirt-clone: error: the following arguments are required: --original\n',
    );
    expect((await run('virt-clone -o web --print-xml -n shown')).stdout).toMatch(
      /<name>shown<\/name>/,
    );
  });
});
