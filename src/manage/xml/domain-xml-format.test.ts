import { describe, expect, it } from 'vitest';
import type { DomainDef, LifecycleAction } from '../control-api';
import { formatDomainXml, parseDomainXml } from './domain-xml';

const UUID = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';

describe('formatDomainXml', () => {
  it("prints a minimal domain as libvirt's dumpxml does", () => {
    expect(formatDomainXml({ name: 'vm1', uuid: UUID, memoryMiB: 64, vcpus: 1 })).toBe(
      `<domain type='kvm'>
  <name>vm1</name>
  <uuid>${UUID}</uuid>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='pty'>
      <target type='system-serial' port='0'>
        <model name='16550a'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='virtio'/>
  </devices>
</domain>
`,
    );
  });

  it("prints every field in libvirt's element order", () => {
    const def: DomainDef & { uuid: string } = {
      name: 'tuned',
      uuid: UUID,
      title: 'Tuned & pinned',
      description: "Bob's <test> guest\nsecond line",
      memoryMiB: 256,
      currentMemoryKiB: 196608,
      vcpus: 4,
      vcpusCurrent: 2,
      cpuset: '0-3',
      vcpupin: { 1: '2-3', 0: '1' },
      emulatorpin: '0',
      shares: 2048,
      periodUs: 100000,
      quotaUs: -1,
      mergeable: false,
      kernelPath: '/srv/Image',
      bootargs: 'console=ttyS0 root="/dev/vda"',
      onPoweroff: 'preserve',
      onReboot: 'destroy',
      onCrash: 'restart',
      balloon: { autodeflate: true, freePageReporting: true, statsPeriodS: 10 },
    };
    expect(formatDomainXml(def)).toBe(
      `<domain type='kvm'>
  <name>tuned</name>
  <uuid>${UUID}</uuid>
  <title>Tuned &amp; pinned</title>
  <description>Bob&apos;s &lt;test&gt; guest
second line</description>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>196608</currentMemory>
  <memoryBacking>
    <nosharepages/>
  </memoryBacking>
  <vcpu placement='static' cpuset='0-3' current='2'>4</vcpu>
  <cputune>
    <shares>2048</shares>
    <period>100000</period>
    <quota>-1</quota>
    <vcpupin vcpu='0' cpuset='1'/>
    <vcpupin vcpu='1' cpuset='2-3'/>
    <emulatorpin cpuset='0'/>
  </cputune>
  <os>
    <type arch='riscv32' machine='virt'>hvm</type>
    <kernel>/srv/Image</kernel>
    <cmdline>console=ttyS0 root=&quot;/dev/vda&quot;</cmdline>
  </os>
  <on_poweroff>preserve</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <serial type='pty'>
      <target type='system-serial' port='0'>
        <model name='16550a'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
      <stats period='10'/>
    </memballoon>
  </devices>
</domain>
`,
    );
    expect(parseDomainXml(formatDomainXml(def))).toEqual({ def, warnings: [] });
  });

  it("adds a running domain's id and live currentMemory", () => {
    const def = { name: 'vm1', uuid: UUID, memoryMiB: 64, vcpus: 1, currentMemoryKiB: 60000 };
    const text = formatDomainXml(def, { id: 3, currentMemoryKiB: 32768 });
    expect(text.split('\n').slice(0, 1)).toEqual(["<domain type='kvm' id='3'>"]);
    expect(text).toContain("<currentMemory unit='KiB'>32768</currentMemory>");
    expect(formatDomainXml(def, { id: null })).toMatch(/^<domain type='kvm'>\n/);
  });

  it('prints memballoon none when the domain has no balloon', () => {
    const text = formatDomainXml({
      name: 'v',
      uuid: UUID,
      memoryMiB: 64,
      vcpus: 1,
      balloon: false,
    });
    expect(text).toContain("    <memballoon model='none'/>\n");
  });

  it('leaves out defaults: no cputune, memoryBacking, current or stats when unset', () => {
    const text = formatDomainXml({
      name: 'v',
      uuid: UUID,
      memoryMiB: 64,
      vcpus: 2,
      vcpusCurrent: 2,
      vcpupin: {},
      mergeable: true,
      balloon: { statsPeriodS: 0 },
    });
    expect(text).not.toMatch(/cputune|memoryBacking|current=|stats/);
    expect(text).toContain("<vcpu placement='static'>2</vcpu>");
  });
});

/** mulberry32: a small seeded PRNG, so a failure names its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random defs of the canonical form parseDomainXml returns. */
function randomDef(random: () => number): DomainDef & { uuid: string } {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const maybe = (p = 0.5) => random() < p;
  const pick = <T>(items: readonly T[]) => items[int(0, items.length - 1)];
  const string = (alphabet: string[], min = 1) =>
    Array.from({ length: int(min, 12) }, () => pick(alphabet)).join('');
  const plain = [...'abcXYZ019._-'];
  const awkward = [...plain, ' ', '&', '<', '>', '"', "'", ']]>', 'é', '😀', '\t', '&amp;', '\r'];
  const cpuset = () => {
    const cpus = Array.from({ length: 16 }, (_, i) => i).filter(() => maybe(0.3));
    const list = cpus.length ? cpus : [int(0, 15)];
    const ranges: string[] = [];
    for (let i = 0; i < list.length;) {
      let j = i;
      while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
      ranges.push(i === j ? `${list[i]}` : `${list[i]}-${list[j]}`);
      i = j + 1;
    }
    return ranges.join(',');
  };
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');

  const memoryMiB = int(1, 4096);
  const vcpus = int(1, 8);
  const def: DomainDef & { uuid: string } = {
    name: string(maybe() ? plain : awkward.filter((c) => c !== '\r')),
    uuid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    memoryMiB,
    vcpus,
  };
  if (maybe()) def.title = string(awkward.filter((c) => c !== '\r'));
  if (maybe()) def.description = string([...awkward, '\n', '\n\n  ']);
  if (vcpus > 1 && maybe()) def.vcpusCurrent = int(1, vcpus - 1);
  if (maybe()) def.cpuset = cpuset();
  if (maybe()) {
    const pins: Record<number, string> = {};
    for (let v = 0; v < vcpus; v++) if (maybe()) pins[v] = cpuset();
    if (Object.keys(pins).length) def.vcpupin = pins;
  }
  if (maybe()) def.emulatorpin = cpuset();
  if (maybe()) def.shares = int(2, 262144);
  if (maybe()) def.periodUs = int(1000, 1_000_000);
  if (maybe()) def.quotaUs = maybe() ? -1 : int(1000, 2 ** 40);
  if (maybe()) def.mergeable = false;
  if (maybe()) def.kernelPath = `/${string(awkward)}`;
  if (maybe()) def.bootargs = string([...awkward, ' ', '=']);
  const actions: LifecycleAction[] = ['destroy', 'restart', 'preserve'];
  if (maybe()) def.onPoweroff = pick(actions.filter((a) => a !== 'destroy'));
  if (maybe()) def.onReboot = pick(actions.filter((a) => a !== 'restart'));
  if (maybe()) def.onCrash = pick(actions.filter((a) => a !== 'destroy'));
  // <memory> to the KiB: memoryKiB when it is not a whole number of MiB.
  if (maybe(0.3)) {
    def.memoryKiB = int((memoryMiB - 1) * 1024 + 1, memoryMiB * 1024 - 1);
    if (def.memoryKiB < 1) delete def.memoryKiB;
  }
  const max = def.memoryKiB ?? memoryMiB * 1024;
  const current = maybe() && max > 1 ? int(1, max - 1) : undefined;
  // Without a balloon, a currentMemory below memory is kept but warned about (the guest gets all).
  if (maybe(0.2)) def.balloon = false;
  else {
    if (current !== undefined) def.currentMemoryKiB = current;
    if (maybe()) {
      const balloon: {
        autodeflate?: boolean;
        freePageReporting?: boolean;
        statsPeriodS?: number;
      } = {};
      if (maybe()) balloon.autodeflate = true;
      if (maybe()) balloon.freePageReporting = true;
      if (maybe() || Object.keys(balloon).length === 0) balloon.statsPeriodS = int(1, 86400);
      def.balloon = balloon;
    }
  }
  if (maybe(0.1))
    def.metadata =
      "<metadata>\n  <app:info xmlns:app='http://example.org/app/1'>\n    <app:os id='x&amp;y'/>\n  </app:info>\n</metadata>\n";
  return def;
}

describe('domain XML round trip', () => {
  it('parse(format(def)) is def, without warnings, for 2000 random canonical defs', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const def = randomDef(prng(seed));
      const text = formatDomainXml(def);
      const parsed = parseDomainXml(text);
      expect(parsed, `seed ${seed}:\n${text}`).toEqual({ def, warnings: [] });
      expect(formatDomainXml({ ...parsed.def, uuid: parsed.def.uuid! }), `seed ${seed}`).toBe(text);
    }
  });

  it('format(parse(xml)) is a fixed point for XML written by hand', () => {
    const text = `<domain type='qemu'><name>n</name><uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>
      <memory unit='G'>1</memory><currentMemory unit='M'>512</currentMemory>
      <vcpu cpuset='3,2,1,^2' current='1'>2</vcpu>
      <cputune><vcpupin vcpu='1' cpuset='0-1,^1'/><quota>-7</quota></cputune>
      <os><type>hvm</type></os><on_crash>coredump-restart</on_crash></domain>`;
    const once = parseDomainXml(text).def;
    const xml = formatDomainXml({ ...once, uuid: once.uuid! });
    expect(parseDomainXml(xml)).toEqual({ def: once, warnings: [] });
    expect(formatDomainXml({ ...parseDomainXml(xml).def, uuid: UUID })).toBe(xml);
    expect(once).toEqual({
      name: 'n',
      type: 'qemu',
      uuid: UUID,
      memoryMiB: 1024,
      currentMemoryKiB: 524288,
      vcpus: 2,
      vcpusCurrent: 1,
      cpuset: '1,3',
      vcpupin: { 1: '0' },
      quotaUs: -1,
      onCrash: 'restart',
    });
  });
});
