/**
 * A strict reader for flattened device trees (Devicetree Specification
 * v0.4 §5), used to validate the blobs we hand a guest and in tests.
 * Malformed input throws `FdtParseError`, never reads out of bounds.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
} from './fdt';

export class FdtParseError extends Error {
  override name = 'FdtParseError';
}

export interface FdtHeader {
  totalSize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

export interface ParsedFdtNode {
  /** Full name including unit address; "" for the root. */
  name: string;
  props: Map<string, Uint8Array>;
  children: ParsedFdtNode[];
}

export interface ParsedFdt {
  header: FdtHeader;
  /** §5.3 memory reservation entries. */
  reservations: { address: bigint; size: bigint }[];
  root: ParsedFdtNode;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseFdt(blob: Uint8Array): ParsedFdt {
  if (blob.length < FDT_HEADER_SIZE) throw new FdtParseError('blob shorter than the header');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const h = (i: number): number => view.getUint32(i * 4);
  if (h(0) !== FDT_MAGIC) throw new FdtParseError(`bad magic 0x${h(0).toString(16)}`);
  const header: FdtHeader = {
    totalSize: h(1),
    offDtStruct: h(2),
    offDtStrings: h(3),
    offMemRsvmap: h(4),
    version: h(5),
    lastCompVersion: h(6),
    bootCpuidPhys: h(7),
    sizeDtStrings: h(8),
    sizeDtStruct: h(9),
  };
  if (header.lastCompVersion > 16 || header.version < 16) {
    throw new FdtParseError(`unsupported version ${header.version}/${header.lastCompVersion}`);
  }
  if (header.totalSize > blob.length) throw new FdtParseError('totalsize exceeds the blob');
  const within = (off: number, size: number, what: string): void => {
    if (off + size > header.totalSize) throw new FdtParseError(`${what} exceeds totalsize`);
  };
  within(header.offDtStruct, header.sizeDtStruct, 'structure block');
  within(header.offDtStrings, header.sizeDtStrings, 'strings block');
  if (header.offDtStruct % 4 !== 0) throw new FdtParseError('structure block misaligned');
  if (header.offMemRsvmap % 8 !== 0) throw new FdtParseError('reservation block misaligned');

  const reservations: ParsedFdt['reservations'] = [];
  for (let off = header.offMemRsvmap; ; off += 16) {
    within(off, 16, 'reservation block');
    const address = view.getBigUint64(off);
    const size = view.getBigUint64(off + 8);
    if (address === 0n && size === 0n) break;
    reservations.push({ address, size });
  }

  const cString = (start: number, end: number, what: string): [string, number] => {
    const nul = blob.indexOf(0, start);
    if (nul < 0 || nul >= end) throw new FdtParseError(`unterminated ${what}`);
    return [utf8.decode(blob.subarray(start, nul)), nul];
  };

  const structEnd = header.offDtStruct + header.sizeDtStruct;
  const stringsEnd = header.offDtStrings + header.sizeDtStrings;
  let at = header.offDtStruct;
  const token = (): number => {
    if (at + 4 > structEnd) throw new FdtParseError('structure block truncated');
    const t = view.getUint32(at);
    at += 4;
    return t;
  };

  const stack: ParsedFdtNode[] = [];
  let root: ParsedFdtNode | undefined;
  for (;;) {
    const t = token();
    if (t === FDT_BEGIN_NODE) {
      const [name, nul] = cString(at, structEnd, 'node name');
      at = (nul + 4) & ~3;
      const node: ParsedFdtNode = { name, props: new Map(), children: [] };
      const parent = stack.at(-1);
      if (parent) parent.children.push(node);
      else if (root) throw new FdtParseError('second root node');
      else root = node;
      stack.push(node);
    } else if (t === FDT_END_NODE) {
      if (!stack.pop()) throw new FdtParseError('FDT_END_NODE without a node');
    } else if (t === FDT_PROP) {
      const node = stack.at(-1);
      if (!node) throw new FdtParseError('property outside a node');
      const len = token();
      const nameOff = token();
      if (at + len > structEnd) throw new FdtParseError('property value truncated');
      if (nameOff >= header.sizeDtStrings) throw new FdtParseError('bad property name offset');
      const [name] = cString(header.offDtStrings + nameOff, stringsEnd, 'property name');
      node.props.set(name, blob.slice(at, at + len));
      at = (at + len + 3) & ~3;
    } else if (t === FDT_NOP) {
      continue;
    } else if (t === FDT_END) {
      break;
    } else {
      throw new FdtParseError(`unknown token 0x${t.toString(16)}`);
    }
  }
  if (!root || stack.length !== 0) throw new FdtParseError('unbalanced nodes');
  return { header, reservations, root };
}

/** The node at an absolute path such as "/soc/serial@10000000". */
export function fdtFind(root: ParsedFdtNode, path: string): ParsedFdtNode | undefined {
  let node: ParsedFdtNode | undefined = root;
  for (const part of path.split('/').filter(Boolean)) {
    node = node.children.find((c) => c.name === part);
    if (!node) return undefined;
  }
  return node;
}

/** A property's value as big-endian u32 cells. */
export function fdtCells(value: Uint8Array): number[] {
  if (value.length % 4 !== 0) throw new FdtParseError('value is not a cell array');
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return Array.from({ length: value.length / 4 }, (_, i) => view.getUint32(i * 4));
}

/** A property's value as a string list (a single string is a list of one). */
export function fdtStrings(value: Uint8Array): string[] {
  if (value.length === 0 || value[value.length - 1] !== 0) {
    throw new FdtParseError('value is not a NUL-terminated string list');
  }
  return utf8.decode(value.subarray(0, -1)).split('\0');
}
