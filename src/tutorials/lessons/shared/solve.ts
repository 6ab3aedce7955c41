import type { LessonActions, LessonWorld } from '../../lesson';
import { consoleSince, SHELL_PROMPT } from '../../world';

/**
 * What several lessons' solutions share: bring a domain up the way a
 * learner would (virt-install if it does not exist, start if it is off),
 * then wait for its shell.
 */

/** vm1 as the page defines it at load (ui/host.svelte.ts FIRST_DOMAIN), as a virt-install line. */
export const VM1_INSTALL = '--memory 64 --memballoon virtio,autodeflate=on,stats.period=2';

const PROMPT_ANYWHERE = /root@virtlab:[^\n#]*# /;

/** True once `name`'s console shows a prompt written after `from` characters. */
export function promptSince(w: LessonWorld, name: string, from: number): boolean {
  return PROMPT_ANYWHERE.test(consoleSince(w, name, from));
}

/** True while the domain's shell waits for a command (its console ends with a prompt). */
export function idleShell(w: LessonWorld, name: string): boolean {
  return SHELL_PROMPT.test(w.console(name));
}

/**
 * Makes `name` run and waits for its shell: `virt-install --name NAME
 * INSTALL --noautoconsole` when it does not exist, `start` when it is shut
 * off or crashed, `resume` when paused.
 */
export async function ensureRunning(
  a: LessonActions,
  name: string,
  install: string,
): Promise<void> {
  const d = a.world().domains.find((x) => x.name === name);
  if (d?.state === 'running') {
    await a.until((w) => PROMPT_ANYWHERE.test(w.console(name)), 120_000, `${name} to boot`);
    return;
  }
  const from = a.world().console(name).length;
  if (!d) await a.runVirsh(`virt-install --name ${name} ${install} --noautoconsole`);
  else if (d.state === 'paused') await a.runVirsh(`resume ${name}`);
  else await a.runVirsh(`start ${name}`);
  if (d?.state === 'paused') return;
  await a.until((w) => promptSince(w, name, from), 120_000, `${name} to boot`);
}

/** Runs `line` in the guest and waits until its output after this call matches `done`. */
export async function typeAndWait(
  a: LessonActions,
  name: string,
  line: string,
  done: RegExp,
  ms: number,
  what: string,
): Promise<void> {
  const from = a.world().console(name).length;
  await a.typeInConsole(name, line);
  await a.until((w) => done.test(consoleSince(w, name, from)), ms, what);
}

/** `virsh define FILE` unless `name` exists, then waits until the page's domain list shows it. */
export async function defineFrom(a: LessonActions, file: string, name: string): Promise<void> {
  if (a.world().domains.some((d) => d.name === name)) return;
  await a.runVirsh(`define ${file}`);
  await a.until((w) => w.domains.some((d) => d.name === name), 10_000, `${name} to be defined`);
}
