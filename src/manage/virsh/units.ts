/**
 * Number parsing as virsh does it: libvirt's virStrToLong_* (strtol with the
 * whole string consumed) and virScaleInteger (util/virutil.c) for sizes with
 * a unit suffix. Each returns undefined for malformed or out-of-range input;
 * the caller words the error as vsh does.
 */

const INT_MAX = 2 ** 31 - 1;
const UINT_MAX = 2 ** 32 - 1;

/** virStrToLong_i: a decimal int (leading blanks and a sign allowed). */
export function parseInt32(text: string): number | undefined {
  if (!/^\s*[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text.trim());
  return value >= -INT_MAX - 1 && value <= INT_MAX ? value : undefined;
}

/** virStrToLong_uip: a decimal unsigned int; negative numbers are refused. */
export function parseUint32(text: string): number | undefined {
  if (!/^\s*\+?\d+$/.test(text)) return undefined;
  const value = Number(text.trim());
  return value <= UINT_MAX ? value : undefined;
}

/** A decimal unsigned 64-bit value, within JavaScript's exact integers. */
export function parseUint64(text: string): number | undefined {
  if (!/^\s*\+?\d+$/.test(text)) return undefined;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A decimal signed 64-bit value, within JavaScript's exact integers. */
export function parseInt64(text: string): number | undefined {
  if (!/^\s*[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * virScaleInteger over a number with an optional unit: none means `scale`
 * (1024 for virsh's KiB defaults); b/byte/bytes are bytes; k, M, G, T, P, E
 * alone or with "iB" are powers of 1024, with "B" powers of 1000 (so "KB" is
 * 1000). Returns bytes, or undefined if malformed or above `max`.
 */
export function parseScaled(text: string, scale: number, max: number): number | undefined {
  const m = text.match(/^\s*\+?(\d+)(.*)$/);
  if (!m) return undefined;
  const value = Number(m[1]);
  const suffix = m[2];
  let factor: number;
  if (suffix === '') {
    factor = scale;
  } else if (/^(b|bytes?)$/i.test(suffix)) {
    factor = 1;
  } else {
    let base: number;
    if (suffix.length === 1 || suffix.slice(1).toLowerCase() === 'ib') base = 1024;
    else if (suffix.length === 2 && suffix[1].toLowerCase() === 'b') base = 1000;
    else return undefined;
    const power = 'kmgtpe'.indexOf(suffix[0].toLowerCase()) + 1;
    if (power === 0) return undefined;
    factor = base ** power;
  }
  if (value > max / factor) return undefined;
  const bytes = value * factor;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
