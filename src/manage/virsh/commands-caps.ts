import type { DomainType } from '../control-api';
import {
  EMULATOR,
  GUEST_ARCH,
  GUEST_MACHINE,
  capabilitiesXml,
  domainCapabilitiesXml,
  sysinfoXml,
} from '../xml/capabilities';
import type { CommandDef } from './command';
import { VIRTLAB_VERSION } from './commands-host';
import { VshError, failed, reported } from './errors';

/**
 * The host's self-description (libvirt tools/virsh-host.c): hostname,
 * capabilities, domcapabilities, sysinfo. The XML is libvirt's format with
 * this host's values (manage/xml/capabilities.ts).
 */

const hostname: CommandDef = {
  name: 'hostname',
  group: 'host',
  help: 'print the hypervisor hostname',
  desc: '',
  opts: [],
  async run(sh) {
    try {
      sh.print(`${(await sh.api.hostInfo()).hostname}\n`);
    } catch (error) {
      throw failed('failed to get hostname', error);
    }
  },
};

const capabilities: CommandDef = {
  name: 'capabilities',
  group: 'host',
  help: 'capabilities',
  desc: 'Returns capabilities of hypervisor/driver.',
  opts: [],
  async run(sh) {
    try {
      sh.print(capabilitiesXml(await sh.api.hostInfo()));
    } catch (error) {
      throw failed('failed to get capabilities', error);
    }
  },
};

const domcapabilities: CommandDef = {
  name: 'domcapabilities',
  group: 'host',
  help: 'domain capabilities',
  desc: 'Returns capabilities of emulator with respect to host and libvirt.',
  opts: [
    { name: 'virttype', type: 'string', help: 'virtualization type (/domain/@type)' },
    {
      name: 'emulatorbin',
      type: 'string',
      help: 'path to emulator binary (/domain/devices/emulator)',
    },
    { name: 'arch', type: 'string', help: 'domain architecture (/domain/os/type/@arch)' },
    { name: 'machine', type: 'string', help: 'machine type (/domain/os/type/@machine)' },
  ],
  async run(sh, args) {
    const type = args.string('virttype') ?? 'kvm';
    const arch = args.string('arch') ?? GUEST_ARCH;
    const machine = args.string('machine') ?? GUEST_MACHINE;
    const emulator = args.string('emulatorbin') ?? EMULATOR;
    try {
      // virConnectGetDomainCapabilities' errors for what this host has no emulator for.
      if (type !== 'kvm' && type !== 'qemu')
        throw new VshError(`invalid argument: unknown virttype: ${type}`);
      if (arch !== GUEST_ARCH)
        throw new VshError(
          `unsupported configuration: Emulator '${emulator}' does not support arch '${arch}'`,
        );
      if (emulator !== EMULATOR)
        throw new VshError(`invalid argument: no emulator '${emulator}': the emulator is built in`);
      if (machine !== GUEST_MACHINE)
        throw new VshError(
          `invalid argument: the machine '${machine}' is not supported by emulator '${emulator}'`,
        );
      sh.print(domainCapabilitiesXml(type as DomainType));
    } catch (error) {
      throw failed('failed to get emulator capabilities', error);
    }
  },
};

const sysinfo: CommandDef = {
  name: 'sysinfo',
  group: 'host',
  help: 'print the hypervisor sysinfo',
  desc: 'output an XML string for the hypervisor sysinfo, if available',
  opts: [],
  async run(sh) {
    try {
      sh.print(sysinfoXml(await sh.api.hostInfo(), VIRTLAB_VERSION));
    } catch (error) {
      throw reported(error);
    }
  },
};

export const CAPS_COMMANDS: CommandDef[] = [capabilities, domcapabilities, hostname, sysinfo];
