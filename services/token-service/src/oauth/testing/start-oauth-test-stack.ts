import { randomBytes } from 'node:crypto';
import { DEV_CLIENT_SECRET, type RunningDevIdp, startDevIdp } from '../../../../dev-idp/src/index.js';
import { CookieJar, scriptedLogin } from '../../../../dev-idp/src/testing/index.js';
import type { EventType } from '../../../../shared/event-store/events.js';
import type { StoredEvent } from '../../../../shared/event-store/index.js';
import { freePort, startTestStack, type TestStack } from '../../../../shared/testing/start-test-stack.js';

/** The test stack (token service, MCP server, fresh database) with the dev IdP as upstream. */
export interface OAuthTestStack extends TestStack {
  readonly idp: RunningDevIdp;
  /** `traceparent` header and trace id; pass the header on requests to find their events. */
  trace(): { header: string; traceId: string };
  /** Events of `type` carrying `traceId`, in log order. */
  eventsOf(type: EventType, traceId: string): Promise<StoredEvent[]>;
}

/** Starts the stack with `OIDC_ISSUER` pointing to a dev IdP whose client knows its callbacks. */
export async function startOAuthTestStack(
  env: Readonly<Record<string, string>> = {},
): Promise<OAuthTestStack> {
  const idpPort = await freePort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  const stack = await startTestStack({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: 'mcp-token-service',
    OIDC_CLIENT_SECRET: DEV_CLIENT_SECRET,
    ...env,
  });
  try {
    const idp = await startDevIdp({
      port: idpPort,
      issuer,
      appEnv: 'test',
      clients: [
        {
          client_id: 'mcp-token-service',
          client_secret: DEV_CLIENT_SECRET,
          redirect_uris: [
            `${stack.tokenServiceUrl}/auth/callback`,
            `${stack.tokenServiceUrl}/oauth/upstream/callback`,
          ],
        },
      ],
    });
    return {
      ...stack,
      idp,
      trace: () => {
        const traceId = randomBytes(16).toString('hex');
        return { header: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
      },
      eventsOf: (type, traceId) => stack.store.query({ type, traceId }),
      close: async () => {
        await idp.close();
        await stack.close();
      },
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

/** A browser: cookies across the token service and the dev IdP, every request carrying one trace. */
export function browser(traceparent?: string): { jar: CookieJar; fetch: typeof globalThis.fetch } {
  const jar = new CookieJar();
  const tracedFetch: typeof globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (traceparent) headers.set('traceparent', traceparent);
    return globalThis.fetch(input, { ...init, headers });
  };
  return { jar, fetch: tracedFetch };
}

export { scriptedLogin };
