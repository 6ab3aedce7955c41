import type {
  ControlApi,
  DomainDef,
  DomainState,
  DomainSummary,
  SnapshotInfo,
  StateReason,
} from '../control-api';
import { VirtError } from '../errors';
import type { FakeDomain } from './fake-api';

export type MobilityCalls =
  | 'save'
  | 'restore'
  | 'saveImageXml'
  | 'managedSave'
  | 'managedSaveRemove'
  | 'hasManagedSave'
  | 'snapshotCreate'
  | 'snapshotList'
  | 'snapshotInfo'
  | 'snapshotDef'
  | 'snapshotSave'
  | 'snapshotRevert'
  | 'snapshotDelete'
  | 'clone';

export interface FakeHooks {
  get(name: string): FakeDomain;
  require(d: FakeDomain, states: DomainState[], action: string): void;
  set(d: FakeDomain, state: DomainState, reason: StateReason): void;
  summary(d: FakeDomain): DomainSummary;
  add(def: Partial<DomainDef> & { name: string }, state: DomainState): unknown;
  nextId(): number;
  calls: string[];
}

/**
 * The fake API's save, snapshot and clone calls: the real state rules
 * (what each needs the domain to be, what it leaves it as) and errors,
 * with snapshots as records and creation times from a fixed clock, so
 * virsh's output is stable in unit tests.
 */
export function fakeMobility(h: FakeHooks): Pick<ControlApi, MobilityCalls> {
  const snaps = new Map<
    string,
    Map<string, SnapshotInfo & { def: DomainDef & { uuid: string } }>
  >();
  const current = new Map<string, string>();
  const managed = new Set<string>();
  let clock = 1_767_225_600; // 2026-01-01 00:00:00 UTC
  const of = (name: string) => {
    h.get(name);
    let m = snaps.get(name);
    if (!m) snaps.set(name, (m = new Map()));
    return m;
  };
  const find = (name: string, snapshot: string) => {
    const s = of(name).get(snapshot);
    if (!s)
      throw new VirtError(
        'no-snapshot',
        `Domain snapshot not found: no domain snapshot with matching name '${snapshot}'`,
      );
    return s;
  };
  const info = (name: string, s: SnapshotInfo): SnapshotInfo => {
    const all = [...of(name).values()];
    const children = all.filter((c) => c.parent === s.name).length;
    let descendants = 0;
    const walk = (p: string) =>
      all.filter((c) => c.parent === p).forEach((c) => (descendants++, walk(c.name)));
    walk(s.name);
    const { def: _def, ...plain } = s as SnapshotInfo & { def?: unknown };
    return { ...plain, current: current.get(name) === s.name, children, descendants };
  };
  const MAGIC = 'FakeVirtLabSave ';
  const imageName = (image: Uint8Array) => {
    const text = new TextDecoder().decode(image);
    if (!text.startsWith(MAGIC))
      throw new VirtError('invalid-arg', 'not a VirtLab save image (wrong magic)');
    return text.slice(MAGIC.length);
  };
  return {
    save: async (name, options) => {
      const d = h.get(name);
      h.require(d, ['running', 'paused'], 'save');
      h.calls.push(`save ${name}${options?.paused ? ' paused' : ''}`);
      h.set(d, 'shut off', 'saved');
      return new TextEncoder().encode(MAGIC + name);
    },
    restore: async (image, options) => {
      const name = imageName(image);
      const d = h.get(name);
      if (d.id !== null)
        throw new VirtError(
          'operation-invalid',
          `Requested operation is not valid: domain '${name}' is already active`,
        );
      h.calls.push(`restore ${name}`);
      d.id = h.nextId();
      h.set(d, options?.paused ? 'paused' : 'running', options?.paused ? 'user' : 'restored');
      return h.summary(d);
    },
    saveImageXml: async (image) => {
      const name = imageName(image);
      return `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${h.get(name).def.uuid}</uuid>\n</domain>\n`;
    },
    managedSave: async (name, options) => {
      const d = h.get(name);
      h.require(d, ['running', 'paused'], 'save');
      if (!d.persistent)
        throw new VirtError(
          'operation-invalid',
          'Requested operation is not valid: cannot do managed save for transient domain',
        );
      h.calls.push(`managedSave ${name}${options?.paused ? ' paused' : ''}`);
      managed.add(name);
      h.set(d, 'shut off', 'saved');
    },
    managedSaveRemove: async (name) => {
      h.get(name);
      h.calls.push(`managedSaveRemove ${name}`);
      return managed.delete(name);
    },
    hasManagedSave: async (name) => (h.get(name), managed.has(name)),
    snapshotCreate: async (name, options = {}) => {
      const d = h.get(name);
      const snapName = options.name ?? String(clock);
      if (of(name).has(snapName))
        throw new VirtError(
          'operation-invalid',
          `Requested operation is not valid: domain snapshot '${snapName}' already exists`,
        );
      h.calls.push(`snapshotCreate ${name} ${snapName}`);
      const s = {
        name: snapName,
        ...(options.description ? { description: options.description } : {}),
        creationTime: clock++,
        state: d.state === 'running' ? 'running' : d.state === 'paused' ? 'paused' : 'shutoff',
        ...(current.get(name) ? { parent: current.get(name) } : {}),
        current: true,
        children: 0,
        descendants: 0,
        memoryPages: d.state === 'shut off' ? 0 : 4096,
        def: { ...d.def },
      } as SnapshotInfo & { def: DomainDef & { uuid: string } };
      of(name).set(snapName, s);
      current.set(name, snapName);
      if (options.halt && d.state !== 'shut off') h.set(d, 'shut off', 'from snapshot');
      return info(name, s);
    },
    snapshotList: async (name) => [...of(name).values()].map((s) => info(name, s)),
    snapshotInfo: async (name, snapshot) => info(name, find(name, snapshot)),
    snapshotDef: async (name, snapshot) => {
      const s = find(name, snapshot);
      return { snapshot: info(name, s), def: { ...s.def } };
    },
    snapshotSave: async (name, snapshot) => {
      const s = find(name, snapshot);
      if (s.state === 'shutoff')
        throw new VirtError(
          'operation-invalid',
          `Requested operation is not valid: snapshot '${snapshot}' was taken while the domain was shut off, so it holds no machine state or memory to save`,
        );
      h.calls.push(`snapshotSave ${name} ${snapshot}`);
      return new TextEncoder().encode(MAGIC + name);
    },
    snapshotRevert: async (name, snapshot, options = {}) => {
      const d = h.get(name);
      const s = find(name, snapshot);
      h.calls.push(`snapshotRevert ${name} ${snapshot}`);
      current.set(name, snapshot);
      const state: DomainState = options.paused
        ? 'paused'
        : options.running
          ? 'running'
          : s.state === 'shutoff'
            ? 'shut off'
            : s.state === 'paused'
              ? 'paused'
              : 'running';
      if (state !== 'shut off' && d.id === null) d.id = h.nextId();
      h.set(d, state, 'from snapshot');
    },
    snapshotDelete: async (name, snapshot, options = {}) => {
      const s = find(name, snapshot);
      const m = of(name);
      const gone = [s.name];
      if (options.children) {
        const walk = (p: string) =>
          [...m.values()]
            .filter((c) => c.parent === p)
            .forEach((c) => (gone.push(c.name), walk(c.name)));
        walk(s.name);
      } else {
        for (const c of m.values()) if (c.parent === s.name) c.parent = s.parent;
      }
      for (const n of gone) {
        m.delete(n);
        if (current.get(name) === n) {
          if (s.parent) current.set(name, s.parent);
          else current.delete(name);
        }
      }
      h.calls.push(`snapshotDelete ${name} ${gone.join(',')}`);
      return gone;
    },
    clone: async (source, options) => {
      const d = h.get(source);
      h.calls.push(`clone ${source} ${options.name}`);
      const { uuid: _uuid, ...def } = d.def;
      h.add({ ...def, name: options.name }, d.state === 'shut off' ? 'shut off' : 'running');
      return h.summary(h.get(options.name));
    },
  };
}
