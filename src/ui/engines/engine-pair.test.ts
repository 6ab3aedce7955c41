import { describe, expect, it } from 'vitest';
import type { DomainInfo, DomainSummary, DomainType } from '../../manage/control-api';
import { PAIR, candidates, chosen, speedRatio } from './engine-pair';

function domain(name: string, state: DomainSummary['state']): DomainSummary {
  return { id: null, name, state, reason: 'booted', persistent: true, uuid: name };
}
const infos = (types: Record<string, DomainType>) =>
  Object.fromEntries(
    Object.entries(types).map(([name, type]) => [name, { name, type } as DomainInfo]),
  );

describe('the engines pair', () => {
  it('differs only in its type', () => {
    const { name: _k, type: kt, ...kvm } = PAIR.kvm;
    const { name: _q, type: qt, ...qemu } = PAIR.qemu;
    expect([kt, qt]).toEqual(['kvm', 'qemu']);
    expect(kvm).toEqual(qemu);
  });

  it('offers the domains of each type, running ones and the pair first', () => {
    const domains = [
      domain('vm1', 'running'),
      domain('old', 'shut off'),
      domain('emul', 'running'),
      domain('accel', 'running'),
      domain('other', 'running'),
    ];
    const types = infos({ vm1: 'kvm', old: 'qemu', emul: 'qemu', accel: 'kvm', other: 'qemu' });
    expect(candidates('kvm', domains, types)).toEqual(['accel', 'vm1']);
    expect(candidates('qemu', domains, types)).toEqual(['emul', 'other', 'old']);
    // A domain whose info has not come yet is nobody's candidate.
    expect(candidates('kvm', [domain('new', 'running')], {})).toEqual([]);
  });

  it("keeps the user's pick while it is still there", () => {
    expect(chosen('vm1', ['accel', 'vm1'])).toBe('vm1');
    expect(chosen('gone', ['accel', 'vm1'])).toBe('accel');
    expect(chosen(undefined, [])).toBeUndefined();
  });

  it('compares speeds only while both run something', () => {
    expect(speedRatio(1200, 100)).toBe(12);
    expect(speedRatio(1200, 1)).toBeUndefined();
    expect(speedRatio(0, 0)).toBeUndefined();
  });
});
