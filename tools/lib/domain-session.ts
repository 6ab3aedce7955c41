import type { DomainEvent, DomainState, StateReason } from '../../src/manage/control-api';
import type { ControlClient } from './control-client';

export const PROMPT = /root@virtlab:[^\n#]*# $/;

/**
 * One domain's console and lifecycle as a script (or a person at a
 * terminal) sees them, over the control API.
 */
export class DomainSession {
  #output = '';
  #decoder = new TextDecoder();
  #listeners = new Set<(text: string) => void>();
  #stateListeners = new Set<(state: DomainState, reason: StateReason, detail?: string) => void>();
  state: DomainState = 'shut off';
  reason: StateReason = 'defined';
  detail: string | undefined;

  private constructor(
    readonly client: ControlClient,
    readonly name: string,
  ) {}

  /** Attaches to domain `name`'s events (call before starting it, so no output is missed). */
  static async attach(client: ControlClient, name: string): Promise<DomainSession> {
    const session = new DomainSession(client, name);
    await client.on((event) => session.#onEvent(event), name);
    return session;
  }

  #onEvent(event: DomainEvent): void {
    if (event.domain !== this.name) return;
    if (event.kind === 'console') {
      const text = this.#decoder.decode(event.bytes, { stream: true });
      this.#output += text;
      for (const l of this.#listeners) l(text);
    } else if (event.kind === 'lifecycle') {
      this.state = event.state;
      this.reason = event.reason;
      this.detail = event.detail;
      for (const l of [...this.#stateListeners]) l(event.state, event.reason, event.detail);
    }
  }

  get output(): string {
    return this.#output;
  }

  onOutput(listener: (text: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  type(text: string | Uint8Array): Promise<void> {
    return this.client.api.consoleWrite(this.name, text);
  }

  /** Resolves when the domain reaches a state matching `test`. */
  waitForState(
    test: (state: DomainState, reason: StateReason) => boolean,
    timeoutMs = 60_000,
  ): Promise<void> {
    if (test(this.state, this.reason)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#stateListeners.delete(check);
        reject(
          new Error(
            `timed out waiting for a state change of ${this.name} (now ${this.state}, ${this.reason})`,
          ),
        );
      }, timeoutMs);
      const check = (state: DomainState, reason: StateReason) => {
        if (!test(state, reason)) return;
        clearTimeout(timer);
        this.#stateListeners.delete(check);
        resolve();
      };
      this.#stateListeners.add(check);
    });
  }

  /**
   * Resolves when the console output (from `from` on) matches `pattern`;
   * rejects if the domain stops (a state event arrives) while waiting.
   */
  waitFor(
    pattern: RegExp,
    from = 0,
    timeoutMs = 60_000,
  ): Promise<{ index: number; match: RegExpMatchArray }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.#output.slice(from).match(pattern);
        if (match) {
          done();
          resolve({ index: from + (match.index ?? 0), match });
        }
      };
      const stopped = (state: DomainState, reason: StateReason, detail?: string) => {
        if (state === 'running' || state === 'paused') return;
        done();
        reject(
          new Error(
            `${this.name} is ${state} (${reason}${detail ? `: ${detail}` : ''}) while waiting for ${pattern}; last output:\n${this.#output.slice(-800)}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out waiting for ${pattern} on the console of ${this.name}; last output:\n${this.#output.slice(-800)}`,
          ),
        );
      }, timeoutMs);
      const off = this.onOutput(check);
      this.#stateListeners.add(stopped);
      const done = () => {
        clearTimeout(timer);
        off();
        this.#stateListeners.delete(stopped);
      };
      check();
    });
  }

  /** Waits for the shell prompt, runs `line`, returns what it printed (without echo and prompt). */
  async exec(line: string, timeoutMs = 120_000): Promise<string> {
    const ready = await this.waitFor(PROMPT, 0, timeoutMs);
    const start = ready.index + ready.match[0].length;
    await this.type(line + '\n');
    const after = await this.waitFor(PROMPT, start, timeoutMs);
    const text = this.#output.slice(start, after.index).replace(/\r\n/g, '\n');
    const nl = text.indexOf('\n');
    return nl >= 0 ? text.slice(nl + 1) : '';
  }
}
