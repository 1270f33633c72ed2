import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server for tests that records every request it receives. */
export interface CountingServer {
  readonly url: string;
  readonly requests: string[];
  /** What the server answers; replace it to simulate rotation or an outage. */
  respond: (request: IncomingMessage, response: ServerResponse) => void;
  close(): Promise<void>;
}

/** Starts a {@link CountingServer} on 127.0.0.1 with a random port. */
export async function startCountingServer(
  respond: CountingServer['respond'] = (_request, response) => response.writeHead(404).end(),
): Promise<CountingServer> {
  const requests: string[] = [];
  const state = { respond };
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    state.respond(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get respond() {
      return state.respond;
    },
    set respond(next) {
      state.respond = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A responder serving `body` as JSON. */
export function json(body: unknown): CountingServer['respond'] {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}
