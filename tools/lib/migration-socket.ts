import { createServer, connect, type Socket } from 'node:net';
import * as Comlink from 'comlink';
import type { MigrationTarget } from '../../src/manage/control-api';
import type { MigrationMessage } from '../../src/manage/migration/messages';
import { portTransport, type MigrationTransport } from '../../src/manage/migration/transport';
import { FrameReader, encodeMessage } from '../../src/manage/migration/wire-codec';

/**
 * Migration between two processes (`npm run virsh` on one machine): the
 * message stream as length-prefixed frames (wire-codec.ts) over a Unix
 * socket or a 127.0.0.1 TCP port, as QEMU's `unix:` and `tcp:` migration
 * URIs. A malformed frame or a closed socket ends the stream with an
 * `error` message to the local job, which then rolls back.
 */
export function socketTransport(socket: Socket): MigrationTransport {
  const reader = new FrameReader();
  let handler: ((m: MigrationMessage) => void) | undefined;
  const early: MigrationMessage[] = [];
  let ended = false;
  const deliver = (m: MigrationMessage) => (handler ? handler(m) : early.push(m));
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    deliver({ kind: 'error', message: why, lost: true });
  };
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    if (ended) return;
    try {
      for (const m of reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)))
        deliver(m);
    } catch (error) {
      end((error as Error).message);
      socket.destroy();
    }
  });
  socket.on('error', (error) => end(`migration connection: ${error.message}`));
  socket.on('close', () => end('migration connection closed'));
  return {
    send(message) {
      if (!socket.destroyed) socket.write(encodeMessage(message));
    },
    onMessage(h) {
      handler = h;
      for (const m of early.splice(0)) h(m);
    },
    close() {
      ended = true;
      socket.end();
    },
  };
}

/** `unix:/path` or `tcp:PORT` (127.0.0.1 only) as net's connect/listen options. */
export function migrationAddress(uri: string): { path: string } | { port: number; host: string } {
  const unix = /^unix:(.+)$/.exec(uri);
  if (unix) return { path: unix[1] };
  const tcp = /^tcp:(?:(?:127\.0\.0\.1|localhost):)?(\d{1,5})$/.exec(uri);
  if (tcp && Number(tcp[1]) > 0 && Number(tcp[1]) < 65536)
    return { port: Number(tcp[1]), host: '127.0.0.1' };
  throw new Error(`unsupported migration URI '${uri}' (use unix:PATH or tcp:PORT on this machine)`);
}

/** The destination's side (QEMU's -incoming): waits for one source to connect. */
export function listenForMigration(uri: string): {
  ready: Promise<void>;
  accepted: Promise<MigrationTransport>;
  close(): void;
} {
  const server = createServer();
  const accepted = new Promise<MigrationTransport>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      resolve(socketTransport(socket));
    });
    server.once('error', reject);
  });
  const ready = new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.listen(migrationAddress(uri));
  return { ready, accepted, close: () => server.close() };
}

/** The source's side: connects to a listening destination. */
export function connectForMigration(uri: string): Promise<MigrationTransport> {
  return new Promise((resolve, reject) => {
    const socket = connect(migrationAddress(uri));
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socketTransport(socket));
    });
    socket.once('error', reject);
  });
}

/**
 * Opens a socket migration URI as a control-API target: the socket's
 * frames are bridged to one end of a MessageChannel, and the other end,
 * transferred with the call, reaches the control worker (virsh's
 * VirshIo.openMigration in Node). The source connects; the destination
 * listens for one connection, which arrives while the call waits.
 */
export async function openSocketMigration(
  uri: string,
  role: 'source' | 'destination',
): Promise<{ target: MigrationTarget; close(): void }> {
  const { port1, port2 } = new MessageChannel();
  const local = portTransport(port1);
  let remote: MigrationTransport | undefined;
  let listener: ReturnType<typeof listenForMigration> | undefined;
  const bridge = (t: MigrationTransport) => {
    remote = t;
    t.onMessage((m) => local.send(m));
    local.onMessage((m) => t.send(m));
  };
  if (role === 'source') bridge(await connectForMigration(uri));
  else {
    listener = listenForMigration(uri);
    await listener.ready;
    void listener.accepted.then(bridge, (error: Error) =>
      local.send({ kind: 'error', message: `migration listener: ${error.message}`, lost: true }),
    );
  }
  return {
    target: Comlink.transfer({ kind: 'port', port: port2 }, [port2]),
    // The control worker's answer may overtake its last stream message (another channel):
    // the socket closes a moment later, so a final "running" is not cut off.
    close() {
      listener?.close();
      setTimeout(() => {
        remote?.close();
        local.close();
      }, 1000);
    },
  };
}
