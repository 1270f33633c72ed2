import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy a test can cut and restore, to make a server unreachable without stopping it. */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Rewrites a URL to go through the proxy. */
  rewrite(url: string): string;
  /**
   * `reset`: drop every open connection and reset new ones (the server went away).
   * `blackhole`: keep sockets open but forward nothing either way (a network partition).
   */
  cut(mode?: 'reset' | 'blackhole'): void;
  /** Forward again; connections made while cut stay dead. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy from an ephemeral local port to `target`.
 *
 * @example
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * const handle = await openDatabase({ url: proxy.rewrite(testDb.url), dataDir: '.data' });
 * proxy.cut(); … proxy.restore();
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'open' | 'reset' | 'blackhole' = 'open';
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') {
      client.on('error', () => {});
      pairs.add([client, client]);
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk) => {
      if (mode === 'open') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'open') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind a TCP port');

  const restore = () => {
    // Sockets that lived through a blackhole are half-dead for pg's protocol state: drop them.
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    mode = 'open';
  };

  return {
    port: address.port,
    rewrite(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(address.port);
      return parsed.toString();
    },
    cut(next = 'reset') {
      mode = next;
      if (next === 'reset') {
        for (const [client, upstream] of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }
    },
    restore,
    async close() {
      restore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
