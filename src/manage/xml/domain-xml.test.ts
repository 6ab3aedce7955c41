import { describe, expect, it } from 'vitest';
import { VirtError } from '../errors';
import { DomainXmlError, formatDomainXml, parseDomainXml } from './domain-xml';
import { XmlSyntaxError } from './xml-parser';

/** A domain around `body`; memory and os can be replaced. */
function xml(body = '', parts: { type?: string; memory?: string; os?: string } = {}): string {
  return [
    `<domain type='${parts.type ?? 'kvm'}'>`,
    '<name>vm</name>',
    parts.memory ?? "<memory unit='MiB'>64</memory>",
    parts.os ?? '<os><type>hvm</type></os>',
    body,
    '</domain>',
  ].join('\n');
}

const BASE = { name: 'vm', memoryMiB: 64, vcpus: 1 };

function parse(body = '', parts: Parameters<typeof xml>[1] = {}) {
  return parseDomainXml(xml(body, parts));
}

function parseError(text: string): DomainXmlError {
  try {
    parseDomainXml(text);
  } catch (error) {
    if (error instanceof DomainXmlError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

describe('parseDomainXml: the domain', () => {
  it('parses a minimal domain with libvirt defaults and no warnings', () => {
    expect(parse()).toEqual({ def: BASE, warnings: [] });
  });

  it('accepts kvm and qemu, an id and namespace declarations', () => {
    const text = `<domain type='qemu' id='4' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
      <name>vm</name><memory>65536</memory><os><type>hvm</type></os></domain>`;
    expect(parseDomainXml(text)).toEqual({ def: { ...BASE, type: 'qemu' }, warnings: [] });
    expect(parseDomainXml(text.replace('qemu', 'kvm')).def.type).toBeUndefined(); // the default
  });

  it.each([
    ['<vm/>', 'XML error: unexpected root element <vm>, expecting <domain>'],
    [
      '<domain><name>vm</name></domain>',
      "XML error: Missing required attribute 'type' in element 'domain'",
    ],
    [xml('', { type: 'xen' }), 'invalid argument: could not find capabilities for domaintype=xen'],
    [
      xml('', { type: 'kvm2' }),
      "XML error: Invalid value for attribute 'type' in element 'domain': 'kvm2'.",
    ],
    ["<domain type='kvm'><memory>65536</memory></domain>", 'missing name information'],
    ["<domain type='kvm'><name></name></domain>", 'missing name information'],
    ["<domain type='kvm'><name>a/b</name></domain>", "XML error: name a/b cannot contain '/'"],
    [
      "<domain type='kvm'><name>vm</name><os><type>hvm</type></os></domain>",
      'XML error: Memory size must be specified via <memory> or in the <numa> configuration',
    ],
    [
      "<domain type='kvm'><name>vm</name><memory>65536</memory></domain>",
      'XML error: an os <type> must be specified',
    ],
  ])('refuses %j', (text, message) => {
    const error = parseError(text);
    expect(error.message).toBe(message);
    expect(error).toBeInstanceOf(VirtError);
    expect(error.code).toBe('invalid-arg');
  });

  it('throws XmlSyntaxError, with its position, for malformed XML', () => {
    expect(() => parseDomainXml("<domain type='kvm'>\n<name>vm</nam>")).toThrow(XmlSyntaxError);
    try {
      parseDomainXml("<domain type='kvm'>\n<name>vm</nam>");
    } catch (error) {
      expect(error).toMatchObject({ line: 2, column: 9 });
    }
  });

  it('keeps the uuid, normalized, and refuses a malformed one', () => {
    const uuid = '4DEA22B3-1D52-D8F3-2516-782E98AB3FA0';
    expect(parse(`<uuid>${uuid}</uuid>`).def.uuid).toBe(uuid.toLowerCase());
    expect(parse('<uuid> 4dea22b31d52d8f32516782e98ab3fa0 </uuid>').def.uuid).toBe(
      '4dea22b3-1d52-d8f3-2516-782e98ab3fa0',
    );
    expect(parseError(xml('<uuid>4dea22b3-1d52-d8f3-2516</uuid>')).message).toBe(
      'XML error: malformed uuid element',
    );
    expect(parseError(xml('<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fzz</uuid>')).message).toBe(
      'XML error: malformed uuid element',
    );
  });

  it('keeps title and description as written; a title is one line', () => {
    const { def } = parse(
      '<title>Web &amp; mail</title><description>line 1\n  line 2 &lt;x&gt;</description>',
    );
    expect(def.title).toBe('Web & mail');
    expect(def.description).toBe('line 1\n  line 2 <x>');
    expect(parse('<title></title><description/>').def).toEqual(BASE);
    expect(parseError(xml('<title>a\nb</title>')).message).toBe(
      "XML error: Domain title can't contain newlines",
    );
  });

  it('warns once per repeated element and uses the first', () => {
    const { def, warnings } = parse('<vcpu>2</vcpu><vcpu>3</vcpu><name>other</name>');
    expect(def.vcpus).toBe(2);
    expect(def.name).toBe('vm');
    expect(warnings).toEqual([
      'element <vcpu> appears more than once: only the first was used',
      'element <name> appears more than once: only the first was used',
    ]);
  });

  it('warns about unknown attributes on supported elements and stray text', () => {
    const { warnings } = parse("<vcpu foo='1'>1</vcpu>hello", {
      memory: "<memory unit='MiB' dumpCore='off'>64</memory>",
    });
    expect(warnings).toEqual([
      'text inside <domain> is not supported and was ignored',
      "attribute 'dumpCore' of <memory> is not supported and was ignored",
      "attribute 'foo' of <vcpu> is not supported and was ignored",
    ]);
  });

  it('reads <genid>: a given id is kept, <genid/> asks for one, a malformed one is an error', () => {
    const id = '6C1D3C0E-8A43-4C55-9D6E-2B7F0C9A1E11';
    expect(parse(`<genid>${id}</genid>`).def.genid).toBe(id.toLowerCase());
    expect(parse('<genid/>').def.genid).toBeUndefined();
    expect(() => parse('<genid>not-a-uuid</genid>')).toThrow(/malformed genid element/);
    const xml = formatDomainXml({
      name: 'g',
      uuid: id.toLowerCase(),
      genid: id.toLowerCase(),
      memoryMiB: 32,
      vcpus: 1,
    });
    expect(xml).toContain(`<genid>${id.toLowerCase()}</genid>`);
    expect(parseDomainXml(xml).def.genid).toBe(id.toLowerCase());
  });

  it('never drops an element silently: every libvirt element it does not map is named', () => {
    const unsupported = [
      'blkiotune',
      'memtune',
      'vcpus',
      'iothreads',
      'iothreadids',
      'numatune',
      'resource',
      'sysinfo',
      'bootloader',
      'bootloader_args',
      'idmap',
      'on_lockfailure',
      'pm',
      'perf',
      'seclabel',
      'keywrap',
      'launchSecurity',
      'throttlegroups',
      'qemu:commandline',
    ];
    const { warnings } = parse(unsupported.map((name) => `<${name}><x/></${name}>`).join(''));
    expect(warnings).toEqual(
      unsupported.map((name) => `element <${name}> is not supported and was ignored`),
    );
    expect(parse('<cpu mode="host-passthrough"/>').warnings).toEqual([
      'element <cpu> is not supported and was ignored: the vCPU is always the emulated riscv32 hart',
    ]);
  });

  it('keeps <metadata> verbatim, as libvirt does', () => {
    const metadata = `<metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>`;
    const { def, warnings } = parse(metadata);
    expect(warnings).toEqual([]);
    expect(def.metadata).toBe(
      "<metadata>\n  <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n    <libosinfo:os id='http://debian.org/debian/12'/>\n  </libosinfo:libosinfo>\n</metadata>\n",
    );
    expect(parse('<metadata/>').def.metadata).toBeUndefined();
  });

  it('names each <features> child and each <clock> timer; utc clock and boot hd are silent', () => {
    const { warnings } = parse(
      `<features><acpi/><apic/><pae/><smm state='on'/><vmcoreinfo state='on'/></features>
       <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='hpet' present='no'/></clock>`,
      { os: "<os><type>hvm</type><boot dev='hd'/></os>" },
    );
    expect(warnings).toEqual([
      "element <features>/<acpi> is not supported and was ignored: the 'virt' board describes itself with a device tree, not ACPI",
      'element <features>/<apic> is not supported and was ignored: there is no x86 APIC (the interrupt controller is the PLIC)',
      'element <features>/<pae> is not supported and was ignored: there is no x86 paging (the MMU is Sv32)',
      'element <features>/<smm> is not supported and was ignored: there is no x86 system management mode',
      'element <features>/<vmcoreinfo> is not supported and was ignored',
      "elements <clock>/<timer> 'rtc', 'hpet' are not supported and were ignored: the guest's timers are the board's CLINT and the SBI timer extension",
    ]);
    expect(parse("<clock offset='utc'/>").warnings).toEqual([]);
    expect(parse("<clock offset='localtime'/>").warnings).toEqual([
      "<clock> offset 'localtime' is not supported: the guest's RTC runs in UTC",
    ]);
    expect(
      parse('', { os: "<os><type>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>" }).warnings,
    ).toEqual(["<os>/<boot> dev 'cdrom' is not supported: the kernel boots directly"]);
  });
});

describe('parseDomainXml: memory', () => {
  it.each([
    ['b', '67108864', 64],
    ['bytes', '67108864', 64],
    ['byte', '67108864', 64],
    ['KB', '65536000', 62500],
    ['k', '65536', 64],
    ['KiB', '65536', 64],
    ['MB', '1048576', 1_000_000],
    ['M', '64', 64],
    ['MiB', '64', 64],
    ['GB', '2048', 1_953_125],
    ['G', '1', 1024],
    ['GiB', '2', 2048],
    ['TB', '256', 244_140_625],
    ['T', '1', 2 ** 20],
    ['TiB', '1', 2 ** 20],
    ['PB', '32', 30_517_578_125],
    ['P', '1', 2 ** 30],
    ['PiB', '1', 2 ** 30],
    ['EB', '4', 3_814_697_265_625],
    ['E', '1', 2 ** 40],
    ['EiB', '4', 2 ** 42],
    ['mib', '64', 64],
    ['gB', '2048', 1_953_125],
  ])("unit '%s': %s is %i MiB", (unit, value, mib) => {
    const { def, warnings } = parse('', { memory: `<memory unit='${unit}'>${value}</memory>` });
    expect(def.memoryMiB).toBe(mib);
    expect(warnings).toEqual([]);
  });

  it('defaults to KiB', () => {
    expect(parse('', { memory: '<memory>131072</memory>' }).def.memoryMiB).toBe(128);
    expect(parse('', { memory: "<memory unit=''>131072</memory>" }).def.memoryMiB).toBe(128);
  });

  it('keeps memory to the KiB; the guest gets it rounded up to a whole MiB', () => {
    expect(parse('', { memory: "<memory unit='MB'>1000</memory>" })).toEqual({
      def: { ...BASE, memoryMiB: 954, memoryKiB: 976563 },
      warnings: [],
    });
    expect(parse('', { memory: '<memory>1</memory>' }).def).toEqual({
      ...BASE,
      memoryMiB: 1,
      memoryKiB: 1,
    });
    // Both at 219200 KiB: no balloon target appears (issue 12).
    expect(
      parse('<currentMemory>219200</currentMemory>', { memory: '<memory>219200</memory>' }),
    ).toEqual({ def: { ...BASE, memoryMiB: 215, memoryKiB: 219200 }, warnings: [] });
  });

  it('accepts currentMemory below memory without a balloon, saying the guest gets all', () => {
    expect(
      parse(
        "<currentMemory unit='MiB'>32</currentMemory><devices><memballoon model='none'/></devices>",
      ),
    ).toEqual({
      def: { ...BASE, currentMemoryKiB: 32768, balloon: false },
      warnings: [
        "<currentMemory> of 32 MiB is below <memory> but there is no balloon (memballoon model='none'): the guest gets all of <memory>",
      ],
    });
  });

  it.each([
    ["<memory unit='XB'>1</memory>", "invalid argument: unknown suffix 'XB'"],
    ["<memory unit='Ki'>1</memory>", "invalid argument: unknown suffix 'Ki'"],
    ["<memory unit='MiBB'>1</memory>", "invalid argument: unknown suffix 'MiBB'"],
    ['<memory>12x</memory>', 'XML error: could not parse element ./memory[1]'],
    ['<memory>-1</memory>', 'XML error: could not parse element ./memory[1]'],
    ['<memory></memory>', 'XML error: could not parse element ./memory[1]'],
    [
      '<memory>0</memory>',
      'XML error: Memory size must be specified via <memory> or in the <numa> configuration',
    ],
    ["<memory unit='EiB'>8</memory>", 'numerical overflow: value too large: 8EiB'],
  ])('refuses %s', (memory, message) => {
    expect(parseError(xml('', { memory })).message).toBe(message);
  });

  it('keeps currentMemory in KiB, below memory', () => {
    expect(parse("<currentMemory unit='MiB'>48</currentMemory>").def.currentMemoryKiB).toBe(49152);
    expect(parse("<currentMemory unit='KB'>1000</currentMemory>").def.currentMemoryKiB).toBe(977);
    expect(parse("<currentMemory unit='b'>1000</currentMemory>")).toEqual({
      def: { ...BASE, currentMemoryKiB: 1 },
      warnings: ['<currentMemory> of 1000 b rounded up to 1 KiB'],
    });
  });

  it('leaves currentMemory out when it is all of memory (or 0, libvirt for unset)', () => {
    expect(parse('<currentMemory>65536</currentMemory>')).toEqual({ def: BASE, warnings: [] });
    expect(parse('<currentMemory>0</currentMemory>')).toEqual({ def: BASE, warnings: [] });
  });

  it('clamps currentMemory to memory, with a warning', () => {
    expect(parse("<currentMemory unit='GiB'>1</currentMemory>")).toEqual({
      def: BASE,
      warnings: ['<currentMemory> of 1 GiB is more than <memory>: clamped to 65536 KiB'],
    });
  });

  it('warns that maxMemory (memory hotplug) is not supported', () => {
    expect(parse("<maxMemory slots='16' unit='KiB'>1524288</maxMemory>").warnings).toEqual([
      'element <maxMemory> is not supported and was ignored: memory hotplug is not supported',
    ]);
  });

  it('maps memoryBacking nosharepages to mergeable false and warns about the rest', () => {
    expect(parse('<memoryBacking><nosharepages/></memoryBacking>')).toEqual({
      def: { ...BASE, mergeable: false },
      warnings: [],
    });
    expect(
      parse('<memoryBacking><hugepages/><locked/><source type="memfd"/></memoryBacking>'),
    ).toEqual({
      def: BASE,
      warnings: [
        'element <memoryBacking>/<hugepages> is not supported and was ignored',
        'element <memoryBacking>/<locked> is not supported and was ignored',
        'element <memoryBacking>/<source> is not supported and was ignored',
      ],
    });
  });
});

describe('parseDomainXml: vCPUs and cputune', () => {
  it('reads the maximum, current and cpuset of <vcpu>, cpuset normalized', () => {
    expect(parse("<vcpu placement='static' cpuset='1-4,^3,6' current='2'>4</vcpu>")).toEqual({
      def: { ...BASE, vcpus: 4, vcpusCurrent: 2, cpuset: '1-2,4,6' },
      warnings: [],
    });
    expect(parse("<vcpu current='4'> 4 </vcpu>").def).toEqual({ ...BASE, vcpus: 4 });
  });

  it('uses static placement for auto, with a warning', () => {
    expect(parse("<vcpu placement='auto'>2</vcpu>").warnings).toEqual([
      "<vcpu> placement 'auto' (numad) is not supported: 'static' is used",
    ]);
  });

  it.each([
    ['<vcpu>two</vcpu>', 'XML error: maximum vcpus count must be an integer'],
    ['<vcpu>0</vcpu>', 'invalid argument: maximum vcpus count must be at least 1'],
    ["<vcpu current='x'>2</vcpu>", 'XML error: current vcpus count must be an integer'],
    [
      "<vcpu current='3'>2</vcpu>",
      'unsupported configuration: maxvcpus must not be less than current vcpus (2 < 3)',
    ],
    [
      "<vcpu placement='numa'>2</vcpu>",
      "XML error: Invalid value for attribute 'placement' in element 'vcpu': 'numa'.",
    ],
    ["<vcpu cpuset='0-x'>2</vcpu>", "invalid argument: Failed to parse bitmap '0-x'"],
    ["<vcpu cpuset='3-1'>2</vcpu>", "invalid argument: Failed to parse bitmap '3-1'"],
    ["<vcpu cpuset='^0-1'>2</vcpu>", "invalid argument: Failed to parse bitmap '^0-1'"],
    ["<vcpu cpuset='0,^0'>2</vcpu>", "XML error: Invalid value of 'cpuset' in <vcpu>: '0,^0'"],
  ])('refuses %s', (vcpu, message) => {
    expect(parseError(xml(vcpu)).message).toBe(message);
  });

  it('maps cputune shares, period, quota, vcpupin and emulatorpin', () => {
    const body = `<vcpu>2</vcpu><cputune>
      <shares>2048</shares><period>100000</period><quota>50000</quota>
      <vcpupin vcpu='1' cpuset='3,1-2'/><vcpupin vcpu='0' cpuset='0'/>
      <emulatorpin cpuset='0-1'/>
    </cputune>`;
    expect(parse(body)).toEqual({
      def: {
        ...BASE,
        vcpus: 2,
        shares: 2048,
        periodUs: 100000,
        quotaUs: 50000,
        vcpupin: { 0: '0', 1: '1-3' },
        emulatorpin: '0-1',
      },
      warnings: [],
    });
  });

  it('reads a negative quota as unlimited (-1) and 0 as unset, as libvirt does', () => {
    expect(parse('<cputune><quota>-5</quota></cputune>').def.quotaUs).toBe(-1);
    expect(parse('<cputune><quota>0</quota><period>0</period></cputune>').def).toEqual(BASE);
  });

  it('warns about the cputune knobs it has no counterpart for', () => {
    const body = `<cputune><global_period>1000000</global_period><global_quota>-1</global_quota>
      <emulator_period>1000000</emulator_period><emulator_quota>-1</emulator_quota>
      <iothread_period>1000000</iothread_period><iothread_quota>-1</iothread_quota>
      <iothreadpin iothread='1' cpuset='0'/><iothreadpin iothread='2' cpuset='1'/>
      <vcpusched vcpus='0' scheduler='fifo' priority='1'/></cputune>`;
    expect(parse(body).warnings).toEqual([
      'element <cputune>/<global_period> is not supported and was ignored: bandwidth is capped per vCPU only (period, quota)',
      'element <cputune>/<global_quota> is not supported and was ignored: bandwidth is capped per vCPU only (period, quota)',
      'element <cputune>/<emulator_period> is not supported and was ignored: the emulator is a browser worker with no bandwidth control',
      'element <cputune>/<emulator_quota> is not supported and was ignored: the emulator is a browser worker with no bandwidth control',
      'element <cputune>/<iothread_period> is not supported and was ignored: there are no iothreads',
      'element <cputune>/<iothread_quota> is not supported and was ignored: there are no iothreads',
      'element <cputune>/<iothreadpin> is not supported and was ignored: there are no iothreads (2 times)',
      'element <cputune>/<vcpusched> is not supported and was ignored',
    ]);
  });

  it.each([
    ['<shares>many</shares>', "XML error: can't parse cputune shares value"],
    ['<period>1.5</period>', "XML error: can't parse cputune period value"],
    ['<quota>x</quota>', "XML error: can't parse cputune quota value"],
    [
      '<period>999</period>',
      "unsupported configuration: Value of cputune 'period' must be in range [1000, 1000000]",
    ],
    [
      '<period>1000001</period>',
      "unsupported configuration: Value of cputune 'period' must be in range [1000, 1000000]",
    ],
    [
      '<quota>999</quota>',
      "unsupported configuration: Value of cputune 'quota' must be in range [1000, 17592186044415] or less than 0",
    ],
    ["<vcpupin cpuset='0'/>", 'XML error: missing vcpu id in vcpupin'],
    ["<vcpupin vcpu='-1' cpuset='0'/>", 'XML error: vcpu id must be an unsigned integer'],
    ["<vcpupin vcpu='0'/>", 'XML error: missing cpuset for vcpupin'],
    [
      "<vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='0' cpuset='1'/>",
      "XML error: duplicate vcpupin for vcpu '0'",
    ],
    [
      "<vcpupin vcpu='1' cpuset='0'/>",
      "XML error: vcpu id '1' is out of range of maximum vcpu count 1",
    ],
    ["<vcpupin vcpu='0' cpuset='a'/>", "invalid argument: Failed to parse bitmap 'a'"],
    ['<emulatorpin/>', 'XML error: missing cpuset for emulatorpin'],
  ])('refuses %s', (cputune, message) => {
    expect(parseError(xml(`<cputune>${cputune}</cputune>`)).message).toBe(message);
  });
});

describe('parseDomainXml: os and lifecycle', () => {
  it('maps kernel and cmdline; accepts riscv32 virt silently, warns precisely for riscv64', () => {
    const os = `<os><type arch='riscv32' machine='virt'>hvm</type>
      <kernel>/boot/Image</kernel><cmdline>console=ttyS0 quiet</cmdline></os>`;
    expect(parse('', { os })).toEqual({
      def: { ...BASE, kernelPath: '/boot/Image', bootargs: 'console=ttyS0 quiet' },
      warnings: [],
    });
    expect(parse('', { os: os.replace('riscv32', 'riscv64') }).warnings).toEqual([
      "<os>/<type> arch 'riscv64' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32), so a riscv64 kernel cannot boot; the built-in or an rv32 <kernel> is needed",
    ]);
  });

  it('warns about another arch or machine, an initrd path and the other os children', () => {
    const os = `<os firmware='efi'><type arch='x86_64' machine='pc-q35-8.2'>hvm</type>
      <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
      <initrd>/boot/initrd.img</initrd><boot dev='hd'/><bootmenu enable='no'/></os>`;
    expect(parse('', { os }).warnings).toEqual([
      "attribute 'firmware' of <os> is not supported and was ignored",
      "<os>/<type> arch 'x86_64' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32) and run the built-in or an rv32 <kernel>",
      "<os>/<type> machine 'pc-q35-8.2' is not emulated: the guest runs on a 'virt' board",
      'element <os>/<loader> is not supported and was ignored',
      "element <os>/<initrd> ('/boot/initrd.img') is not supported and was ignored: initrd path ignored (an initrd is only taken as bytes)",
      'element <os>/<bootmenu> is not supported and was ignored',
    ]);
  });

  it('refuses an os type other than hvm', () => {
    expect(parseError(xml('', { os: '<os><type>exe</type></os>' })).message).toBe(
      'invalid argument: could not find capabilities for ostype=exe',
    );
  });

  it('maps lifecycle actions, leaving out the defaults', () => {
    const body =
      '<on_poweroff>preserve</on_poweroff><on_reboot>destroy</on_reboot><on_crash>restart</on_crash>';
    expect(parse(body)).toEqual({
      def: { ...BASE, onPoweroff: 'preserve', onReboot: 'destroy', onCrash: 'restart' },
      warnings: [],
    });
    const defaults =
      '<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>';
    expect(parse(defaults)).toEqual({ def: BASE, warnings: [] });
  });

  it('maps rename-restart and coredump-* to the nearest action, with a warning', () => {
    expect(
      parse('<on_reboot>rename-restart</on_reboot><on_crash>coredump-destroy</on_crash>'),
    ).toEqual({
      def: BASE,
      warnings: [
        "<on_reboot> 'rename-restart' is not supported: 'restart' is used",
        "<on_crash> 'coredump-destroy' is not supported: 'destroy' is used",
      ],
    });
    expect(parse('<on_crash>coredump-restart</on_crash>').def.onCrash).toBe('restart');
    expect(parse('<on_poweroff>rename-restart</on_poweroff>').def.onPoweroff).toBe('restart');
  });

  it.each([
    [
      '<on_poweroff>coredump-destroy</on_poweroff>',
      "XML error: invalid on_poweroff value: 'coredump-destroy'",
    ],
    ['<on_reboot>reboot</on_reboot>', "XML error: invalid on_reboot value: 'reboot'"],
    ['<on_crash></on_crash>', "XML error: invalid on_crash value: ''"],
  ])('refuses %s', (body, message) => {
    expect(parseError(xml(body)).message).toBe(message);
  });
});

describe('parseDomainXml: devices', () => {
  const devices = (inner: string) => parse(`<devices>${inner}</devices>`);

  it('accepts the serial port and console silently', () => {
    const inner = `<serial type='pty'><source path='/dev/pts/3'/><target type='system-serial' port='0'>
      <model name='16550a'/></target><alias name='serial0'/></serial>
      <console type='pty' tty='/dev/pts/3'><target type='serial' port='0'/></console>`;
    expect(devices(inner)).toEqual({ def: BASE, warnings: [] });
  });

  it('warns about a second serial port or console', () => {
    const inner = `<serial type='pty'/><serial type='file'/><console type='pty'/><console type='pty'/>`;
    expect(devices(inner).warnings).toEqual([
      'element <devices>/<serial> is not supported and was ignored: there is one serial port (ns16550a) and it is already configured',
      'element <devices>/<console> is not supported and was ignored: there is one serial port (ns16550a) and it is already configured',
    ]);
  });

  it('warns about disks, interfaces and the emulator by name', () => {
    const inner = `<emulator>/usr/bin/qemu-system-riscv64</emulator>
      <disk type='file' device='disk'><source file='/img.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
      <interface type='network'><source network='default'/><model type='virtio'/></interface>`;
    expect(devices(inner).warnings).toEqual([
      "element <devices>/<emulator> ('/usr/bin/qemu-system-riscv64') is not supported and was ignored: the emulator is built in",
      "element <devices>/<disk> (disk 'vda') is not supported and was ignored: there is no virtio-blk device yet",
      "element <devices>/<disk> (cdrom 'sda') is not supported and was ignored: there is no virtio-blk device yet",
      "element <devices>/<interface> (type 'network') is not supported and was ignored: there is no virtio-net device yet",
      'no <os>/<kernel>: the built-in Linux image boots instead of the disk (disks are not attached)',
    ]);
  });

  it('warns about every other device', () => {
    const others = [
      'controller',
      'input',
      'graphics',
      'video',
      'channel',
      'rng',
      'sound',
      'watchdog',
      'tpm',
      'hostdev',
    ];
    expect(devices(others.map((n) => `<${n}/>`).join('')).warnings).toEqual(
      others.map((n) => `element <devices>/<${n}> is not supported and was ignored`),
    );
  });

  it('maps memballoon virtio with its options; a plain one is the default', () => {
    expect(devices("<memballoon model='virtio'/>")).toEqual({ def: BASE, warnings: [] });
    expect(
      devices(
        "<memballoon model='virtio' autodeflate='off' freePageReporting='off'><stats period='0'/></memballoon>",
      ),
    ).toEqual({ def: BASE, warnings: [] });
    expect(
      devices(
        "<memballoon model='virtio' autodeflate='on' freePageReporting='on'><stats period='10'/></memballoon>",
      ).def.balloon,
    ).toEqual({ autodeflate: true, freePageReporting: true, statsPeriodS: 10 });
    expect(devices("<memballoon model='virtio' autodeflate='on'/>").def.balloon).toEqual({
      autodeflate: true,
    });
  });

  it('maps memballoon none to no balloon', () => {
    expect(devices("<memballoon model='none'/>")).toEqual({
      def: { ...BASE, balloon: false },
      warnings: [],
    });
    expect(devices("<memballoon model='none' autodeflate='on'/>").warnings).toEqual([
      "attribute 'autodeflate' of <devices>/<memballoon> is ignored with model 'none'",
    ]);
  });

  it('treats transitional virtio models as virtio and warns about addresses and aliases', () => {
    const inner = `<memballoon model='virtio-non-transitional'><alias name='balloon0'/>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></memballoon>`;
    expect(devices(inner)).toEqual({
      def: BASE,
      warnings: [
        "<devices>/<memballoon> model 'virtio-non-transitional' is treated as 'virtio' (virtio-mmio)",
        'element <devices>/<memballoon>/<alias> is not supported and was ignored',
        'element <devices>/<memballoon>/<address> is not supported and was ignored',
      ],
    });
  });

  it.each([
    ['<memballoon/>', "XML error: Missing required attribute 'model' in element 'memballoon'"],
    [
      "<memballoon model='virtio2'/>",
      "XML error: Invalid value for attribute 'model' in element 'memballoon': 'virtio2'.",
    ],
    [
      "<memballoon model='virtio' autodeflate='yes'/>",
      "XML error: Invalid value for attribute 'autodeflate' in element 'memballoon': 'yes'.",
    ],
    [
      "<memballoon model='virtio' freePageReporting='1'/>",
      "XML error: Invalid value for attribute 'freePageReporting' in element 'memballoon': '1'.",
    ],
    [
      "<memballoon model='virtio'><stats period='-1'/></memballoon>",
      'XML error: invalid statistics collection period',
    ],
    [
      "<memballoon model='xen'/>",
      "unsupported configuration: Memory balloon device type 'xen' is not supported by this version of qemu",
    ],
  ])('refuses %s', (inner, message) => {
    expect(parseError(xml(`<devices>${inner}</devices>`)).message).toBe(message);
  });
});
