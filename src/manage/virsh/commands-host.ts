import type { HostInfo, KsmInfo } from '../control-api';
import type { KsmKnobs } from '../../hypervisor/ksm/ksm-state';
import type { CommandDef } from './command';
import { VshError, failed, reported } from './errors';

/** virsh's "Host and Hypervisor" group (libvirt tools/virsh-host.c). */

/** This hypervisor's version, for `version`. */
export const VIRTLAB_VERSION = '0.1.0';

/**
 * nodeinfo's lines (`%-20s`). The CPU model is the guest ISA our pCPUs run;
 * their frequency is unknown (a browser does not say), so the line is
 * omitted as libvirt omits a zero frequency. Each pCPU worker is one core
 * of one socket.
 */
export function formatNodeinfo(host: HostInfo): string {
  const line = (label: string, value: string) => `${label.padEnd(20)} ${value}\n`;
  return (
    line('CPU model:', 'riscv32') +
    line('CPU(s):', String(host.pcpus)) +
    line('CPU socket(s):', '1') +
    line('Core(s) per socket:', String(host.pcpus)) +
    line('Thread(s) per core:', '1') +
    line('NUMA cell(s):', '1') +
    line('Memory size:', `${host.ramMiB * 1024} KiB`)
  );
}

const nodeinfo: CommandDef = {
  name: 'nodeinfo',
  group: 'host',
  help: 'node information',
  desc: 'Returns basic information about the node.',
  opts: [],
  async run(sh) {
    let host: HostInfo;
    try {
      host = await sh.api.hostInfo();
    } catch (error) {
      throw failed('failed to get node information', error);
    }
    sh.print(formatNodeinfo(host));
  },
};

/** nodememstats' `%-7s: %20llu KiB` lines: host RAM for guests; no page cache or buffers here. */
export function formatNodememstats(host: HostInfo): string {
  const line = (field: string, kib: number) =>
    `${field.padEnd(7)}: ${String(kib).padStart(20)} KiB\n`;
  return (
    line('total', host.ramMiB * 1024) +
    line('free', host.ramMiB * 1024 - host.usedKiB - host.overheadKiB) +
    line('buffers', 0) +
    line('cached', 0)
  );
}

const nodememstats: CommandDef = {
  name: 'nodememstats',
  group: 'host',
  help: 'Prints memory stats of the node.',
  desc: 'Returns memory stats of the node, in kilobytes.',
  opts: [{ name: 'cell', type: 'int', help: 'prints specified cell statistics only.' }],
  async run(sh, args) {
    const cell = args.int('cell');
    if (cell !== undefined && cell !== 0 && cell !== -1) {
      throw failed(
        'Unable to get number of memory stats',
        new VshError('invalid argument: Invalid cell number'),
      );
    }
    try {
      sh.print(formatNodememstats(await sh.api.hostInfo()));
    } catch (error) {
      throw reported(error);
    }
  },
};

/**
 * node-memory-tune's parameters: ksmd's knobs and statistics under their
 * virNodeMemoryParameter names, in libvirt's order. There is one NUMA node,
 * so merge_across_nodes is 1 (Linux's default) and cannot change anything.
 */
export function formatMemoryTune(ksm: KsmInfo): string {
  const params: [string, number][] = [
    ['shm_pages_to_scan', ksm.knobs.pages_to_scan],
    ['shm_sleep_millisecs', ksm.knobs.sleep_millisecs],
    ['shm_pages_shared', ksm.stats.pages_shared],
    ['shm_pages_sharing', ksm.stats.pages_sharing],
    ['shm_pages_unshared', ksm.stats.pages_unshared],
    ['shm_pages_volatile', ksm.stats.pages_volatile],
    ['shm_full_scans', ksm.stats.full_scans],
    ['shm_merge_across_nodes', 1],
  ];
  return 'Shared memory:\n' + params.map(([k, v]) => `\t${k.padEnd(15)} ${v}\n`).join('');
}

const nodeMemoryTune: CommandDef = {
  name: 'node-memory-tune',
  group: 'host',
  help: 'Get or set node memory parameters',
  desc:
    'Get or set node memory parameters\n' +
    '    To get the memory parameters, use following command: \n\n' +
    '    virsh # node-memory-tune',
  opts: [
    {
      name: 'shm-pages-to-scan',
      type: 'int',
      help: 'number of pages to scan before the shared memory service goes to sleep',
    },
    {
      name: 'shm-sleep-millisecs',
      type: 'int',
      help: 'number of millisecs the shared memory service should sleep before next scan',
    },
    {
      name: 'shm-merge-across-nodes',
      type: 'int',
      help: 'Specifies if pages from different numa nodes can be merged',
    },
  ],
  async run(sh, args) {
    const knobs: Partial<KsmKnobs> = {};
    const pages = args.uint('shm-pages-to-scan');
    const sleep = args.uint('shm-sleep-millisecs');
    const merge = args.uint('shm-merge-across-nodes');
    if (pages !== undefined) knobs.pages_to_scan = pages;
    if (sleep !== undefined) knobs.sleep_millisecs = sleep;
    if (pages === undefined && sleep === undefined && merge === undefined) {
      try {
        sh.print(formatMemoryTune(await sh.api.ksm()));
      } catch (error) {
        throw failed('Unable to get memory parameters', error);
      }
      return;
    }
    try {
      if (merge !== undefined && merge !== 1) {
        throw new VshError(
          'Operation not supported: the host has one NUMA node; shm_merge_across_nodes stays 1',
        );
      }
      if (Object.keys(knobs).length) await sh.api.setKsm(knobs);
    } catch (error) {
      throw failed('Unable to change memory parameters', error);
    }
  },
};

const version: CommandDef = {
  name: 'version',
  group: 'host',
  help: 'show version',
  desc: 'Display the system version information.',
  opts: [{ name: 'daemon', type: 'bool', help: 'report daemon version too' }],
  async run(sh, args) {
    sh.print(`Compiled against library: virtlab ${VIRTLAB_VERSION}\n`);
    sh.print(`Using library: virtlab ${VIRTLAB_VERSION}\n`);
    sh.print(`Using API: VirtLab ${VIRTLAB_VERSION}\n`);
    sh.print(`Running hypervisor: VirtLab ${VIRTLAB_VERSION}\n`);
    if (args.has('daemon')) sh.print(`Running against daemon: ${VIRTLAB_VERSION}\n`);
  },
};

const uri: CommandDef = {
  name: 'uri',
  group: 'host',
  help: 'print the hypervisor canonical URI',
  desc: '',
  opts: [],
  async run(sh) {
    sh.print(`${sh.uri}\n`);
  },
};

export const HOST_COMMANDS: CommandDef[] = [nodeMemoryTune, nodeinfo, nodememstats, uri, version];
