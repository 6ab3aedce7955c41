import { describe, expect, it } from 'vitest';
import { dtc } from './dtc.test-helper';
import { fdtCells, fdtFind, fdtStrings, parseFdt, type ParsedFdtNode } from './fdt-parse';
import { buildVirtFdt, DEFAULT_ISA } from './virt-fdt';
import { plicContext, VIRT } from './virt-board';

const base = { memoryBytes: 256 << 20, harts: 2, bootargs: 'console=ttyS0 earlycon' };

function tree(options = {}): ParsedFdtNode {
  return parseFdt(buildVirtFdt({ ...base, ...options })).root;
}

function node(root: ParsedFdtNode, path: string): ParsedFdtNode {
  const n = fdtFind(root, path);
  if (!n) throw new Error(`no node ${path}`);
  return n;
}

const cells = (n: ParsedFdtNode, p: string): number[] => fdtCells(n.props.get(p)!);
const strs = (n: ParsedFdtNode, p: string): string[] => fdtStrings(n.props.get(p)!);

describe('buildVirtFdt', () => {
  it('decompiles with dtc without errors or warnings and has every node', () => {
    const { out, stderr } = dtc(buildVirtFdt({ ...base, harts: 4 }), 'dts');
    expect(stderr).toBe('');
    const dts = out.toString();
    for (const name of [
      'chosen {',
      'memory@80000000 {',
      'cpus {',
      'cpu@3 {',
      'cpu-map {',
      'soc {',
      'clint@2000000 {',
      'plic@c000000 {',
      'serial@10000000 {',
      'virtio_mmio@10001000 {',
      'virtio_mmio@10008000 {',
      'rtc@101000 {',
      'test@100000 {',
      'pvpanic@102000 {',
      'poweroff {',
      'reboot {',
    ]) {
      expect(dts).toContain(name);
    }
  });

  it('describes the root, chosen and memory', () => {
    const root = tree({
      initrd: { start: 0x8400_0000, end: 0x8410_0000 },
      rngSeed: new Uint8Array([9, 8, 7]),
    });
    expect(cells(root, '#address-cells')).toEqual([2]);
    expect(cells(root, '#size-cells')).toEqual([2]);
    expect(strs(root, 'compatible')).toEqual(['riscv-virtio']);
    expect(strs(root, 'model')).toEqual(['VirtLab riscv-virtio']);
    const chosen = node(root, '/chosen');
    expect(strs(chosen, 'bootargs')).toEqual([base.bootargs]);
    expect(strs(chosen, 'stdout-path')).toEqual(['/soc/serial@10000000']);
    expect(cells(chosen, 'linux,initrd-start')).toEqual([0, 0x8400_0000]);
    expect(cells(chosen, 'linux,initrd-end')).toEqual([0, 0x8410_0000]);
    expect(chosen.props.get('rng-seed')).toEqual(new Uint8Array([9, 8, 7]));
    const mem = node(root, '/memory@80000000');
    expect(strs(mem, 'device_type')).toEqual(['memory']);
    expect(cells(mem, 'reg')).toEqual([0, 0x8000_0000, 0, 256 << 20]);
  });

  it('omits optional chosen properties', () => {
    const chosen = node(tree(), '/chosen');
    expect(chosen.props.has('linux,initrd-start')).toBe(false);
    expect(chosen.props.has('rng-seed')).toBe(false);
  });

  it('describes each hart with its interrupt controller and a cpu-map', () => {
    const root = tree({ harts: 3, isa: 'rv32ima' });
    const cpus = node(root, '/cpus');
    expect(cells(cpus, 'timebase-frequency')).toEqual([10_000_000]);
    expect(cells(cpus, '#address-cells')).toEqual([1]);
    expect(cells(cpus, '#size-cells')).toEqual([0]);
    for (let h = 0; h < 3; h++) {
      const cpu = node(root, `/cpus/cpu@${h}`);
      expect(strs(cpu, 'device_type')).toEqual(['cpu']);
      expect(cells(cpu, 'reg')).toEqual([h]);
      expect(strs(cpu, 'status')).toEqual(['okay']);
      expect(strs(cpu, 'compatible')).toEqual(['riscv']);
      expect(strs(cpu, 'riscv,isa')).toEqual(['rv32ima']);
      expect(strs(cpu, 'mmu-type')).toEqual(['riscv,sv32']);
      const intc = node(cpu, 'interrupt-controller');
      expect(strs(intc, 'compatible')).toEqual(['riscv,cpu-intc']);
      expect(cells(intc, '#interrupt-cells')).toEqual([1]);
      expect(intc.props.has('interrupt-controller')).toBe(true);
      expect(intc.props.has('phandle')).toBe(true);
      const core = node(root, `/cpus/cpu-map/cluster0/core${h}`);
      expect(cells(core, 'cpu')).toEqual(cells(cpu, 'phandle'));
    }
    expect(strs(node(tree(), '/cpus/cpu@0'), 'riscv,isa')).toEqual([DEFAULT_ISA]);
  });

  it('wires CLINT and PLIC to every hart: PLIC context 2h is M, 2h + 1 is S', () => {
    const root = tree({ harts: 2 });
    const intc = (h: number): number =>
      cells(node(root, `/cpus/cpu@${h}/interrupt-controller`), 'phandle')[0];
    const soc = node(root, '/soc');
    expect(strs(soc, 'compatible')).toEqual(['simple-bus']);
    expect(soc.props.get('ranges')!.length).toBe(0);

    const clint = node(root, '/soc/clint@2000000');
    expect(strs(clint, 'compatible')).toEqual(['sifive,clint0', 'riscv,clint0']);
    expect(cells(clint, 'reg')).toEqual([0, VIRT.CLINT.base, 0, VIRT.CLINT.size]);
    expect(cells(clint, 'interrupts-extended')).toEqual([
      intc(0),
      3,
      intc(0),
      7,
      intc(1),
      3,
      intc(1),
      7,
    ]);

    const plic = node(root, '/soc/plic@c000000');
    expect(strs(plic, 'compatible')).toEqual(['sifive,plic-1.0.0', 'riscv,plic0']);
    expect(cells(plic, 'riscv,ndev')).toEqual([VIRT.PLIC.ndev]);
    expect(cells(plic, '#interrupt-cells')).toEqual([1]);
    expect(cells(plic, '#address-cells')).toEqual([0]);
    expect(plic.props.has('interrupt-controller')).toBe(true);
    const ext = cells(plic, 'interrupts-extended');
    // Context n is the n-th (phandle, cause) pair.
    expect(ext.slice(plicContext(1, 'M') * 2, plicContext(1, 'M') * 2 + 2)).toEqual([intc(1), 11]);
    expect(ext.slice(plicContext(1, 'S') * 2, plicContext(1, 'S') * 2 + 2)).toEqual([intc(1), 9]);
    expect(ext).toEqual([intc(0), 11, intc(0), 9, intc(1), 11, intc(1), 9]);
  });

  it('routes device interrupts through the PLIC', () => {
    const root = tree();
    const plic = cells(node(root, '/soc/plic@c000000'), 'phandle');
    const serial = node(root, '/soc/serial@10000000');
    expect(strs(serial, 'compatible')).toEqual(['ns16550a']);
    expect(cells(serial, 'clock-frequency')).toEqual([3_686_400]);
    expect(cells(serial, 'interrupts')).toEqual([10]);
    expect(cells(serial, 'interrupt-parent')).toEqual(plic);
    for (let i = 0; i < 8; i++) {
      const addr = 0x1000_1000 + i * 0x1000;
      const slot = node(root, `/soc/virtio_mmio@${addr.toString(16)}`);
      expect(strs(slot, 'compatible')).toEqual(['virtio,mmio']);
      expect(cells(slot, 'reg')).toEqual([0, addr, 0, 0x1000]);
      expect(cells(slot, 'interrupts')).toEqual([1 + i]);
      expect(cells(slot, 'interrupt-parent')).toEqual(plic);
    }
    const rtc = node(root, '/soc/rtc@101000');
    expect(strs(rtc, 'compatible')).toEqual(['google,goldfish-rtc']);
    expect(cells(rtc, 'interrupts')).toEqual([11]);
    expect(cells(rtc, 'interrupt-parent')).toEqual(plic);
  });

  it('describes the test syscon with poweroff/reboot, and pvpanic', () => {
    const root = tree();
    const test = node(root, '/soc/test@100000');
    expect(strs(test, 'compatible')).toEqual(['sifive,test1', 'sifive,test0', 'syscon']);
    const testPhandle = cells(test, 'phandle');
    const poweroff = node(root, '/poweroff');
    expect(strs(poweroff, 'compatible')).toEqual(['syscon-poweroff']);
    expect(cells(poweroff, 'regmap')).toEqual(testPhandle);
    expect(cells(poweroff, 'offset')).toEqual([0]);
    expect(cells(poweroff, 'value')).toEqual([0x5555]);
    const reboot = node(root, '/reboot');
    expect(strs(reboot, 'compatible')).toEqual(['syscon-reboot']);
    expect(cells(reboot, 'regmap')).toEqual(testPhandle);
    expect(cells(reboot, 'value')).toEqual([0x7777]);
    const pvpanic = node(root, '/soc/pvpanic@102000');
    expect(strs(pvpanic, 'compatible')).toEqual(['qemu,pvpanic-mmio']);
    expect(cells(pvpanic, 'reg')).toEqual([0, 0x10_2000, 0, 2]);
  });

  it('describes the vmgenid: its 16 bytes and its PLIC interrupt', () => {
    const root = tree();
    const vmgenid = node(root, '/soc/vmgenid@103000');
    expect(strs(vmgenid, 'compatible')).toEqual(['microsoft,vmgenid']);
    expect(cells(vmgenid, 'reg')).toEqual([0, 0x10_3000, 0, 0x10]);
    expect(cells(vmgenid, 'interrupts')).toEqual([12]);
  });

  it('gives every phandle a unique value', () => {
    const seen: number[] = [];
    const walk = (n: ParsedFdtNode): void => {
      if (n.props.has('phandle')) seen.push(cells(n, 'phandle')[0]);
      n.children.forEach(walk);
    };
    walk(tree({ harts: 4 }));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(4 * 2 + 2);
  });

  it('refuses impossible configurations', () => {
    expect(() => buildVirtFdt({ ...base, harts: 0 })).toThrow(RangeError);
    expect(() => buildVirtFdt({ ...base, memoryBytes: 0 })).toThrow(RangeError);
    expect(() => buildVirtFdt({ ...base, memoryBytes: 2 ** 31 + 1 })).toThrow(RangeError);
  });
});
