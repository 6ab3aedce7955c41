import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../tools/lib/images';
import {
  MissingProgramError,
  PROGRAMS,
  findProgram,
  missingMessage,
  missingPrograms,
} from '../tools/lib/programs';

/**
 * Every program outside Node that a test, benchmark or tool runs is in
 * tools/programs.json, installed by .ci/run, named in README.md, and found
 * through findProgram (which fails with one clear line, never ENOENT).
 */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'build' || name === 'guest') return [];
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe('external programs', () => {
  it('the registry names each program once, with a Debian package', () => {
    const names = PROGRAMS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PROGRAMS) expect(p.package).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
  });

  it('README.md names every package in one apt-get install line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const lines = readme.split('\n').filter((l) => /apt-get install/.test(l));
    const packages = [...new Set(PROGRAMS.map((p) => p.package))];
    const full = lines.filter((l) => packages.every((pkg) => l.split(/\s+/).includes(pkg)));
    expect(full, `one README line installs: ${packages.join(' ')}`).toHaveLength(1);
  });

  it('.ci/run installs the packages from the registry', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const line = /^packages="([^"]*)"$/m.exec(ci);
    expect(line, '.ci/run names its packages on one packages="…" line').not.toBeNull();
    expect(line![1].split(' ').sort()).toEqual([...new Set(PROGRAMS.map((p) => p.package))].sort());
    expect(ci).toMatch(/apt-get install -y -q \$missing/);
  });

  it('no source spawns a program except through findProgram', () => {
    const call = /(?<![.\w])(spawnSync|spawn|execFileSync|execFile|execSync|exec)\(\s*/g;
    // USER_EDITOR_SHELL runs the user's own $EDITOR (virsh edit), not a program the project needs.
    const allowed =
      /^(findProgram\(|process\.execPath|'npm'|join\(ROOT, 'node_modules', '\.bin', 'tsx'\)|USER_EDITOR_SHELL,)/;
    const bad: string[] = [];
    for (const file of [
      ...sources(join(ROOT, 'src')),
      ...sources(join(ROOT, 'test')),
      ...sources(join(ROOT, 'tools')),
    ]) {
      const text = readFileSync(file, 'utf8');
      if (!/from 'node:child_process'/.test(text)) continue;
      const fromRegistry = new Set(
        [...text.matchAll(/(?:const|let)\s+(\w+)\s*=\s*findProgram\(/g)].map((m) => m[1]),
      );
      for (const m of text.matchAll(call)) {
        const arg = text.slice(m.index + m[0].length, m.index + m[0].length + 80);
        const ident = /^\w+/.exec(arg)?.[0] ?? '';
        if (!allowed.test(arg) && !fromRegistry.has(ident))
          bad.push(`${relative(ROOT, file)}: ${m[1]}(${arg.split('\n')[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a missing program is one line naming it and its package', () => {
    const missing = missingPrograms('test', { PATH: '/nonexistent' });
    expect(missing.map((p) => p.name)).toEqual(
      PROGRAMS.filter((p) => p.group === 'test').map((p) => p.name),
    );
    const line = missingMessage(missing);
    expect(line).not.toContain('\n');
    expect(line).toContain('dtc (Debian package device-tree-compiler)');
    expect(line).toContain('qemu-riscv32 (Debian package qemu-user, or set QEMU_RISCV32)');
    expect(line).toMatch(
      /sudo apt-get install -y device-tree-compiler qemu-user bsdutils chromium coreutils grep bsdextrautils$/,
    );
  });

  it('findProgram throws that line instead of letting a spawn fail with ENOENT', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => findProgram('dtc')).toThrow(MissingProgramError);
      expect(() => findProgram('dtc')).toThrow(
        /^missing programs: dtc \(Debian package device-tree-compiler\)/,
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(() => findProgram('not-registered')).toThrow(/not in tools\/programs\.json/);
  });

  it('the check npm test runs first exits 1 with that line when a program is missing', () => {
    const env = { ...process.env, QEMU_RISCV32: '/nonexistent/qemu-riscv32' };
    const r = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [join(ROOT, 'tools', 'check-programs.ts')],
      { encoding: 'utf8', env },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(missingMessage(PROGRAMS.filter((p) => p.name === 'qemu-riscv32')));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.test.startsWith('tsx tools/check-programs.ts && ')).toBe(true);
  });
});
