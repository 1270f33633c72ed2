import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_SECRET } from '../../../dev-idp/src/index.js';
import type { RunningService } from '../../../shared/runtime/index.js';
import { freePort } from '../../../shared/testing/free-port.js';
import { startTokenService } from '../server.js';
import { authorizeAs, redeem, registerTestClient } from './testing/authorize-client.js';
import { type OAuthTestStack, startOAuthTestStack } from './testing/start-oauth-test-stack.js';

// Two token service replicas on one database: the stack's serves policy v2 (the highest), the
// second has been rolled back to v1 (POLICY_VERSION=1). Carol reads the confidential document only
// under v2 (group strategy), so a refresh at the rolled-back replica must narrow her token.
let stack: OAuthTestStack;
let rolledBack: RunningService;
let rolledBackUrl: string;

beforeAll(async () => {
  stack = await startOAuthTestStack();
  const port = await freePort();
  rolledBackUrl = `http://127.0.0.1:${port}`;
  rolledBack = await startTokenService({
    env: {
      APP_ENV: 'test',
      DATABASE_URL: stack.database.url,
      DATA_DIR: stack.dataDir,
      LOG_LEVEL: 'silent',
      PORT: String(port),
      INSTANCE_ID: 'ts-rolled-back',
      POLICY_VERSION: '1',
      TOKEN_ISSUER_URL: stack.tokenServiceUrl,
      MCP_RESOURCE_URL: stack.mcpUrl,
      OIDC_ISSUER: stack.idp.url,
      OIDC_CLIENT_ID: 'mcp-token-service',
      OIDC_CLIENT_SECRET: DEV_CLIENT_SECRET,
    },
  });
});

afterAll(async () => {
  await rolledBack?.close();
  await stack?.close();
});

async function refresh(server: string, clientId: string, refreshToken: string) {
  const response = await fetch(`${server}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      resource: stack.mcpUrl,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('policy is applied again at every refresh', () => {
  it('narrows a refreshed token to what the policy in force grants, and stamps its version', async () => {
    const client = await registerTestClient(stack);
    const outcome = await authorizeAs(client, {
      user: 'carol@example.com',
      scope: 'public:read confidential:read offline_access',
      resources: [stack.mcpUrl],
    });
    const tokens = await redeem(client, outcome, stack.mcpUrl);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ scope: 'confidential:read public:read', pv: '2' });

    // Same policy: the refresh keeps what the grant holds.
    const same = await refresh(stack.tokenServiceUrl, client.clientId, tokens.refresh_token ?? '');
    expect(same.status).toBe(200);
    expect(decodeJwt(same.body.access_token ?? '')).toMatchObject({
      scope: 'confidential:read public:read',
      pv: '2',
    });

    // Rolled back to v1: the replica serving it issues only what v1 grants Carol.
    const narrowed = await refresh(rolledBackUrl, client.clientId, same.body.refresh_token ?? '');
    expect(narrowed.status).toBe(200);
    expect(decodeJwt(narrowed.body.access_token ?? '')).toMatchObject({ scope: 'public:read', pv: '1' });
    const refreshed = await stack.store.query({ type: 'token.refreshed', subject: 'carol@example.com' });
    expect(refreshed.map((event) => [event.policyVersion, event.scopesGranted])).toEqual([
      ['2', ['confidential:read', 'public:read']],
      ['1', ['public:read']],
    ]);
  });
});
