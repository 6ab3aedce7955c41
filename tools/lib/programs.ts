/**
 * The programs outside Node that our tests, benchmarks and tools run
 * (registry: tools/programs.json). Tests never spawn a program by bare name:
 * they ask `findProgram`, which either returns its path or throws the same
 * one-line message `npm test` prints up front (tools/check-programs.ts), so
 * a missing tool is never an `ENOENT`.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface ExternalProgram {
  /** The command (looked up on PATH) or an absolute path of a file the tool needs. */
  name: string;
  /** The Debian package that provides it. */
  package: string;
  /** `test`: run by `npm test` or `npm run bench`; `guest-build`: by tools/guest/build.sh. */
  group: 'test' | 'guest-build';
  /** An environment variable that may name the executable instead. */
  env?: string;
  /** Other names the same program goes by. */
  alternatives?: string[];
  usedBy: string;
}

export const PROGRAMS: readonly ExternalProgram[] = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'programs.json'), 'utf8')) as {
    programs: ExternalProgram[];
  }
).programs;

function usable(path: string, executable: boolean): boolean {
  try {
    accessSync(path, executable ? constants.X_OK : constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path of `p`, or undefined when this machine does not have it. */
export function locate(p: ExternalProgram, env = process.env): string | undefined {
  const fromEnv = p.env ? env[p.env] : undefined;
  if (fromEnv) return usable(fromEnv, true) ? fromEnv : undefined;
  for (const name of [p.name, ...(p.alternatives ?? [])]) {
    if (isAbsolute(name)) {
      if (usable(name, name.endsWith('.h') || name.endsWith('.tar.xz') ? false : true)) return name;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (dir && usable(join(dir, name), true)) return join(dir, name);
    }
  }
  return undefined;
}

/** The one line that names missing programs and the Debian packages that provide them. */
export function missingMessage(missing: readonly ExternalProgram[]): string {
  const names = missing
    .map((p) => `${p.name} (Debian package ${p.package}${p.env ? `, or set ${p.env}` : ''})`)
    .join(', ');
  const pkgs = [...new Set(missing.map((p) => p.package))].join(' ');
  return `missing programs: ${names}; install them with: sudo apt-get install -y ${pkgs}`;
}

export class MissingProgramError extends Error {
  override name = 'MissingProgramError';
}

function entry(name: string): ExternalProgram {
  const p = PROGRAMS.find((q) => q.name === name);
  if (!p)
    throw new Error(`${name} is not in tools/programs.json: add it there with its Debian package`);
  return p;
}

/** The path of the registered program `name`; throws the missing-program line when absent. */
export function findProgram(name: string): string {
  const p = entry(name);
  const path = locate(p);
  if (!path) throw new MissingProgramError(missingMessage([p]));
  return path;
}

/** The registered programs of `group` this machine lacks. */
export function missingPrograms(
  group: ExternalProgram['group'],
  env = process.env,
): ExternalProgram[] {
  return PROGRAMS.filter((p) => p.group === group && !locate(p, env));
}
