import { describe, expect, it } from 'vitest';
import { formatCpulist, parseCpulist } from './cpulist';

describe('cpulist', () => {
  it('parses CPUs, ranges and exclusions', () => {
    expect(parseCpulist('0', 4)).toBe(0b1);
    expect(parseCpulist('0-3,^2', 4)).toBe(0b1011);
    expect(parseCpulist(' 1, 3 ', 4)).toBe(0b1010);
  });

  it('refuses bad syntax and pCPUs the host lacks', () => {
    expect(() => parseCpulist('', 4)).toThrow(/empty/);
    expect(() => parseCpulist('a', 4)).toThrow(/cannot parse/);
    expect(() => parseCpulist('3-1', 4)).toThrow(/backwards/);
    expect(() => parseCpulist('4', 4)).toThrow(/has 4 pCPU/);
    expect(() => parseCpulist('0,^0', 4)).toThrow(/names no pCPU/);
  });

  it('formats masks back', () => {
    expect(formatCpulist(0b1011, 4)).toBe('0-1,3');
    expect(formatCpulist(-1, 3)).toBe('0-2');
  });
});
