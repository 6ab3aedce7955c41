import { describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../manage/control-api';
import { snapshotTree } from './snapshot-tree';

const snap = (name: string, creationTime: number, parent?: string): SnapshotInfo => ({
  name,
  creationTime,
  state: 'running',
  ...(parent ? { parent } : {}),
  current: false,
  children: 0,
  descendants: 0,
  memoryPages: 0,
});

describe('snapshotTree', () => {
  it('puts children under their parent, depth first, siblings oldest first', () => {
    const rows = snapshotTree([
      snap('c', 30, 'a'),
      snap('b', 20, 'a'),
      snap('a', 10),
      snap('d', 40, 'b'),
      snap('e', 50),
    ]);
    expect(rows.map((r) => `${r.depth}:${r.snapshot.name}`)).toEqual([
      '0:a',
      '1:b',
      '2:d',
      '1:c',
      '0:e',
    ]);
  });

  it('shows a snapshot whose parent is gone as a root', () => {
    expect(snapshotTree([snap('b', 2, 'gone')]).map((r) => r.depth)).toEqual([0]);
  });

  it('never loses a snapshot, even in a cycle', () => {
    const rows = snapshotTree([snap('a', 1, 'b'), snap('b', 2, 'a')]);
    expect(rows.map((r) => r.snapshot.name).sort()).toEqual(['a', 'b']);
  });

  it('is empty for no snapshots', () => {
    expect(snapshotTree([])).toEqual([]);
  });
});
