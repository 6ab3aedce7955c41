import type { LessonWorld } from './lesson';

/** Helpers checkpoints share. */

export const SHELL_PROMPT = /root@virtlab:[^\n#]*# $/;

/** Domains running (or paused) now, by name. */
export function running(w: LessonWorld, names?: readonly string[]): string[] {
  const up = w.domains
    .filter((d) => d.state === 'running' || d.state === 'paused')
    .map((d) => d.name);
  return names ? names.filter((n) => up.includes(n)) : up;
}

/** True once the domain's console shows a shell prompt (it finished booting). */
export function atPrompt(w: LessonWorld, name: string): boolean {
  return /root@virtlab:[^\n#]*# /.test(w.console(name));
}

/** The console output written after `from` characters (a baseline taken earlier). */
export function consoleSince(w: LessonWorld, name: string, from: number): string {
  return w.console(name).slice(from);
}

export const MiB = (kib: number) => kib / 1024;
