import { describe, expect, it } from 'vitest';
import { dtc } from './dtc.test-helper';
import { FdtBuilder } from './fdt';
import { fdtCells, fdtFind, fdtStrings, FdtParseError, parseFdt } from './fdt-parse';

function sample(): Uint8Array {
  const fdt = new FdtBuilder();
  const root = fdt.root;
  root.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'test-board');
  const intc = root
    .node('intc')
    .empty('interrupt-controller')
    .u32('#interrupt-cells', 1)
    .u32('#address-cells', 0);
  root
    .node('dev@1000')
    .strings('compatible', ['vendor,dev', 'generic-dev'])
    .u64s('reg', [0x1000, 0x100])
    .u32('interrupt-parent', intc.phandle())
    .u32s('interrupts', [3, 4])
    .u64('big', 0x1_2345_6789n)
    .bytes('raw', new Uint8Array([1, 2, 3]));
  root.node('other').u32('#size-cells', 0);
  return fdt.build();
}

describe('FdtBuilder', () => {
  it('writes a v17 header with an empty reservation block, big-endian', () => {
    const blob = sample();
    const view = new DataView(blob.buffer);
    expect(view.getUint32(0)).toBe(0xd00dfeed);
    expect(view.getUint32(4)).toBe(blob.length);
    expect(view.getUint32(20)).toBe(17);
    expect(view.getUint32(24)).toBe(16);
    expect(view.getUint32(16) % 8).toBe(0);
    expect(view.getBigUint64(view.getUint32(16))).toBe(0n);
    expect(view.getUint32(8) % 4).toBe(0);
    const { header, reservations } = parseFdt(blob);
    expect(reservations).toEqual([]);
    expect(header.offDtStrings).toBe(header.offDtStruct + header.sizeDtStruct);
  });

  it('round-trips through its own parser', () => {
    const { root } = parseFdt(sample());
    expect(root.name).toBe('');
    expect(root.children.map((c) => c.name)).toEqual(['intc', 'dev@1000', 'other']);
    const dev = fdtFind(root, '/dev@1000')!;
    expect(fdtStrings(dev.props.get('compatible')!)).toEqual(['vendor,dev', 'generic-dev']);
    expect(fdtCells(dev.props.get('reg')!)).toEqual([0, 0x1000, 0, 0x100]);
    expect(fdtCells(dev.props.get('big')!)).toEqual([1, 0x2345_6789]);
    expect(dev.props.get('raw')).toEqual(new Uint8Array([1, 2, 3]));
    const intc = fdtFind(root, '/intc')!;
    expect(intc.props.get('interrupt-controller')!.length).toBe(0);
    expect(fdtCells(intc.props.get('phandle')!)).toEqual([1]);
    expect(fdtCells(dev.props.get('interrupt-parent')!)).toEqual([1]);
  });

  it('decompiles with dtc without warnings, and dtc reproduces it byte for byte', () => {
    const blob = sample();
    const { out, stderr } = dtc(blob, 'dts');
    expect(stderr).toBe('');
    const dts = out.toString();
    expect(dts).toContain('compatible = "vendor,dev\\0generic-dev";');
    expect(dts).toContain('reg = <0x00 0x1000 0x00 0x100>;');
    expect(dts).toContain('raw = [01 02 03];');
    expect(dts).toContain('interrupt-parent = <0x01>;');
    // dtc re-emitting our blob gives identical bytes: same layout, same strings dedup.
    expect(new Uint8Array(dtc(blob, 'dtb').out)).toEqual(blob);
  });

  it('deduplicates property names, reusing tails of longer names', () => {
    const fdt = new FdtBuilder();
    fdt.root.u32('#size-cells', 1).node('a').u32('size-cells', 1).u32('#size-cells', 2);
    fdt.root.node('b').u32('#size-cells', 3);
    const blob = fdt.build();
    const { header } = parseFdt(blob);
    const strings = new TextDecoder().decode(
      blob.subarray(header.offDtStrings, header.offDtStrings + header.sizeDtStrings),
    );
    expect(strings).toBe('#size-cells\0');
    expect(fdtCells(fdtFind(parseFdt(blob).root, '/a')!.props.get('size-cells')!)).toEqual([1]);
  });

  it('pads names and values to 4 bytes', () => {
    const fdt = new FdtBuilder();
    fdt.root.node('abcde').string('s', 'x');
    const { header } = parseFdt(fdt.build());
    // root: BEGIN + "\0" pad 4; child: BEGIN + "abcde\0" pad 8; PROP 12 + "x\0" pad 4;
    // END_NODE x2; END.
    expect(header.sizeDtStruct).toBe(8 + 12 + 16 + 4 + 4 + 4);
  });

  it('allocates phandles once, in order of first use', () => {
    const fdt = new FdtBuilder();
    const a = fdt.root.node('a');
    const b = fdt.root.node('b');
    expect(b.phandle()).toBe(1);
    expect(a.phandle()).toBe(2);
    expect(b.phandle()).toBe(1);
    const { root } = parseFdt(fdt.build());
    expect(fdtCells(fdtFind(root, '/b')!.props.get('phandle')!)).toEqual([1]);
  });

  it('replaces a property set twice, keeping its position', () => {
    const fdt = new FdtBuilder();
    fdt.root.u32('x', 1).u32('y', 2).u32('x', 3);
    const { root } = parseFdt(fdt.build());
    expect([...root.props.keys()]).toEqual(['x', 'y']);
    expect(fdtCells(root.props.get('x')!)).toEqual([3]);
  });

  it('refuses host mistakes', () => {
    const fdt = new FdtBuilder();
    fdt.root.node('a');
    expect(() => fdt.root.node('a')).toThrow(/already exists/);
    expect(() => fdt.root.node('bad name')).toThrow(RangeError);
    expect(() => fdt.root.u32('p', -1)).toThrow(RangeError);
    expect(() => fdt.root.u32('p', 2 ** 32)).toThrow(RangeError);
    expect(() => fdt.root.u64('p', -1n)).toThrow(RangeError);
    expect(() => fdt.root.string('p', 'a\0b')).toThrow(RangeError);
    expect(() => fdt.root.u32('this-property-name-is-far-too-long', 0)).toThrow(RangeError);
  });

  it('honours boot_cpuid_phys', () => {
    const { header } = parseFdt(new FdtBuilder({ bootCpuidPhys: 3 }).build());
    expect(header.bootCpuidPhys).toBe(3);
  });
});

describe('parseFdt', () => {
  it('rejects malformed blobs', () => {
    const blob = sample();
    expect(() => parseFdt(blob.subarray(0, 20))).toThrow(FdtParseError);
    const badMagic = blob.slice();
    badMagic[0] = 0;
    expect(() => parseFdt(badMagic)).toThrow(/magic/);
    const truncated = blob.slice();
    new DataView(truncated.buffer).setUint32(4, blob.length + 100);
    expect(() => parseFdt(truncated)).toThrow(FdtParseError);
    const badToken = blob.slice();
    const off = parseFdt(blob).header.offDtStruct;
    new DataView(badToken.buffer).setUint32(off, 0x77);
    expect(() => parseFdt(badToken)).toThrow(/unknown token/);
  });
});
