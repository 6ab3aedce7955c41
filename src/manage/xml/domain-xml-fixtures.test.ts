import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DomainDef } from '../control-api';
import { formatDomainXml, parseDomainXml } from './domain-xml';
import { XmlSyntaxError } from './xml-parser';

/** `virsh dumpxml` output of the kind real hosts produce (test/fixtures/domain-xml). */
function fixture(name: string): string {
  return readFileSync(
    new URL(`../../../test/fixtures/domain-xml/${name}`, import.meta.url),
    'utf8',
  );
}

const ignored = (path: string, extra = '') =>
  `element ${path} is not supported and was ignored${extra}`;
const X86 = [
  "<os>/<type> arch 'x86_64' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32) and run the built-in or an rv32 <kernel>",
];
/** The x86 desktop features virt-install writes, each named. */
const X86_FEATURES = [
  ignored('<features>/<acpi>', ": the 'virt' board describes itself with a device tree, not ACPI"),
  ignored('<features>/<apic>', ': there is no x86 APIC (the interrupt controller is the PLIC)'),
  ignored('<features>/<vmport>', ': there is no VMware I/O port'),
];
const X86_TIMERS = [
  "elements <clock>/<timer> 'rtc', 'pit', 'hpet' are not supported and were ignored: the guest's timers are the board's CLINT and the SBI timer extension",
];
const BUILT_IN =
  'no <os>/<kernel>: the built-in Linux image boots instead of the disk (disks are not attached)';
const EMULATOR_X86 = ignored(
  "<devices>/<emulator> ('/usr/bin/qemu-system-x86_64')",
  ': the emulator is built in',
);
const NO_BLK = ': there is no virtio-blk device yet';
const NO_NET = ': there is no virtio-net device yet';
const CPU = ': the vCPU is always the emulated riscv32 hart';

const cases: { file: string; def: DomainDef; warnings: string[] }[] = [
  {
    file: 'ubuntu-q35.xml',
    def: {
      name: 'ubuntu22.04',
      uuid: '2f5c4a3e-8b1d-4c7e-9a6f-0d3b2e1c4f58',
      metadata:
        '<metadata>\n' +
        "  <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n" +
        "    <libosinfo:os id='http://ubuntu.com/ubuntu/22.04'/>\n" +
        '  </libosinfo:libosinfo>\n' +
        '</metadata>\n',
      memoryMiB: 4096,
      vcpus: 2,
    },
    warnings: [
      ...X86,
      "<os>/<type> machine 'pc-q35-6.2' is not emulated: the guest runs on a 'virt' board",
      ...X86_FEATURES,
      ignored('<cpu>', CPU),
      ...X86_TIMERS,
      ignored('<pm>'),
      EMULATOR_X86,
      ignored("<devices>/<disk> (disk 'vda')", NO_BLK),
      ignored("<devices>/<disk> (cdrom 'sda')", NO_BLK),
      ignored('<devices>/<controller>', ' (8 times)'),
      ignored("<devices>/<interface> (type 'network')", NO_NET),
      ignored('<devices>/<channel>', ' (2 times)'),
      ignored('<devices>/<input>', ' (3 times)'),
      ignored('<devices>/<graphics>'),
      ignored('<devices>/<sound>'),
      ignored('<devices>/<audio>'),
      ignored('<devices>/<video>'),
      ignored('<devices>/<redirdev>', ' (2 times)'),
      ignored('<devices>/<memballoon>/<address>'),
      ignored('<devices>/<rng>'),
      BUILT_IN,
    ],
  },
  {
    file: 'fedora-host-passthrough.xml',
    def: {
      name: 'fedora39',
      uuid: 'a1c9e2f4-53b7-4d08-8e6a-7f2d91b0c3e5',
      title: 'Fedora 39 Workstation',
      description:
        'Build box for the rpm pipeline & nightly tests.\nOwner: infra <infra@example.com>',
      memoryMiB: 8192,
      vcpus: 4,
      balloon: { statsPeriodS: 5 },
    },
    warnings: [
      ignored('<resource>'),
      "attribute 'firmware' of <os> is not supported and was ignored",
      ...X86,
      "<os>/<type> machine 'pc-q35-8.1' is not emulated: the guest runs on a 'virt' board",
      ignored('<os>/<firmware>'),
      ignored('<os>/<loader>'),
      ignored('<os>/<nvram>'),
      ...X86_FEATURES,
      ignored('<cpu>', CPU),
      ...X86_TIMERS,
      ignored('<pm>'),
      EMULATOR_X86,
      ignored("<devices>/<disk> (disk 'vda')", NO_BLK),
      ignored('<devices>/<controller>', ' (2 times)'),
      ignored("<devices>/<interface> (type 'bridge')", NO_NET),
      ignored('<devices>/<channel>'),
      ignored('<devices>/<input>', ' (2 times)'),
      ignored('<devices>/<graphics>'),
      ignored('<devices>/<video>'),
      ignored('<devices>/<watchdog>'),
      ignored('<devices>/<memballoon>/<alias>'),
      ignored('<devices>/<memballoon>/<address>'),
      ignored('<seclabel>', ' (2 times)'),
      BUILT_IN,
    ],
  },
  {
    file: 'riscv64-virt-kernel.xml',
    def: {
      name: 'rv64-buildroot',
      type: 'qemu',
      uuid: '6e0b8d3a-2c41-4f9e-b57a-19d4c8e2a076',
      memoryMiB: 256,
      vcpus: 2,
      kernelPath: '/var/lib/libvirt/images/rv64/Image',
      bootargs: 'console=ttyS0 earlycon=sbi rdinit=/sbin/init',
      balloon: false,
    },
    warnings: [
      "<os>/<type> arch 'riscv64' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32), so a riscv64 kernel cannot boot; the built-in or an rv32 <kernel> is needed",
      ignored(
        "<os>/<initrd> ('/var/lib/libvirt/images/rv64/rootfs.cpio.gz')",
        ': initrd path ignored (an initrd is only taken as bytes)',
      ),
      ignored('<cpu>', CPU),
      ignored(
        "<devices>/<emulator> ('/usr/bin/qemu-system-riscv64')",
        ': the emulator is built in',
      ),
      ignored("<devices>/<disk> (disk 'vda')", NO_BLK),
      ignored('<devices>/<controller>'),
      ignored("<devices>/<interface> (type 'user')", NO_NET),
      ignored('<devices>/<audio>'),
    ],
  },
  {
    file: 'minimal.xml',
    def: { name: 'tiny', memoryMiB: 64, vcpus: 1 },
    warnings: [],
  },
  {
    file: 'tuned.xml',
    def: {
      name: 'tuned',
      uuid: 'c7a5fdbd-edaf-9455-926a-d65c16db1809',
      memoryMiB: 256,
      currentMemoryKiB: 196608,
      vcpus: 4,
      vcpusCurrent: 2,
      cpuset: '0-3',
      vcpupin: { 0: '1', 1: '2-3' },
      emulatorpin: '0',
      shares: 2048,
      periodUs: 100000,
      quotaUs: 50000,
      mergeable: false,
      kernelPath: '/srv/virtlab/Image',
      bootargs: 'console=ttyS0 maxcpus=2',
      onCrash: 'preserve',
      balloon: { autodeflate: true, freePageReporting: true, statsPeriodS: 10 },
    },
    warnings: [
      ignored(
        '<cputune>/<emulator_period>',
        ': the emulator is a browser worker with no bandwidth control',
      ),
      ignored(
        '<cputune>/<emulator_quota>',
        ': the emulator is a browser worker with no bandwidth control',
      ),
    ],
  },
];

describe('domain XML fixtures', () => {
  it.each(cases)('$file parses to the expected def and warnings', ({ file, def, warnings }) => {
    expect(parseDomainXml(fixture(file))).toEqual({ def, warnings });
  });

  it.each(cases)('$file round-trips through formatDomainXml', ({ file }) => {
    const { def } = parseDomainXml(fixture(file));
    const uuid = def.uuid ?? '00000000-0000-0000-0000-000000000000';
    const again = parseDomainXml(formatDomainXml({ ...def, uuid }));
    expect(again).toEqual({ def: { ...def, uuid }, warnings: [] });
  });

  it('malformed.xml fails with the line and column of the bad end tag', () => {
    const text = fixture('malformed.xml');
    let error: unknown;
    try {
      parseDomainXml(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XmlSyntaxError);
    const syntax = error as XmlSyntaxError;
    expect(syntax.message).toBe('Opening and ending tag mismatch: memory line 3 and memroy');
    expect([syntax.line, syntax.column]).toEqual([3, 28]);
    expect(syntax.detail(text, 'malformed.xml')).toBe(
      'malformed.xml:3: Opening and ending tag mismatch: memory line 3 and memroy\n' +
        "  <memory unit='KiB'>131072</memroy>\n" +
        `${'-'.repeat(27)}^`,
    );
  });
});
