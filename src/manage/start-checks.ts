import { MAX_HARTS, MAX_MEMORY_MIB, MIN_MEMORY_MIB } from '../hypervisor/vm/boot';
import type { DomainDef } from './control-api';
import { cpulistCpus } from './cpulist';
import { VirtError } from './errors';
import { quote } from './quote';

/**
 * What a definition needs of this host and machine, checked when the
 * domain starts, not when it is defined: libvirt parses and stores any
 * valid definition (virDomainDefineXML) and finds out at start whether the
 * host can run it (qemuProcessStart), so one file defines on every host.
 * Each error names the element, its value and the limit, and says what to
 * change.
 */

const unsupported = (message: string) => new VirtError('config-unsupported', message);

/** Throws config-unsupported for the first thing in `def` this host cannot run. */
export function checkStartable(def: DomainDef, pcpus: number): void {
  const kib = def.memoryKiB ?? def.memoryMiB * 1024;
  if (def.memoryMiB > MAX_MEMORY_MIB)
    throw unsupported(
      `<memory> of ${kib} KiB is more than this machine's limit of ${MAX_MEMORY_MIB * 1024} KiB (${MAX_MEMORY_MIB} MiB of guest RAM on the riscv32 'virt' board): lower it with 'virsh setmaxmem ${def.name} ${MAX_MEMORY_MIB}M --config'`,
    );
  if (def.memoryMiB < MIN_MEMORY_MIB)
    throw unsupported(
      `<memory> of ${kib} KiB is less than this machine's minimum of ${MIN_MEMORY_MIB * 1024} KiB (${MIN_MEMORY_MIB} MiB, what the guest needs to boot): raise it with 'virsh setmaxmem ${def.name} ${MIN_MEMORY_MIB}M --config'`,
    );
  if (def.vcpus > MAX_HARTS)
    throw unsupported(
      `<vcpu> of ${def.vcpus} is more than this machine's limit of ${MAX_HARTS} vCPUs: lower it with 'virsh setvcpus ${def.name} ${MAX_HARTS} --maximum --config'`,
    );
  const pinned = (element: string, list: string, fix: string) => {
    const missing = cpulistCpus(list).find((cpu) => cpu >= pcpus);
    if (missing !== undefined)
      throw unsupported(
        `${element} names pCPU ${missing}, but this host has ${pcpus} pCPU(s) (0-${pcpus - 1}): ${fix}`,
      );
  };
  if (def.cpuset !== undefined)
    pinned(
      `<vcpu cpuset='${quote(def.cpuset)}'>`,
      def.cpuset,
      `pin each vCPU with 'virsh vcpupin ${def.name} VCPU CPULIST --config'`,
    );
  for (const [vcpu, list] of Object.entries(def.vcpupin ?? {}))
    pinned(
      `<cputune>/<vcpupin vcpu='${vcpu}' cpuset='${quote(list)}'>`,
      list,
      `change it with 'virsh vcpupin ${def.name} ${vcpu} CPULIST --config'`,
    );
  if (def.emulatorpin !== undefined)
    pinned(
      `<cputune>/<emulatorpin cpuset='${quote(def.emulatorpin)}'>`,
      def.emulatorpin,
      `change it with 'virsh emulatorpin ${def.name} CPULIST --config'`,
    );
}
