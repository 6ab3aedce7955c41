import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../tools/lib/images';

const vm = (...args: string[]) =>
  spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'tools', 'vm.ts'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('npm run vm', () => {
  it("--exec 'uname -a' prints the guest's Linux banner and exits 0", () => {
    const result = vm('--exec', 'uname -a');
    expect(result.stdout).toMatch(/^Linux virtlab 6\.12\.\d+ #1 SMP .* riscv32 Linux\n$/);
    expect(result.status).toBe(0);
  });

  it('exits non-zero with the failing test number of a bare-metal program', () => {
    const result = vm('--elf', join(ROOT, 'test', 'fixtures', 'baremetal-fail.elf'));
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('the program failed test 3');
  });

  it('rejects bad options and unreadable files with a clear message', () => {
    const bad = vm('--smp', '0', '--exec', 'true');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/vCPU count must be 1 to \d+, got 0/);
    const missing = vm('--kernel', '/nonexistent/Image');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no such file/i);
  });

  it('a file that is not a kernel, or /dev/zero, is one line of error, no stack trace', () => {
    const notImage = vm('--kernel', join(ROOT, 'package.json'));
    expect(notImage.status).toBe(1);
    expect(notImage.stderr.trim()).toBe(
      'vm: not a RISC-V Linux Image (no "RSC\\x05" magic at offset 56)',
    );
    const zero = vm('--kernel', '/dev/zero');
    expect(zero.status).toBe(2); // like a missing file: the image could not be read
    expect(zero.stderr.trim()).toBe('vm: /dev/zero: not a regular file');
  });
});
