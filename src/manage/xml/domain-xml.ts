import { quote } from '../quote';
import type { DomainDef, LifecycleAction } from '../control-api';
import { DEFAULT_DOMAIN_TYPE } from '../control-api';
import { VirtError } from '../errors';
import { bytesToKiB, scaledToBytes } from './units';
import { parseXml, serializeXml, xmlElement, type XmlElement } from './xml-parser';

/**
 * libvirt domain XML (docs/formatdomain.rst) to and from DomainDef.
 *
 * Parsing is strict about what it maps and loud about what it cannot: every
 * element or attribute it does not map gives a warning naming its path
 * (nothing is dropped silently), and a semantic error throws DomainXmlError
 * with libvirt's message. Malformed XML throws XmlSyntaxError.
 *
 * The parser returns a canonical DomainDef: values equal to a default are
 * left out (currentMemory = memory, vcpu current = maximum, lifecycle
 * destroy/restart/destroy, a plain virtio balloon, stats period 0, cputune
 * period or quota 0), cpusets are normalized ("1-4,^3,6" → "1-2,4,6"), the
 * uuid is lower case with hyphens. formatDomainXml writes every field, so
 * parseDomainXml(formatDomainXml(def)).def deep-equals any def the parser
 * returns.
 */

/** A semantic error in domain XML; `message` in libvirt's words, with its prefix. */
export class DomainXmlError extends VirtError {
  override name = 'DomainXmlError';
  constructor(message: string) {
    super('invalid-arg', message);
  }
}

const xmlError = (message: string) => new DomainXmlError(`XML error: ${message}`);
const unsupportedConfig = (message: string) =>
  new DomainXmlError(`unsupported configuration: ${message}`);
const invalidArg = (message: string) => new DomainXmlError(`invalid argument: ${message}`);
const invalidAttr = (element: string, attr: string, value: string) =>
  xmlError(`Invalid value for attribute '${attr}' in element '${element}': '${value}'.`);

/** libvirt's virDomainVirtType names: known, but not this host's (kvm, qemu). */
const OTHER_VIRT_TYPES = new Set([
  'none',
  'kqemu',
  'xen',
  'lxc',
  'uml',
  'openvz',
  'test',
  'vmware',
  'hyperv',
  'vbox',
  'phyp',
  'parallels',
  'bhyve',
  'vz',
  'hvf',
]);

/** Lifecycle actions libvirt knows, and the nearest one we run. */
const LIFECYCLE: Record<string, LifecycleAction> = {
  destroy: 'destroy',
  restart: 'restart',
  preserve: 'preserve',
  'rename-restart': 'restart',
  'coredump-destroy': 'destroy',
  'coredump-restart': 'restart',
};
const LIFECYCLE_DEFAULT = { on_poweroff: 'destroy', on_reboot: 'restart', on_crash: 'destroy' };

/** cputune children that exist in libvirt but have no counterpart here, and why. */
const CPUTUNE_UNSUPPORTED: Record<string, string> = {
  global_period: 'bandwidth is capped per vCPU only (period, quota)',
  global_quota: 'bandwidth is capped per vCPU only (period, quota)',
  emulator_period: 'the emulator is a browser worker with no bandwidth control',
  emulator_quota: 'the emulator is a browser worker with no bandwidth control',
  iothread_period: 'there are no iothreads',
  iothread_quota: 'there are no iothreads',
  iothreadpin: 'there are no iothreads',
};

const CPU_REASON = 'the vCPU is always the emulated riscv32 hart';

/** Why common <features> children do nothing here (the riscv 'virt' board has no firmware tables). */
const FEATURE_REASONS: Record<string, string> = {
  acpi: "the 'virt' board describes itself with a device tree, not ACPI",
  apic: 'there is no x86 APIC (the interrupt controller is the PLIC)',
  pae: 'there is no x86 paging (the MMU is Sv32)',
  smm: 'there is no x86 system management mode',
  vmport: 'there is no VMware I/O port',
  hyperv: 'there are no Hyper-V enlightenments',
  kvm: 'there are no KVM paravirtual features for x86',
  gic: 'there is no Arm GIC (the interrupt controller is the PLIC)',
  aia: 'there is no AIA (the interrupt controller is the PLIC)',
};
const QUOTA_MAX = 17592186044415;
const SHARES_MIN = 2;
const SHARES_MAX = 262144;
const CPU_MAX = 16383;

// ------------------------------------------------------------------ parsing

/** Parses libvirt domain XML. Throws XmlSyntaxError (malformed XML) or DomainXmlError. */
export function parseDomainXml(text: string): { def: DomainDef; warnings: string[] } {
  return new DomainXmlReader().read(parseXml(text));
}

type Handler = (reader: DomainXmlReader, el: XmlElement, path: string) => void;

/** What the top-level handlers collect; turned into a canonical DomainDef at the end. */
interface Collected {
  name?: string;
  uuid?: string;
  genid?: string;
  title?: string;
  description?: string;
  /** `<metadata>` as written (serialized back, libvirt keeps it verbatim). */
  metadata?: string;
  memory?: { kib: bigint; shown: string };
  currentMemory?: { kib: bigint; shown: string };
  vcpus?: number;
  vcpusCurrent?: number;
  cpuset?: string;
  vcpupin: Record<number, string>;
  emulatorpin?: string;
  shares?: number;
  periodUs?: number;
  quotaUs?: number;
  mergeable?: false;
  osType: boolean;
  kernelPath?: string;
  bootargs?: string;
  lifecycle: Partial<Record<keyof typeof LIFECYCLE_DEFAULT, LifecycleAction>>;
  balloon?: false | { autodeflate?: true; freePageReporting?: true; statsPeriodS?: number };
  /** serial and console elements seen. */
  ports: { serial: number; console: number };
  /** `<devices>/<disk>` elements seen (ignored: no virtio-blk yet). */
  disks: number;
}

class DomainXmlReader {
  readonly #warnings = new Map<string, number>();
  readonly c: Collected = {
    vcpupin: {},
    lifecycle: {},
    osType: false,
    ports: { serial: 0, console: 0 },
    disks: 0,
  };

  read(root: XmlElement): { def: DomainDef; warnings: string[] } {
    if (root.name !== 'domain')
      throw xmlError(`unexpected root element <${root.name}>, expecting <domain>`);
    const type = root.attrs.get('type');
    if (type === undefined) throw xmlError("Missing required attribute 'type' in element 'domain'");
    if (type !== 'kvm' && type !== 'qemu') {
      if (OTHER_VIRT_TYPES.has(type))
        throw invalidArg(`could not find capabilities for domaintype=${type}`);
      throw invalidAttr('domain', 'type', type);
    }
    this.attrs(root, '<domain>', ['type', 'id'], (name) => /^xmlns(:|$)/.test(name));

    const children = this.children(root, '<domain>');
    const nameEl = children.find((el) => el.name === 'name');
    if (nameEl) DOMAIN.name(this, nameEl, '<name>');
    if (!this.c.name) throw new DomainXmlError('missing name information');
    const seen = new Set<string>(['name']);
    for (const el of children) {
      if (el === nameEl) continue;
      const path = `<${el.name}>`;
      const handler = Object.hasOwn(DOMAIN, el.name) ? DOMAIN[el.name] : undefined;
      if (!handler) this.ignored(path, '', el.name === 'cpu' ? CPU_REASON : '');
      else if (seen.has(el.name)) this.duplicate(path);
      else {
        seen.add(el.name);
        handler(this, el, path);
      }
    }
    const def = this.#finish();
    if (type !== DEFAULT_DOMAIN_TYPE) def.type = type; // the vCPU engine (control-api.ts DomainType)
    return { def, warnings: this.#warningList() };
  }

  warn(message: string): void {
    this.#warnings.set(message, (this.#warnings.get(message) ?? 0) + 1);
  }

  /** The warning for an element (and everything in it) that maps to nothing. */
  ignored(path: string, detail = '', reason = ''): void {
    this.warn(
      `element ${path}${detail && ` ${detail}`} is not supported and was ignored${reason && `: ${reason}`}`,
    );
  }

  duplicate(path: string): void {
    this.warn(`element ${path} appears more than once: only the first was used`);
  }

  /** Warns about every attribute of `el` not in `known`. */
  attrs(
    el: XmlElement,
    path: string,
    known: string[],
    alsoKnown?: (name: string) => boolean,
  ): void {
    for (const name of el.attrs.keys()) {
      if (!known.includes(name) && !alsoKnown?.(name))
        this.warn(`attribute '${name}' of ${path} is not supported and was ignored`);
    }
  }

  /** Element children of a container; stray text in it is warned about. */
  children(el: XmlElement, path: string): XmlElement[] {
    const out: XmlElement[] = [];
    for (const child of el.children) {
      if (typeof child !== 'string') out.push(child);
      else if (xmlTrim(child) !== '')
        this.warn(`text inside ${path} is not supported and was ignored`);
    }
    return out;
  }

  /** Text of a leaf element (no attributes expected unless listed); child elements are warned about. */
  text(el: XmlElement, path: string, attrs: string[] = []): string {
    this.attrs(el, path, attrs);
    let text = '';
    for (const child of el.children) {
      if (typeof child === 'string') text += child;
      else this.ignored(`${path}/<${child.name}>`);
    }
    return text;
  }

  /**
   * A child-element dispatcher for a container: known names go to their
   * handler, once each unless `repeatable`; the rest are warned about.
   */
  dispatch(
    el: XmlElement,
    path: string,
    handlers: Record<string, Handler>,
    repeatable: string[] = [],
  ): void {
    const seen = new Set<string>();
    for (const child of this.children(el, path)) {
      const childPath = `${path}/<${child.name}>`;
      const handler = Object.hasOwn(handlers, child.name) ? handlers[child.name] : undefined;
      if (!handler) this.ignored(childPath);
      else if (seen.has(child.name) && !repeatable.includes(child.name)) this.duplicate(childPath);
      else {
        seen.add(child.name);
        handler(this, child, childPath);
      }
    }
  }

  #warningList(): string[] {
    return [...this.#warnings].map(([message, n]) => (n > 1 ? `${message} (${n} times)` : message));
  }

  #finish(): DomainDef {
    const c = this.c;
    if (!c.memory || c.memory.kib === 0n)
      throw xmlError('Memory size must be specified via <memory> or in the <numa> configuration');
    if (!c.osType) throw xmlError('an os <type> must be specified');
    // The definition keeps <memory> to the KiB (dumpxml writes it back); the
    // guest's RAM is whole MiB, rounded up at start as libvirt's QEMU driver
    // aligns it, silently (qemuDomainAlignMemorySizes). Host limits are
    // checked at start (start-checks.ts).
    const memoryKiB = Number(c.memory.kib);
    const memoryMiB = Math.ceil(memoryKiB / 1024);
    const vcpus = c.vcpus ?? 1;
    if (c.vcpusCurrent !== undefined && c.vcpusCurrent > vcpus)
      throw unsupportedConfig(
        `maxvcpus must not be less than current vcpus (${vcpus} < ${c.vcpusCurrent})`,
      );
    for (const vcpu of Object.keys(c.vcpupin).map(Number)) {
      if (vcpu >= vcpus)
        throw xmlError(`vcpu id '${vcpu}' is out of range of maximum vcpu count ${vcpus}`);
    }
    if (c.kernelPath === undefined && c.disks > 0)
      this.warn(
        'no <os>/<kernel>: the built-in Linux image boots instead of the disk (disks are not attached)',
      );

    const def: DomainDef = { name: c.name!, memoryMiB, vcpus };
    if (memoryMiB * 1024 !== memoryKiB) def.memoryKiB = memoryKiB;
    if (c.uuid !== undefined) def.uuid = c.uuid;
    if (c.genid !== undefined) def.genid = c.genid;
    if (c.title !== undefined) def.title = c.title;
    if (c.description !== undefined) def.description = c.description;
    if (c.metadata !== undefined) def.metadata = c.metadata;
    if (c.vcpusCurrent !== undefined && c.vcpusCurrent < vcpus) def.vcpusCurrent = c.vcpusCurrent;
    if (c.cpuset !== undefined) def.cpuset = c.cpuset;
    if (Object.keys(c.vcpupin).length > 0) def.vcpupin = c.vcpupin;
    if (c.emulatorpin !== undefined) def.emulatorpin = c.emulatorpin;
    if (c.shares !== undefined) def.shares = c.shares;
    if (c.periodUs !== undefined) def.periodUs = c.periodUs;
    if (c.quotaUs !== undefined) def.quotaUs = c.quotaUs;
    if (c.mergeable === false) def.mergeable = false;
    if (c.kernelPath !== undefined) def.kernelPath = c.kernelPath;
    if (c.bootargs !== undefined) def.bootargs = c.bootargs;
    const { on_poweroff, on_reboot, on_crash } = c.lifecycle;
    if (on_poweroff && on_poweroff !== LIFECYCLE_DEFAULT.on_poweroff) def.onPoweroff = on_poweroff;
    if (on_reboot && on_reboot !== LIFECYCLE_DEFAULT.on_reboot) def.onReboot = on_reboot;
    if (on_crash && on_crash !== LIFECYCLE_DEFAULT.on_crash) def.onCrash = on_crash;
    if (c.balloon !== undefined) def.balloon = c.balloon;

    // virDomainDefPostParseMemory: a currentMemory above the maximum (or 0) becomes the maximum.
    const current = c.currentMemory;
    if (current && current.kib > c.memory.kib) {
      this.warn(
        `<currentMemory> of ${current.shown} is more than <memory>: clamped to ${memoryKiB} KiB`,
      );
    } else if (current && current.kib > 0n && current.kib < c.memory.kib) {
      def.currentMemoryKiB = Number(current.kib);
      if (c.balloon === false)
        this.warn(
          `<currentMemory> of ${current.shown} is below <memory> but there is no balloon (memballoon model='none'): the guest gets all of <memory>`,
        );
    }
    return def;
  }
}

/** Trims XML whitespace (§2.3 S) only. */
function xmlTrim(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
}

/** A non-negative decimal integer (libvirt's virStrToLong_ullp), or undefined. */
function wholeNumber(text: string): bigint | undefined {
  const t = xmlTrim(text);
  return /^\+?\d+$/.test(t) ? BigInt(t) : undefined;
}

function safeNumber(value: bigint | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return value !== undefined && value <= BigInt(max) ? Number(value) : undefined;
}

/**
 * A cpuset (libvirt's bitmap syntax: "0-3,^2,6") normalized to ranges in
 * ascending order, exclusions applied last as cpulist.ts does. Throws
 * libvirt's errors for bad syntax or an empty set.
 */
function canonicalCpuset(text: string, element: string): string {
  // Linear in the text plus CPU_MAX: ranges go into a difference array, swept once
  // (an 800 KB cpuset of "0-16383" ranges must not walk every CPU of every range).
  const starts = new Int32Array(CPU_MAX + 2);
  const excluded = new Uint8Array(CPU_MAX + 1);
  for (const part of text.split(',')) {
    const m = /^[ \t\n\r]*(\^)?(\d+)(?:-(\d+))?[ \t\n\r]*$/.exec(part);
    const lo = m ? Number(m[2]) : NaN;
    const hi = m?.[3] !== undefined ? Number(m[3]) : lo;
    if (!m || !(lo <= hi) || hi > CPU_MAX || (m[1] && m[3] !== undefined))
      throw invalidArg(`Failed to parse bitmap '${quote(text)}'`);
    if (m[1]) excluded[lo] = 1;
    else {
      starts[lo]++;
      starts[hi + 1]--;
    }
  }
  const sorted: number[] = [];
  for (let cpu = 0, depth = 0; cpu <= CPU_MAX; cpu++) {
    depth += starts[cpu];
    if (depth > 0 && !excluded[cpu]) sorted.push(cpu);
  }
  if (sorted.length === 0)
    throw xmlError(`Invalid value of 'cpuset' in <${element}>: '${quote(text)}'`);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** `<memory unit='…'>N</memory>` and friends, in KiB rounded up (virDomainParseMemory). */
function scaledMemory(
  reader: DomainXmlReader,
  el: XmlElement,
  path: string,
): { kib: bigint; shown: string } {
  const text = reader.text(el, path, ['unit']);
  const value = wholeNumber(text);
  if (value === undefined) throw xmlError(`could not parse element ./${el.name}[1]`);
  // An empty unit is the default, as in virScaleInteger.
  const unit = el.attrs.get('unit') || 'KiB';
  const bytes = scaledToBytes(value, unit);
  // virScaleInteger's errors (VIR_ERR_INVALID_ARG, VIR_ERR_OVERFLOW).
  if (bytes === undefined) throw invalidArg(`unknown suffix '${quote(unit)}'`);
  const kib = bytesToKiB(bytes);
  if (kib > BigInt(Number.MAX_SAFE_INTEGER))
    throw new DomainXmlError(`numerical overflow: value too large: ${value}${quote(unit)}`);
  const shown = `${value} ${unit}`;
  if (kib * 1024n !== bytes && el.name === 'currentMemory')
    reader.warn(`<currentMemory> of ${shown} rounded up to ${kib} KiB`);
  return { kib, shown };
}

function lifecycle(key: keyof typeof LIFECYCLE_DEFAULT): Handler {
  return (reader, el, path) => {
    const value = xmlTrim(reader.text(el, path));
    const action = Object.hasOwn(LIFECYCLE, value) ? LIFECYCLE[value] : undefined;
    const crashOnly = value.startsWith('coredump-');
    if (action === undefined || (crashOnly && key !== 'on_crash'))
      throw xmlError(`invalid ${key} value: '${value}'`);
    if (action !== value) reader.warn(`${path} '${value}' is not supported: '${action}' is used`);
    reader.c.lifecycle[key] = action;
  };
}

/**
 * A UUID element's text (<uuid>, <genid>) in canonical form: lower case
 * with hyphens, libvirt's virUUIDParse accepting hyphens or spaces between
 * any bytes; undefined when empty.
 */
function uuidText(reader: DomainXmlReader, el: XmlElement, path: string): string | undefined {
  const text = xmlTrim(reader.text(el, path));
  if (text === '') return undefined;
  if (!/^(?:[0-9a-fA-F]{2}[- ]*){15}[0-9a-fA-F]{2}$/.test(text))
    throw xmlError(`malformed ${el.name} element`);
  const hex = text.replace(/[- ]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Top-level elements of <domain> that map to DomainDef (or need a specific warning). */
const DOMAIN: Record<string, Handler> = {
  name(reader, el, path) {
    const name = reader.text(el, path);
    if (name === '') return;
    if (name.includes('/')) throw xmlError(`name ${name} cannot contain '/'`);
    if (name.includes('\n')) throw xmlError('invalid char in name: 0x0a');
    reader.c.name = name;
  },
  uuid(reader, el, path) {
    reader.c.uuid = uuidText(reader, el, path) ?? reader.c.uuid;
  },
  // <genid/> asks for one (generated at define); <genid>UUID</genid> gives it.
  genid(reader, el, path) {
    reader.c.genid = uuidText(reader, el, path) ?? reader.c.genid;
  },
  title(reader, el, path) {
    const title = reader.text(el, path);
    if (title.includes('\n')) throw xmlError("Domain title can't contain newlines");
    if (title !== '') reader.c.title = title;
  },
  description(reader, el, path) {
    const description = reader.text(el, path);
    if (description !== '') reader.c.description = description;
  },
  metadata(reader, el) {
    // libvirt keeps <metadata> as it was written (virDomainDefParseXML stores the node).
    if (el.children.some((c) => typeof c !== 'string'))
      reader.c.metadata = serializeXml({ ...el, attrs: new Map() });
  },
  features(reader, el, path) {
    reader.attrs(el, path, []);
    for (const child of reader.children(el, path))
      reader.ignored(
        `${path}/<${child.name}>`,
        '',
        Object.hasOwn(FEATURE_REASONS, child.name) ? FEATURE_REASONS[child.name] : '',
      );
  },
  clock(reader, el, path) {
    reader.attrs(el, path, ['offset']);
    // The RTC (goldfish) reads the host's UTC clock: offset 'utc' is what it does.
    const offset = el.attrs.get('offset') ?? 'utc';
    if (offset !== 'utc')
      reader.warn(`${path} offset '${offset}' is not supported: the guest's RTC runs in UTC`);
    const timers: string[] = [];
    for (const child of reader.children(el, path)) {
      if (child.name === 'timer') timers.push(`'${quote(child.attrs.get('name') ?? '?')}'`);
      else reader.ignored(`${path}/<${child.name}>`);
    }
    if (timers.length)
      reader.warn(
        `element${timers.length > 1 ? 's' : ''} ${path}/<timer> ${timers.join(', ')} ${timers.length > 1 ? 'are' : 'is'} not supported and ${timers.length > 1 ? 'were' : 'was'} ignored: the guest's timers are the board's CLINT and the SBI timer extension`,
      );
  },
  memory(reader, el, path) {
    reader.c.memory = scaledMemory(reader, el, path);
  },
  currentMemory(reader, el, path) {
    reader.c.currentMemory = scaledMemory(reader, el, path);
  },
  maxMemory(reader, el, path) {
    reader.ignored(path, '', 'memory hotplug is not supported');
  },
  vcpu(reader, el, path) {
    const max = safeNumber(
      wholeNumber(reader.text(el, path, ['placement', 'cpuset', 'current'])),
      2 ** 31 - 1,
    );
    if (max === undefined) throw xmlError('maximum vcpus count must be an integer');
    if (max === 0) throw invalidArg('maximum vcpus count must be at least 1');
    reader.c.vcpus = max;
    const current = el.attrs.get('current');
    if (current !== undefined) {
      const n = safeNumber(wholeNumber(current), 2 ** 31 - 1);
      if (n === undefined || n === 0) throw xmlError('current vcpus count must be an integer');
      reader.c.vcpusCurrent = n;
    }
    const placement = el.attrs.get('placement');
    if (placement === 'auto')
      reader.warn(`${path} placement 'auto' (numad) is not supported: 'static' is used`);
    else if (placement !== undefined && placement !== 'static')
      throw invalidAttr('vcpu', 'placement', placement);
    const cpuset = el.attrs.get('cpuset');
    if (cpuset !== undefined) reader.c.cpuset = canonicalCpuset(cpuset, 'vcpu');
  },
  cputune(reader, el, path) {
    reader.attrs(el, path, []);
    const unsupported: Record<string, Handler> = {};
    for (const [name, reason] of Object.entries(CPUTUNE_UNSUPPORTED))
      unsupported[name] = (r, _child, childPath) => r.ignored(childPath, '', reason);
    reader.dispatch(el, path, { ...CPUTUNE, ...unsupported }, ['vcpupin', 'iothreadpin']);
  },
  memoryBacking(reader, el, path) {
    reader.attrs(el, path, []);
    reader.dispatch(el, path, {
      nosharepages(r, child, childPath) {
        r.text(child, childPath);
        r.c.mergeable = false;
      },
    });
  },
  os(reader, el, path) {
    reader.attrs(el, path, []);
    reader.dispatch(el, path, OS, ['boot']);
  },
  on_poweroff: lifecycle('on_poweroff'),
  on_reboot: lifecycle('on_reboot'),
  on_crash: lifecycle('on_crash'),
  devices(reader, el, path) {
    reader.attrs(el, path, []);
    reader.dispatch(el, path, DEVICES, ['disk', 'interface', 'serial', 'console']);
  },
};

const CPUTUNE: Record<string, Handler> = {
  shares(reader, el, path) {
    const shares = safeNumber(wholeNumber(reader.text(el, path)));
    if (shares === undefined) throw xmlError("can't parse cputune shares value");
    // libvirt stores any value; cgroup v1 clamps cpu.shares to [2, 262144] (MIN/MAX_SHARES).
    const clamped = Math.min(Math.max(shares, SHARES_MIN), SHARES_MAX);
    if (clamped !== shares)
      reader.warn(
        `${path} of ${shares} is outside cpu.shares' range [${SHARES_MIN}, ${SHARES_MAX}]: ${clamped} is used, as the kernel clamps it`,
      );
    reader.c.shares = clamped;
  },
  period(reader, el, path) {
    const period = safeNumber(wholeNumber(reader.text(el, path)));
    if (period === undefined) throw xmlError("can't parse cputune period value");
    if (period !== 0 && (period < 1000 || period > 1_000_000))
      throw unsupportedConfig("Value of cputune 'period' must be in range [1000, 1000000]");
    if (period !== 0) reader.c.periodUs = period;
  },
  quota(reader, el, path) {
    const text = xmlTrim(reader.text(el, path));
    if (!/^[+-]?\d+$/.test(text)) throw xmlError("can't parse cputune quota value");
    const quota = BigInt(text);
    if (quota > 0n && (quota < 1000n || quota > BigInt(QUOTA_MAX)))
      throw unsupportedConfig(
        `Value of cputune 'quota' must be in range [1000, ${QUOTA_MAX}] or less than 0`,
      );
    if (quota !== 0n) reader.c.quotaUs = quota < 0n ? -1 : Number(quota);
  },
  vcpupin(reader, el, path) {
    reader.text(el, path, ['vcpu', 'cpuset']);
    const id = el.attrs.get('vcpu');
    const cpuset = el.attrs.get('cpuset');
    if (id === undefined) throw xmlError('missing vcpu id in vcpupin');
    const vcpu = safeNumber(wholeNumber(id), 2 ** 31 - 1);
    if (vcpu === undefined) throw xmlError('vcpu id must be an unsigned integer');
    if (cpuset === undefined) throw xmlError('missing cpuset for vcpupin');
    if (Object.hasOwn(reader.c.vcpupin, vcpu))
      throw xmlError(`duplicate vcpupin for vcpu '${vcpu}'`);
    reader.c.vcpupin[vcpu] = canonicalCpuset(cpuset, 'vcpupin');
  },
  emulatorpin(reader, el, path) {
    reader.text(el, path, ['cpuset']);
    const cpuset = el.attrs.get('cpuset');
    if (cpuset === undefined) throw xmlError('missing cpuset for emulatorpin');
    reader.c.emulatorpin = canonicalCpuset(cpuset, 'emulatorpin');
  },
};

const OS: Record<string, Handler> = {
  type(reader, el, path) {
    const type = xmlTrim(reader.text(el, path, ['arch', 'machine']));
    if (type !== 'hvm') throw invalidArg(`could not find capabilities for ostype=${type}`);
    const arch = el.attrs.get('arch');
    if (arch === 'riscv64')
      reader.warn(
        `${path} arch 'riscv64' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32), so a riscv64 kernel cannot boot; the built-in or an rv32 <kernel> is needed`,
      );
    else if (arch !== undefined && arch !== 'riscv32')
      reader.warn(
        `${path} arch '${quote(arch)}' is not emulated: the vCPUs are riscv32 (RV32IMAC, Sv32) and run the built-in or an rv32 <kernel>`,
      );
    const machine = el.attrs.get('machine');
    if (machine !== undefined && machine !== 'virt')
      reader.warn(`${path} machine '${machine}' is not emulated: the guest runs on a 'virt' board`);
    reader.c.osType = true;
  },
  kernel(reader, el, path) {
    const kernel = reader.text(el, path);
    if (kernel !== '') reader.c.kernelPath = kernel;
  },
  cmdline(reader, el, path) {
    const cmdline = reader.text(el, path);
    if (cmdline !== '') reader.c.bootargs = cmdline;
  },
  boot(reader, el, path) {
    reader.text(el, path, ['dev']);
    // The kernel is loaded straight into RAM, as QEMU's -kernel: booting from
    // the disk ('hd') is what it stands for, and there is no other device.
    const dev = el.attrs.get('dev');
    if (dev !== undefined && dev !== 'hd')
      reader.warn(`${path} dev '${quote(dev)}' is not supported: the kernel boots directly`);
  },
  initrd(reader, el, path) {
    const initrd = reader.text(el, path);
    reader.ignored(path, `('${initrd}')`, 'initrd path ignored (an initrd is only taken as bytes)');
  },
};

const DEVICES: Record<string, Handler> = {
  emulator(reader, el, path) {
    const emulator = reader.text(el, path);
    reader.ignored(path, `('${xmlTrim(emulator)}')`, 'the emulator is built in');
  },
  disk(reader, el, path) {
    const target = el.children.find(
      (c): c is XmlElement => typeof c !== 'string' && c.name === 'target',
    );
    const dev = target?.attrs.get('dev') ?? '?';
    const device = el.attrs.get('device') ?? 'disk';
    reader.c.disks++;
    reader.ignored(path, `(${device} '${dev}')`, 'there is no virtio-blk device yet');
  },
  interface(reader, el, path) {
    const type = el.attrs.get('type') ?? '?';
    reader.ignored(path, `(type '${type}')`, 'there is no virtio-net device yet');
  },
  serial: oneSerialPort('serial'),
  console: oneSerialPort('console'),
  memballoon(reader, el, path) {
    reader.attrs(el, path, ['model', 'autodeflate', 'freePageReporting']);
    const model = el.attrs.get('model');
    if (model === undefined)
      throw xmlError("Missing required attribute 'model' in element 'memballoon'");
    if (model === 'none') {
      for (const attr of ['autodeflate', 'freePageReporting'])
        if (el.attrs.has(attr))
          reader.warn(`attribute '${attr}' of ${path} is ignored with model 'none'`);
      reader.dispatch(el, path, {});
      reader.c.balloon = false;
      return;
    }
    if (model === 'virtio-transitional' || model === 'virtio-non-transitional')
      reader.warn(`${path} model '${model}' is treated as 'virtio' (virtio-mmio)`);
    else if (model === 'xen')
      throw unsupportedConfig(
        "Memory balloon device type 'xen' is not supported by this version of qemu",
      );
    else if (model !== 'virtio') throw invalidAttr('memballoon', 'model', model);
    const balloon: { autodeflate?: true; freePageReporting?: true; statsPeriodS?: number } = {};
    if (onOff(el, 'autodeflate')) balloon.autodeflate = true;
    if (onOff(el, 'freePageReporting')) balloon.freePageReporting = true;
    reader.dispatch(el, path, {
      stats(r, child, childPath) {
        r.text(child, childPath, ['period']);
        const text = child.attrs.get('period');
        const period = text === undefined ? 0 : safeNumber(wholeNumber(text), 2 ** 31 - 1);
        if (period === undefined) throw xmlError('invalid statistics collection period');
        if (period > 0) balloon.statsPeriodS = period;
      },
    });
    reader.c.balloon = Object.keys(balloon).length > 0 ? balloon : undefined;
  },
};

/** serial and console: the board's one ns16550a is always there; a second port is not. */
function oneSerialPort(kind: 'serial' | 'console'): Handler {
  return (reader, _el, path) => {
    if (reader.c.ports[kind]++ > 0)
      reader.ignored(path, '', 'there is one serial port (ns16550a) and it is already configured');
  };
}

/** An on/off attribute (virTristateSwitch); absent is off. */
function onOff(el: XmlElement, attr: string): boolean {
  const value = el.attrs.get(attr);
  if (value === undefined || value === 'off') return false;
  if (value === 'on') return true;
  throw invalidAttr(el.name, attr, value);
}

// --------------------------------------------------------------- formatting

/**
 * The definition as `virsh dumpxml` prints it (libvirt's element order,
 * two-space indentation, memory in KiB). `live.id` adds the running
 * domain's id; `live.currentMemoryKiB` replaces currentMemory (the balloon
 * target while running).
 */
export function formatDomainXml(
  def: DomainDef & { uuid: string; vcpupin?: Record<number, string> },
  live?: { id: number | null; currentMemoryKiB?: number },
): string {
  const el = xmlElement;
  const text = (
    name: string,
    value: string | number,
    attrs: Record<string, string | number | undefined> = {},
  ) => el(name, attrs, [`${value}`]);
  const children: XmlElement[] = [text('name', def.name), text('uuid', def.uuid)];
  if (def.genid) children.push(text('genid', def.genid));
  if (def.title) children.push(text('title', def.title));
  if (def.description) children.push(text('description', def.description));
  if (def.metadata) children.push(parseXml(def.metadata));
  const memoryKiB = def.memoryKiB ?? def.memoryMiB * 1024;
  children.push(text('memory', memoryKiB, { unit: 'KiB' }));
  const current = live?.currentMemoryKiB ?? def.currentMemoryKiB ?? memoryKiB;
  children.push(text('currentMemory', current, { unit: 'KiB' }));
  if (def.mergeable === false) children.push(el('memoryBacking', {}, [el('nosharepages')]));
  children.push(
    text('vcpu', def.vcpus, {
      placement: 'static',
      cpuset: def.cpuset,
      current:
        def.vcpusCurrent !== undefined && def.vcpusCurrent < def.vcpus
          ? def.vcpusCurrent
          : undefined,
    }),
  );

  const cputune: XmlElement[] = [];
  if (def.shares !== undefined) cputune.push(text('shares', def.shares));
  if (def.periodUs !== undefined) cputune.push(text('period', def.periodUs));
  if (def.quotaUs !== undefined) cputune.push(text('quota', def.quotaUs));
  const pins = Object.entries(def.vcpupin ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  for (const [vcpu, cpuset] of pins) cputune.push(el('vcpupin', { vcpu, cpuset }));
  if (def.emulatorpin !== undefined) cputune.push(el('emulatorpin', { cpuset: def.emulatorpin }));
  if (cputune.length > 0) children.push(el('cputune', {}, cputune));

  const os = [text('type', 'hvm', { arch: 'riscv32', machine: 'virt' })];
  if (def.kernelPath) os.push(text('kernel', def.kernelPath));
  if (def.bootargs) os.push(text('cmdline', def.bootargs));
  children.push(el('os', {}, os));
  children.push(text('on_poweroff', def.onPoweroff ?? LIFECYCLE_DEFAULT.on_poweroff));
  children.push(text('on_reboot', def.onReboot ?? LIFECYCLE_DEFAULT.on_reboot));
  children.push(text('on_crash', def.onCrash ?? LIFECYCLE_DEFAULT.on_crash));

  // How libvirt prints the riscv virt board's 16550a and its console.
  const devices = [
    el('serial', { type: 'pty' }, [
      el('target', { type: 'system-serial', port: 0 }, [el('model', { name: '16550a' })]),
    ]),
    el('console', { type: 'pty' }, [el('target', { type: 'serial', port: 0 })]),
  ];
  if (def.balloon === false) {
    devices.push(el('memballoon', { model: 'none' }));
  } else {
    const b = def.balloon ?? {};
    const stats = b.statsPeriodS ? [el('stats', { period: b.statsPeriodS })] : [];
    devices.push(
      el(
        'memballoon',
        {
          model: 'virtio',
          autodeflate: b.autodeflate ? 'on' : undefined,
          freePageReporting: b.freePageReporting ? 'on' : undefined,
        },
        stats,
      ),
    );
  }
  children.push(el('devices', {}, devices));

  return serializeXml(
    el('domain', { type: def.type ?? DEFAULT_DOMAIN_TYPE, id: live?.id ?? undefined }, children),
  );
}
