import { expect } from 'vitest';
import { hostNow } from '../../src/hypervisor/host/clock';
import type { DomainDef } from '../../src/manage/control-api';
import type { VirtErrorCode } from '../../src/manage/errors';
import type { ControlClient } from '../../tools/lib/control-client';
import { DomainSession, PROMPT } from '../../tools/lib/domain-session';

export { hostNow, PROMPT };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Kernel command line for the tests: the serial console only. The default
 * adds `earlycon=sbi`, whose boot log can reach the console after the shell
 * prompt (see the console-order test in hypervisor.test.ts), which confuses
 * `exec`.
 */
export const TEST_BOOTARGS = 'console=ttyS0';

/** Defines a domain (32 MiB, 1 vCPU, TEST_BOOTARGS unless told), attaches a session, starts it. */
export async function boot(
  client: ControlClient,
  def: Partial<DomainDef> & { name: string },
): Promise<DomainSession> {
  const session = await DomainSession.attach(client, def.name);
  await client.api.define({ memoryMiB: 32, vcpus: 1, bootargs: TEST_BOOTARGS, ...def });
  await client.api.start(def.name);
  // The lifecycle event comes after start() resolves; waitFor gives up on a domain it thinks is shut off.
  await session.waitForState((state) => state === 'running');
  return session;
}

/** Resolves when the console shows a shell prompt written after `from`. */
export function waitForPrompt(session: DomainSession, from = 0, timeoutMs = 60_000) {
  return session.waitFor(PROMPT, from, timeoutMs);
}

/**
 * Waits until the guest's shell is ready for `exec`: a prompt after `from`,
 * then a quiet console (late boot-log bytes can still arrive after the
 * prompt, see the console-order test), and the output ending with a prompt.
 */
export async function settle(session: DomainSession, from = 0, timeoutMs = 60_000): Promise<void> {
  await waitForPrompt(session, from, timeoutMs);
  let length = -1;
  while (session.output.length !== length) {
    length = session.output.length;
    await sleep(250);
  }
  if (!PROMPT.test(session.output)) {
    await session.type('\n');
    await waitForPrompt(session, length, timeoutMs);
  }
}

/**
 * Starts `spin N` in the background and gives the shell a fresh prompt.
 * Returns the job's pid.
 */
export async function spinInBackground(session: DomainSession, n: number): Promise<number> {
  // Not exec(): the job's "[1] pid", the prompt and "spin: started" may reach the
  // console in one chunk, so the output need not end with the prompt.
  await waitForPrompt(session);
  const from = session.output.length;
  await session.type(`spin ${n} &\n`);
  // The shell's "[job] pid" (as bash prints it) and the job's "spin: started"
  // come in either order.
  await session.waitFor(/spin: started \d+ workers:[^\n]*\n/, from, 30_000);
  const job = await session.waitFor(/\[\d+\] (\d+)\r?\n/, from, 30_000);
  const pid = Number(job.match[1]);
  expect(pid).toBeGreaterThan(0);
  const mark = session.output.length;
  await session.type('\n');
  await waitForPrompt(session, mark);
  return pid;
}

/** The VirtError code an action fails with (fails the test if it succeeds). */
export async function errorCode(action: Promise<unknown>): Promise<VirtErrorCode> {
  try {
    await action;
  } catch (error) {
    expect((error as Error).name).toBe('VirtError');
    return (error as { code: VirtErrorCode }).code;
  }
  throw new Error('expected the action to fail with a VirtError, but it succeeded');
}

/** CPU time (user + system, all threads of this process) in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Awaits `promise`, failing after `ms` with `label` and the session's last console output. */
export async function step<T>(
  label: string,
  promise: Promise<T>,
  session?: DomainSession,
  ms = 20_000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `stuck at "${label}" for ${ms} ms; last console output:\n${session?.output.slice(-600) ?? ''}`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Host memory accounting holds: every host frame in use backs running
 * domains' RAM (backed on first touch; a KSM page backs several).
 */
export async function expectMemoryAccounted(client: ControlClient): Promise<void> {
  // Running guests only ever add frames here, so the sum read in between is bracketed.
  const api = client.api;
  const before = (await api.hostInfo()).usedKiB;
  let rss = 0;
  for (const d of await api.list()) rss += (await api.info(d.name)).rssKiB;
  const after = (await api.hostInfo()).usedKiB;
  // A KSM page is in the rss of every domain that maps it but is one host frame.
  const { pages_sharing } = (await api.ksm()).stats;
  expect(rss).toBeGreaterThanOrEqual(before);
  expect(rss - pages_sharing * 4).toBeLessThanOrEqual(after);
}

/**
 * Starts `command &` in the background and waits until its output matches
 * `ready`, then gives the shell a fresh prompt (the job's own output may come
 * after the prompt, so exec() cannot be used). Returns the match.
 */
export async function runInBackground(
  session: DomainSession,
  command: string,
  ready: RegExp,
): Promise<RegExpMatchArray> {
  await waitForPrompt(session);
  const from = session.output.length;
  await session.type(`${command} &\n`);
  const { match } = await session.waitFor(ready, from, 60_000);
  const mark = session.output.length;
  await session.type('\n');
  await waitForPrompt(session, mark);
  return match;
}
