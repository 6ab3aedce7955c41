import { MAX_HARTS, MAX_MEMORY_MIB } from '../../hypervisor/vm/boot';
import type { DomainType, HostInfo } from '../control-api';
import { serializeXml, xmlElement as el, type XmlElement } from './xml-parser';

/**
 * The host's self-description in libvirt's formats (docs/formatcaps.rst,
 * formatdomaincaps.rst, formatdomain.rst "SMBIOS System Information"):
 * what `virsh capabilities`, `domcapabilities` and `sysinfo` print. Every
 * value comes from this host: its pCPUs and RAM, the one guest arch
 * (riscv32) and machine ('virt'), the two domain types and what the
 * machine has or lacks.
 */

export const GUEST_ARCH = 'riscv32';
export const GUEST_MACHINE = 'virt';
/** There is no emulator binary: QEMU's role is built in (the VMM worker). */
export const EMULATOR = 'virtlab';

const text = (name: string, value: string | number, attrs: Record<string, string | number> = {}) =>
  el(name, attrs, [`${value}`]);

/** virConnectGetCapabilities. */
export function capabilitiesXml(host: HostInfo): string {
  const cpus = Array.from({ length: host.pcpus }, (_, id) =>
    el('cpu', { id, socket_id: 0, die_id: 0, core_id: id, siblings: id }),
  );
  const hostEl = el('host', {}, [
    text('uuid', host.uuid),
    el('cpu', {}, [
      text('arch', GUEST_ARCH),
      el('topology', { sockets: 1, dies: 1, cores: host.pcpus, threads: 1 }),
    ]),
    el('power_management'),
    el('iommu', { support: 'no' }),
    el('migration_features'),
    el('topology', {}, [
      el('cells', { num: 1 }, [
        el('cell', { id: 0 }, [
          text('memory', host.ramMiB * 1024, { unit: 'KiB' }),
          el('cpus', { num: host.pcpus }, cpus),
        ]),
      ]),
    ]),
  ]);
  const guest = el('guest', {}, [
    text('os_type', 'hvm'),
    el('arch', { name: GUEST_ARCH }, [
      text('wordsize', 32),
      text('emulator', EMULATOR),
      text('machine', GUEST_MACHINE, { maxCpus: MAX_HARTS }),
      el('domain', { type: 'qemu' }),
      el('domain', { type: 'kvm' }),
    ]),
  ]);
  return serializeXml(el('capabilities', {}, [hostEl, guest]));
}

const no = (name: string) => el(name, { supported: 'no' });
const yes = (name: string, children: XmlElement[] = []) => el(name, { supported: 'yes' }, children);
const enumOf = (name: string, values: string[]) =>
  el(
    'enum',
    { name },
    values.map((v) => text('value', v)),
  );

/** virConnectGetDomainCapabilities for one domain type (kvm: the JIT; qemu: the interpreter). */
export function domainCapabilitiesXml(type: DomainType): string {
  return serializeXml(
    el('domainCapabilities', {}, [
      text('path', EMULATOR),
      text('domain', type),
      text('machine', GUEST_MACHINE),
      text('arch', GUEST_ARCH),
      el('vcpu', { max: MAX_HARTS }),
      no('iothreads'),
      yes('os', [el('enum', { name: 'firmware' }), no('loader')]),
      el('cpu', {}, [
        el('mode', { name: 'host-passthrough', supported: 'no' }),
        el('mode', { name: 'maximum', supported: 'no' }),
        el('mode', { name: 'host-model', supported: 'no' }),
        el('mode', { name: 'custom', supported: 'no' }),
      ]),
      yes('memoryBacking', [enumOf('sourceType', ['anonymous'])]),
      el('devices', {}, [
        no('disk'),
        no('graphics'),
        no('video'),
        no('hostdev'),
        no('rng'),
        no('filesystem'),
        no('tpm'),
        no('redirdev'),
        no('channel'),
        no('crypto'),
        no('interface'),
        no('panic'),
        no('console'),
      ]),
      el('features', {}, [
        no('gic'),
        no('vmcoreinfo'),
        yes('genid'),
        no('backingStoreInput'),
        no('backup'),
        no('async-teardown'),
        no('sev'),
        no('sgx'),
        no('hyperv'),
      ]),
      el('memory', { max: MAX_MEMORY_MIB * 1024, unit: 'KiB' }),
    ]),
  );
}

/** virConnectGetSysinfo: SMBIOS-style tables describing this host. */
export function sysinfoXml(host: HostInfo, version: string): string {
  const entries = (name: string, values: [string, string | number][]) =>
    el(
      name,
      {},
      values.map(([key, value]) => text('entry', value, { name: key })),
    );
  return serializeXml(
    el('sysinfo', { type: 'smbios' }, [
      entries('bios', [
        ['vendor', 'VirtLab'],
        ['version', version],
      ]),
      entries('system', [
        ['manufacturer', 'VirtLab'],
        ['product', 'VirtLab host'],
        ['version', version],
        ['uuid', host.uuid],
        ['family', `${GUEST_ARCH} '${GUEST_MACHINE}' hypervisor`],
      ]),
      ...Array.from({ length: host.pcpus }, (_, i) =>
        entries('processor', [
          ['socket_destination', `pCPU ${i}`],
          ['type', 'Central Processor'],
          ['family', 'RISC-V RV32IMAC (emulated)'],
          ['manufacturer', 'VirtLab'],
        ]),
      ),
      entries('memory_device', [
        ['size', `${host.ramMiB} MB`],
        ['form_factor', 'Other'],
        ['locator', 'host RAM (SharedArrayBuffer)'],
        ['type', 'RAM'],
      ]),
    ]),
  );
}
