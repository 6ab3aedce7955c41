import { describe, expect, it } from 'vitest';
import { cpulistToSet, parsePinList, affinityString } from './cpumap';
import { formatTable } from './table';
import { parseInt32, parseScaled, parseUint32 } from './units';

describe('formatTable (vsh-table.c)', () => {
  it('pads every cell but the last to its column plus two, dashes Σ(width + 3)', () => {
    const out = formatTable(
      ['Id', 'Name', 'State'],
      [
        ['1', 'ubuntu-1', 'running'],
        ['-', 'debian13', 'shut off'],
      ],
    );
    expect(out).toBe(
      ' Id   Name       State\n' +
        '---------------------------\n' +
        ' 1    ubuntu-1   running\n' +
        ' -    debian13   shut off\n',
    );
  });

  it('prints an empty table as header and dashes, and no header when quiet', () => {
    expect(formatTable(['Id', 'Name', 'State'], [])).toBe(
      ' Id   Name   State\n--------------------\n',
    );
    expect(formatTable(['VCPU', 'CPU Affinity'], [['0', '0-3']], false)).toBe(' 0   0-3\n');
  });

  it('shows control characters as \\xNN', () => {
    expect(formatTable(['A', 'B'], [['a\tb', 'x']])).toBe(
      ' A        B\n-------------\n a\\x09b   x\n',
    );
  });
});

describe('number parsing (virStrToLong, virScaleInteger)', () => {
  it.each([
    ['64', 1024, 65536],
    ['64k', 1024, 65536],
    ['64KiB', 1024, 65536],
    ['64KB', 1024, 64000],
    ['1M', 1024, 1048576],
    ['1MiB', 1024, 1048576],
    ['1G', 1024, 1073741824],
    ['1g', 1024, 1073741824],
    ['512b', 1024, 512],
    ['512bytes', 1024, 512],
  ])('%s (default %d) is %d bytes', (text, scale, bytes) => {
    expect(parseScaled(text, scale, Number.MAX_SAFE_INTEGER)).toBe(bytes);
  });

  it.each(['1X', '1.5G', '-1', 'G', '', '1 M', '1MB2'])('refuses %j', (text) => {
    expect(parseScaled(text, 1024, Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });

  it('refuses values above the limit', () => {
    expect(parseScaled('2', 1, 1)).toBeUndefined();
  });

  it('parses ints like strtol with the whole string consumed', () => {
    expect(parseInt32('-5')).toBe(-5);
    expect(parseInt32(' 7')).toBe(7);
    expect(parseInt32('7x')).toBeUndefined();
    expect(parseInt32('2147483648')).toBeUndefined();
    expect(parseUint32('-1')).toBeUndefined();
    expect(parseUint32('4294967295')).toBe(4294967295);
  });
});

describe('cpulists (virshParseCPUList)', () => {
  it('parses ranges and exclusions', () => {
    expect([...cpulistToSet('0-3,^2')!]).toEqual([0, 1, 3]);
    expect(cpulistToSet('a')).toBeUndefined();
    expect(cpulistToSet('3-1')).toBeUndefined();
  });

  it('normalises, takes r for every CPU, and words the errors as virsh', () => {
    expect(parsePinList('3,0-1', 4)).toBe('0-1,3');
    expect(parsePinList('r', 4)).toBe('0-3');
    expect(() => parsePinList('x', 4)).toThrow("Invalid cpulist 'x'");
    expect(() => parsePinList('', 4)).toThrow("Invalid cpulist ''");
    expect(() => parsePinList('0-4', 4)).toThrow("CPU 4 in cpulist '0-4' exceed the maxcpu 4");
  });

  it('renders affinity as y/- per host CPU, or a pretty cpulist', () => {
    expect(affinityString('0,2', 4, false)).toBe('y-y-');
    expect(affinityString('0-3', 4, true)).toBe('0-3 (out of 4)');
  });
});
