/** Number formats shared by the page's panels. */

/** KiB as MiB with one decimal below 100 MiB ("12.5 MiB", "256 MiB"). */
export function mib(kib: number): string {
  const m = kib / 1024;
  return `${m < 100 ? m.toFixed(1) : m.toFixed(0)} MiB`;
}

/** 4 KiB pages as MiB. */
export function pagesMib(pages: number): string {
  return mib(pages * 4);
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thin-space thousands ("12 345"). One formatter: toLocaleString builds one per call. */
export function count(n: number): string {
  return COUNT.format(Math.round(n)).replace(/,/g, '\u2009');
}

/** Bytes, signed, in the largest unit that keeps it readable (general_profit). */
export function bytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (a >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}
