import type { SnapshotInfo } from '../../manage/control-api';

export interface SnapshotRow {
  snapshot: SnapshotInfo;
  /** 0 for a root, 1 for its children, … */
  depth: number;
}

/**
 * Snapshots in tree order, as `virsh snapshot-list --tree` prints them:
 * each root (no parent, or a parent not in the list), then its children
 * depth first, siblings oldest first.
 */
export function snapshotTree(list: readonly SnapshotInfo[]): SnapshotRow[] {
  const names = new Set(list.map((s) => s.name));
  const byAge = [...list].sort(
    (a, b) => a.creationTime - b.creationTime || a.name.localeCompare(b.name),
  );
  const children = new Map<string | undefined, SnapshotInfo[]>();
  for (const s of byAge) {
    const parent = s.parent !== undefined && names.has(s.parent) ? s.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const rows: SnapshotRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      rows.push({ snapshot: s, depth });
      walk(s.name, depth + 1);
    }
  };
  walk(undefined, 0);
  // A cycle (which the host never makes) would leave snapshots unreached: show them as roots.
  for (const s of byAge) if (!seen.has(s.name)) rows.push({ snapshot: s, depth: 0 });
  return rows;
}
