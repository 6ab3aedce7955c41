/**
 * libvirt's scaled integers (virScaleInteger, docs/formatdomain.rst
 * "Memory Allocation"): the `unit` of `<memory>` and friends, and virsh's
 * size arguments. Case-insensitive, as libvirt matches them:
 *   b, byte, bytes                  1
 *   k, KiB, m, MiB, … e, EiB        powers of 1024
 *   KB, MB, GB, TB, PB, EB          powers of 1000
 */
export function unitScale(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = u === '' ? 0 : 'kmgtpe'.indexOf(u[0]) + 1;
  if (power === 0) return undefined;
  const rest = u.slice(1);
  const base = rest === '' || rest === 'ib' ? 1024n : rest === 'b' ? 1000n : undefined;
  return base === undefined ? undefined : base ** BigInt(power);
}

/** `value` `unit` in bytes, or undefined for a unit libvirt does not know. */
export function scaledToBytes(value: bigint, unit: string): bigint | undefined {
  const scale = unitScale(unit);
  return scale === undefined ? undefined : value * scale;
}

/** Bytes to KiB, rounded up as libvirt does (VIR_DIV_UP). */
export function bytesToKiB(bytes: bigint): bigint {
  return (bytes + 1023n) / 1024n;
}
