import type { MigrationMessage } from './messages';

/**
 * The channel a migration runs over: an ordered, reliable message pipe
 * between the source and the destination job. In-process and between
 * workers it is a MessagePort, between tabs a BroadcastChannel, between
 * processes a socket (tools/lib/migration-socket.ts).
 */
export interface MigrationTransport {
  send(message: MigrationMessage): void;
  /** Sets the one handler of incoming messages (messages before it is set are kept). */
  onMessage(handler: (message: MigrationMessage) => void): void;
  close(): void;
  /**
   * The other end exists for this one job (a MessageChannel made for it):
   * a job that fails before it starts tells that end, which would otherwise
   * wait for ever. A BroadcastChannel's listener may wait for another
   * source, so it is not told.
   */
  readonly dedicated?: boolean;
}

/** What a MessagePort and a BroadcastChannel have in common. */
interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
  close(): void;
}

/**
 * A transport over a MessagePort (one end of a MessageChannel: two hosts in
 * one page, or a port handed to a worker) or a BroadcastChannel between
 * tabs. A BroadcastChannel is shared by everyone who opens its name, so
 * each side tags what it sends and ignores its own role's messages.
 */
export function portTransport(
  port: PortLike,
  role?: 'source' | 'destination',
  dedicated = false,
): MigrationTransport {
  let handler: ((message: MigrationMessage) => void) | undefined;
  const early: MigrationMessage[] = [];
  const deliver = (message: MigrationMessage) => {
    if (handler) handler(message);
    else early.push(message);
  };
  port.onmessage = (event: MessageEvent) => {
    const data = event.data as { from?: string; message: MigrationMessage };
    if (role && data.from === role) return;
    deliver(data.message);
  };
  // A message that arrived but cannot be deserialized here (e.g. shared memory from another tab)
  // breaks the stream: fail the job now rather than wait for an answer that never comes.
  port.onmessageerror = () =>
    deliver({
      kind: 'error',
      message: 'a migration message could not be received (messageerror)',
      lost: true,
    });
  return {
    dedicated,
    send: (message) => port.postMessage({ from: role, message }),
    onMessage(h) {
      handler = h;
      for (const m of early.splice(0)) h(m);
    },
    close: () => {
      port.onmessage = null;
      port.onmessageerror = null;
      port.close();
    },
  };
}

/** Two connected transports in one thread (a MessageChannel): source end, destination end. */
export function transportPair(): [MigrationTransport, MigrationTransport] {
  const channel = new MessageChannel();
  return [
    portTransport(channel.port1, undefined, true),
    portTransport(channel.port2, undefined, true),
  ];
}

/** A transport between tabs (or Node worker threads) over a named BroadcastChannel. */
export function broadcastTransport(
  channelName: string,
  role: 'source' | 'destination',
): MigrationTransport {
  return portTransport(new BroadcastChannel(`virtlab-migration:${channelName}`), role);
}
