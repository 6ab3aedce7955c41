/**
 * virsh's table printer (libvirt tools/vsh-table.c): every cell is printed as
 * " " + text, and every cell but the last of a row is padded to its column's
 * widest cell plus two; under the header, a line of dashes as wide as the
 * sum of (widest + 3) over the columns. Control characters are shown as
 * \xNN (and count four columns), as vshTableSafeEncode does.
 */
export function formatTable(header: string[], rows: string[][], withHeader = true): string {
  for (const row of rows) {
    if (row.length !== header.length) throw new Error('Incorrect number of cells in a table row');
  }
  const all = [header, ...rows].map((row) => row.map(safeEncode));
  const widths = header.map((_, i) =>
    Math.max(...(withHeader ? all : all.slice(1)).map((row) => row[i].length), 0),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => ` ${cell}${i < row.length - 1 ? pad(widths[i] - cell.length + 2) : ''}`)
      .join('') + '\n';
  let out = '';
  if (withHeader) {
    out += line(all[0]);
    out += '-'.repeat(widths.reduce((sum, w) => sum + w + 3, 0)) + '\n';
  }
  for (const row of all.slice(1)) out += line(row);
  return out;
}

const pad = (n: number) => ' '.repeat(Math.max(0, n));

function safeEncode(text: string): string {
  return text.replace(/\\x|[\x00-\x1f\x7f]/g, (c) =>
    c === '\\x' ? '\\x5cx' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
