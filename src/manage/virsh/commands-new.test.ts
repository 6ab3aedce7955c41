import { describe, expect, it } from 'vitest';
import { parseXml } from '../xml/xml-parser';
import { CaptureIo, FakeApi } from './fake-api';
import { Virsh } from './virsh';

/** web runs (id 1), db is shut off; an editor and a terminal that answer from scripts. */
function setup(edits: ((text: string) => string)[] = [], answers: string[] = []) {
  const fake = new FakeApi().add({ name: 'web', vcpus: 2 }, 'running').add({ name: 'db' });
  const io = new CaptureIo({});
  const asked: string[] = [];
  io.editText = async (text) => {
    const edit = edits.shift();
    if (!edit) throw new Error('no more edits');
    return edit(text);
  };
  io.ask = async (question) => {
    asked.push(question);
    return answers.shift() ?? 'n';
  };
  const virsh = new Virsh(fake.api, io);
  const run = async (line: string) => {
    const code = await virsh.run(line);
    return { code, ...io.take() };
  };
  return { fake, io, run, asked };
}

describe('virsh: domid, domname, domuuid', () => {
  it("prints the id ('-' when inactive), the name by id or uuid, the uuid by name or id", async () => {
    const { run, fake } = setup();
    const uuid = fake.domains.get('db')!.def.uuid;
    expect(await run('domid web')).toEqual({ code: 0, stdout: '1\n\n', stderr: '' });
    expect((await run('domid db')).stdout).toBe('-\n\n');
    expect((await run(`domid ${uuid}`)).stdout).toBe('-\n\n');
    expect((await run('domname 1')).stdout).toBe('web\n\n');
    expect((await run(`domname ${uuid}`)).stdout).toBe('db\n\n');
    // domname takes an id or a uuid only, as virsh.
    expect(await run('domname db')).toEqual({
      code: 1,
      stdout: '\n',
      stderr: "error: failed to get domain 'db'\n",
    });
    expect((await run('domuuid db')).stdout).toBe(`${uuid}\n\n`);
    expect((await run('domuuid 1')).stdout).toBe(`${fake.domains.get('web')!.def.uuid}\n\n`);
  });
});

describe('virsh: autostart', () => {
  it('marks and unmarks; dominfo and list --autostart show it', async () => {
    const { run } = setup();
    expect(await run('autostart db')).toEqual({
      code: 0,
      stdout: "Domain 'db' marked as autostarted\n\n",
      stderr: '',
    });
    expect((await run('dominfo db')).stdout).toContain('Autostart:      enable\n');
    expect((await run('list --all --autostart --name')).stdout).toBe('db\n\n');
    expect((await run('list --all --no-autostart --name')).stdout).toBe('web\n\n');
    expect((await run('autostart db --disable')).stdout).toBe(
      "Domain 'db' unmarked as autostarted\n\n",
    );
    expect((await run('dominfo db')).stdout).toContain('Autostart:      disable\n');
  });
});

describe('virsh: desc', () => {
  it('shows, sets and removes the description and the title', async () => {
    const { run, fake } = setup();
    expect(await run('desc db')).toEqual({
      code: 0,
      stdout: 'No description for domain: db\n\n',
      stderr: '',
    });
    expect((await run('desc db --title')).stdout).toBe('No title for domain: db\n\n');
    expect((await run('desc db "the database" server')).stdout).toBe(
      'Domain description updated successfully\n\n',
    );
    expect((await run('desc db')).stdout).toBe('the database server\n\n');
    expect((await run('desc db --title --new-desc Primary')).stdout).toBe(
      'Domain title updated successfully\n\n',
    );
    expect(fake.domains.get('db')!.def).toMatchObject({
      title: 'Primary',
      description: 'the database server',
    });
    expect((await run("desc db ''")).code).toBe(0);
    expect(fake.domains.get('db')!.def.description).toBeUndefined();
  });

  it('--edit opens the editor on the current text', async () => {
    const { run } = setup([(text) => `${text}edited\n`]);
    expect((await run('desc db --title --edit')).stdout).toBe(
      'Domain title updated successfully\n\n',
    );
    expect((await run('desc db --title')).stdout).toBe('edited\n\n');
  });
});

describe('virsh: edit', () => {
  it('defines what was saved and says so; an unchanged file changes nothing', async () => {
    const { run, fake } = setup([
      (xml) =>
        xml.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>3</vcpu>"),
      (xml) => xml,
    ]);
    expect(await run('edit db')).toEqual({
      code: 0,
      stdout: "Domain 'db' XML configuration edited.\n\n",
      stderr: '',
    });
    expect(fake.domains.get('db')!.def.vcpus).toBe(3);
    expect((await run('edit db')).stdout).toBe("Domain 'db' XML configuration not changed.\n\n");
  });

  it("on an error asks libvirt's question: ? shows the help, y edits again, n gives up", async () => {
    const { run, asked, fake } = setup(
      [
        (xml) => xml.replace('</name>', '</nam>'),
        (xml) =>
          xml
            .replace('</nam>', '</name>')
            .replace("<memory unit='KiB'>65536</memory>", "<memory unit='MiBB'>64</memory>"),
        (xml) => xml.replace("<memory unit='MiBB'>64</memory>", "<memory unit='MiB'>96</memory>"),
      ],
      ['?', 'y', 'i', 'y'],
    );
    const result = await run('edit db');
    expect(result.stderr).toBe(
      'error: (domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n  <name>db</nam>\n----------^\n' +
        "error: invalid argument: unknown suffix 'MiBB'\n" +
        "error: invalid argument: unknown suffix 'MiBB'\n",
    );
    expect(result.stdout).toBe(
      'y - yes, start editor again\nn - no, throw away my changes\ni - turn off validation and try to redefine again\nf - force, try to redefine again\n? - print this help\n' +
        "Domain 'db' XML configuration edited.\n\n",
    );
    expect(asked).toEqual(Array(4).fill('Failed. Try again? [y,n,i,f,?]: '));
    expect(result.code).toBe(0);
    expect(fake.domains.get('db')!.def.memoryMiB).toBe(96);

    const giveUp = setup([(xml) => xml.replace('</name>', '</nam>')], ['n']);
    const before = JSON.stringify(giveUp.fake.domains.get('db'));
    expect((await giveUp.run('edit db')).code).toBe(1);
    expect(JSON.stringify(giveUp.fake.domains.get('db'))).toBe(before);
  });

  it('without an editor says how to do it instead', async () => {
    const fake = new FakeApi().add({ name: 'db' });
    const io = new CaptureIo({});
    const virsh = new Virsh(fake.api, io);
    expect(await virsh.run('edit db')).toBe(1);
    expect(io.take().stderr).toBe(
      'error: this virsh has no editor: use dumpxml --inactive, change the file, then define it\n',
    );
  });
});

describe('virsh: hostname, capabilities, domcapabilities, sysinfo', () => {
  it('hostname prints the host name', async () => {
    const { run } = setup();
    expect(await run('hostname')).toEqual({
      code: 0,
      stdout: 'fakehost.example.org\n\n',
      stderr: '',
    });
  });

  it('capabilities describes this host and its one guest arch, as XML', async () => {
    const { run } = setup();
    const { stdout, code } = await run('capabilities');
    expect(code).toBe(0);
    const caps = parseXml(stdout);
    expect(caps.name).toBe('capabilities');
    expect(stdout).toContain('<uuid>11111111-2222-3333-4444-555555555555</uuid>');
    expect(stdout).toContain("<topology sockets='1' dies='1' cores='4' threads='1'/>");
    expect(stdout).toContain("<memory unit='KiB'>1048576</memory>");
    expect(stdout).toContain(
      "<arch name='riscv32'>\n      <wordsize>32</wordsize>\n      <emulator>virtlab</emulator>\n      <machine maxCpus='8'>virt</machine>\n      <domain type='qemu'/>\n      <domain type='kvm'/>\n    </arch>",
    );
  });

  it('domcapabilities for kvm and qemu; other arches and types are errors', async () => {
    const { run } = setup();
    const kvm = await run('domcapabilities');
    expect(parseXml(kvm.stdout).name).toBe('domainCapabilities');
    expect(kvm.stdout).toContain(
      "  <path>virtlab</path>\n  <domain>kvm</domain>\n  <machine>virt</machine>\n  <arch>riscv32</arch>\n  <vcpu max='8'/>\n",
    );
    expect((await run('domcapabilities --virttype qemu')).stdout).toContain(
      '<domain>qemu</domain>',
    );
    expect(await run('domcapabilities --arch x86_64')).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        "error: failed to get emulator capabilities\nerror: unsupported configuration: Emulator 'virtlab' does not support arch 'x86_64'\n",
    });
    expect((await run('domcapabilities --virttype xen')).stderr).toContain(
      'error: invalid argument: unknown virttype: xen\n',
    );
  });

  it('sysinfo prints SMBIOS-style tables of this host', async () => {
    const { run } = setup();
    const { stdout } = await run('sysinfo');
    expect(parseXml(stdout).attrs.get('type')).toBe('smbios');
    expect(stdout).toContain("<entry name='uuid'>11111111-2222-3333-4444-555555555555</entry>");
    expect(stdout.match(/<processor>/g)).toHaveLength(4);
  });

  it('help lists every new command in its group', async () => {
    const { run } = setup();
    const help = (await run('help')).stdout;
    for (const name of [
      'autostart',
      'capabilities',
      'desc',
      'domcapabilities',
      'domid',
      'domname',
      'domuuid',
      'edit',
      'hostname',
      'sysinfo',
      'uri',
      'version',
    ])
      expect(help).toMatch(new RegExp(`^ {4}${name} +\\S`, 'm'));
  });
});
