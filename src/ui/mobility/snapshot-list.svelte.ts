import type { SnapshotInfo } from '../../manage/control-api';
import type { HostSession } from '../host.svelte';

/** How often the list is read again while shown (virsh in the dock can change it). */
const POLL_MS = 2000;

/** A domain's snapshots as the host lists them (snapshotList), read again on demand and every POLL_MS. */
export class SnapshotList {
  items = $state.raw<SnapshotInfo[]>([]);
  loaded = $state(false);
  #timer: ReturnType<typeof setInterval> | undefined;
  #seq = 0;

  constructor(
    readonly host: HostSession,
    readonly domain: string,
  ) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const items = await this.host.call(this.host.api.snapshotList(this.domain));
      // A slower, older answer never overwrites a newer one.
      if (seq === this.#seq) this.items = items;
    } catch {
      // The domain went away: the shell leaves this view.
    }
    this.loaded = true;
  }

  start(): void {
    void this.load();
    this.#timer = setInterval(() => void this.load(), POLL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
