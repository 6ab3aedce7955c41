import type { DomainEvent } from '../control-api';

/** The guest shell's prompt (tools/guest/userland): "root@virtlab:/path# " at the end of the output. */
export const SHELL_PROMPT = /root@virtlab:[^\n#]*# $/;

export interface GuestExecDeps {
  consoleWrite(domain: string, data: string): Promise<void>;
  subscribe(listener: (event: DomainEvent) => void, domain: string): Promise<number>;
  unsubscribe(id: number): Promise<void>;
}

/** Why exec gave up. */
export class GuestExecError extends Error {
  override name = 'GuestExecError';
}

/** The domain's console output from the moment of subscription, with waits on it. */
class ConsoleTap {
  text = '';
  stopped: string | undefined;
  readonly #decoder = new TextDecoder();
  readonly #wake = new Set<() => void>();

  onEvent(event: DomainEvent): void {
    if (event.kind === 'console') {
      this.text += this.#decoder.decode(event.bytes, { stream: true });
    } else if (
      event.kind === 'lifecycle' &&
      event.state !== 'running' &&
      event.state !== 'paused'
    ) {
      this.stopped = `${event.state} (${event.reason})`;
    }
    for (const wake of [...this.#wake]) wake();
  }

  /** Resolves true once `test` holds, false at `deadline` (ms, Date.now()); rejects if the domain stops. */
  until(test: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.stopped) {
          done();
          reject(new GuestExecError(`the domain stopped: ${this.stopped}`));
        } else if (test()) {
          done();
          resolve(true);
        }
      };
      const timer = setTimeout(
        () => {
          done();
          resolve(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      const done = () => {
        clearTimeout(timer);
        this.#wake.delete(check);
      };
      this.#wake.add(check);
      check();
    });
  }

  /** True if nothing arrives for `ms` and the output still ends with the prompt. */
  async quietAtPrompt(ms: number): Promise<boolean> {
    const length = this.text.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.text.length === length && SHELL_PROMPT.test(this.text);
  }
}

/**
 * Ours (virsh has no such command): types `line` into the domain's serial
 * console and returns what the command printed, without the echo of the
 * line and the next prompt. First it makes sure the shell is idle at its
 * prompt: it presses Enter until a prompt ends the output and nothing more
 * arrives for a moment, so a guest still booting is waited for. Throws
 * GuestExecError on timeout or if the domain stops.
 */
export async function guestExec(
  deps: GuestExecDeps,
  domain: string,
  line: string,
  timeoutMs: number,
): Promise<string> {
  checkExecLine(line);
  const tap = new ConsoleTap();
  const id = await deps.subscribe((event) => tap.onEvent(event), domain);
  const deadline = Date.now() + timeoutMs;
  const timedOut = () =>
    new GuestExecError(
      `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the shell prompt on the console of '${domain}'`,
    );
  try {
    for (;;) {
      const mark = tap.text.length;
      await deps.consoleWrite(domain, '\n');
      const prompt = await tap.until(
        () => SHELL_PROMPT.test(tap.text.slice(mark)),
        Math.min(deadline, Date.now() + 2000),
      );
      if (prompt && (await tap.quietAtPrompt(250))) break;
      if (Date.now() >= deadline) throw timedOut();
    }
    const mark = tap.text.length;
    await deps.consoleWrite(domain, line + '\n');
    if (!(await tap.until(() => SHELL_PROMPT.test(tap.text.slice(mark)), deadline))) {
      // Interrupt the command (Ctrl-C to the foreground job), so the shell is free for the next exec.
      await deps.consoleWrite(domain, '\x03').catch(() => undefined);
      throw timedOut();
    }
    const after = tap.text.slice(mark);
    const output = after.slice(0, after.search(SHELL_PROMPT)).replace(/\r\n/g, '\n');
    const nl = output.indexOf('\n');
    return nl >= 0 ? output.slice(nl + 1) : '';
  } finally {
    await deps.unsubscribe(id);
  }
}

/** The guest shell's line buffer holds 511 characters (tools/guest/userland/sh-edit.c, LINE_MAX_). */
export const EXEC_LINE_MAX = 511;

/**
 * exec types one line: a control character would act as a key (Ctrl-C,
 * Enter, Tab completion) and a line the shell cannot hold would be cut, so
 * both are refused, nothing typed.
 */
export function checkExecLine(line: string): void {
  const control = /[\x00-\x1f\x7f]/.exec(line);
  if (control)
    throw new GuestExecError(
      `the command line contains the control character 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at ${control.index + 1}; exec types one line (use console for keys)`,
    );
  const length = new TextEncoder().encode(line).length;
  if (length > EXEC_LINE_MAX)
    throw new GuestExecError(
      `the command line is ${length} bytes, more than the guest shell's ${EXEC_LINE_MAX}`,
    );
}
