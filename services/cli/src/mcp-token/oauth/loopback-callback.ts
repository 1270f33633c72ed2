import { createServer, type Server } from 'node:http';
import { CliError } from '../cli-error.js';

/** A one-shot HTTP listener on 127.0.0.1 for the authorization response (RFC 8252 §7.3). */
export interface LoopbackCallback {
  /** `http://127.0.0.1:<port>/callback`, the redirect URI to register. */
  readonly redirectUri: string;
  /** Resolves with the full callback URL (code, state, iss, or an error) once the browser arrives. */
  readonly received: Promise<URL>;
  close(): Promise<void>;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Listens on an ephemeral loopback port for `GET /callback`. The first callback settles `received`;
 * the browser is told to return to the terminal (the CLI reports the outcome there). Nothing else is
 * served. Gives up after `timeoutMs`.
 */
export async function listenForCallback(timeoutMs: number): Promise<LoopbackCallback> {
  let settle: { resolve: (url: URL) => void; reject: (error: Error) => void } | undefined;
  const received = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    if (request.method !== 'GET' || url.pathname !== '/callback' || settle === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const failed = url.searchParams.has('error');
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      })
      .end(
        failed
          ? page('Sign-in did not complete', 'Return to the terminal to see why.')
          : page('Sign-in received', 'mcp-token finishes the login in the terminal. You can close this tab.'),
      );
    settle.resolve(url);
    settle = undefined;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopback listener has no port');
  const timer = setTimeout(() => {
    settle?.reject(
      new CliError(
        'ERR_AUTHORIZATION_TIMEOUT',
        `no sign-in arrived within ${Math.round(timeoutMs / 1000)} s`,
      ),
    );
    settle = undefined;
  }, timeoutMs);
  timer.unref();
  return {
    redirectUri: `http://127.0.0.1:${address.port}/callback`,
    received,
    close: async () => {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
