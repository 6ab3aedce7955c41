/**
 * Writes a cpio archive in the "newc" format (the initramfs format Linux
 * unpacks; Documentation/driver-api/early-userspace/buffer-format.rst).
 */
export interface CpioEntry {
  path: string;
  /** File contents; a directory when omitted. */
  data?: Uint8Array;
  mode?: number;
}

export function buildCpio(entries: CpioEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const push = (bytes: Uint8Array) => {
    chunks.push(bytes);
    length += bytes.length;
    const pad = (4 - (length % 4)) % 4;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      length += pad;
    }
  };
  const enc = new TextEncoder();
  const header = (ino: number, mode: number, size: number, name: string) => {
    const hex = (v: number) => v.toString(16).padStart(8, '0');
    const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, name.length + 1, 0];
    push(enc.encode('070701' + fields.map(hex).join('') + name + '\0'));
  };
  entries.forEach((entry, i) => {
    const isDir = entry.data === undefined;
    const mode = (isDir ? 0o040000 : 0o100000) | (entry.mode ?? (isDir ? 0o755 : 0o644));
    header(i + 1, mode, entry.data?.length ?? 0, entry.path.replace(/^\/+/, ''));
    if (entry.data) push(entry.data);
  });
  header(0, 0, 0, 'TRAILER!!!');
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
