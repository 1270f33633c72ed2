import { connect } from 'node:net';

/** Where a pg client is connected and which backend it talks to (public fields of `pg.Client`). */
export interface BackendKey {
  readonly host: string;
  readonly port: number;
  readonly processID: number | null;
  readonly secretKey: number | null;
}

/**
 * Sends a PostgreSQL CancelRequest (protocol "Canceling Requests in Progress") for the backend behind
 * a client, over a fresh socket, so a statement stuck on a lock stops server-side instead of
 * committing after its caller was told it failed. Best effort: resolves either way within `timeoutMs`.
 * Supports TCP and Unix sockets without TLS (the server accepts a plaintext cancel packet).
 */
export function cancelBackend(key: BackendKey, timeoutMs = 1_000): Promise<void> {
  const { processID, secretKey } = key;
  if (processID === null || secretKey === null) return Promise.resolve();
  return new Promise((resolve) => {
    const socket = key.host.startsWith('/')
      ? connect(`${key.host}/.s.PGSQL.${key.port}`)
      : connect(key.port, key.host);
    const finish = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(timeoutMs, finish);
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(16, 0);
      packet.writeInt32BE(80877102, 4);
      packet.writeInt32BE(processID, 8);
      packet.writeInt32BE(secretKey, 12);
      socket.end(packet);
    });
  });
}
