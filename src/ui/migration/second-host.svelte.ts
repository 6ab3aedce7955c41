import { HostSession } from '../host.svelte';

/** The second host's name (virsh hostname there): what the view and the lesson call it. */
export const SECOND_HOST_NAME = 'host2';

/**
 * A second host in the page, started on demand (the migration view's
 * "Start a second host"): another control worker with its own host RAM
 * (its own SharedArrayBuffer) and its own pCPU workers, so a domain
 * migrated to it really leaves this page's first host. It starts empty.
 */
class SecondHost {
  session = $state.raw<HostSession | undefined>(undefined);

  /** Starts it once; later calls return the same session. */
  async start(): Promise<HostSession> {
    if (this.session) return this.session;
    const session = new HostSession();
    this.session = session;
    const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
    await session.start({
      firstDomain: false,
      config: {
        hostname: SECOND_HOST_NAME,
        // Half the first host's pool (which takes cores − 1): both hosts share this machine.
        pcpus: Math.max(1, Math.floor(cores / 2)),
        ramMiB: 256,
        balloonPolicy: false,
      },
    });
    return session;
  }

  /** Stops it and every domain on it. */
  stop(): void {
    this.session?.dispose();
    this.session = undefined;
  }
}

export const secondHost = new SecondHost();
