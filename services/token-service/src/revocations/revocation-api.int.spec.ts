import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signAccessToken } from '../../../shared/auth/index.js';
import { authorizeAs, redeem, registerTestClient } from '../oauth/testing/authorize-client.js';
import { type OAuthTestStack, startOAuthTestStack } from '../oauth/testing/start-oauth-test-stack.js';

let stack: OAuthTestStack;

beforeAll(async () => {
  stack = await startOAuthTestStack();
});

afterAll(async () => {
  await stack?.close();
});

/** A token signed by the stack's key, for `audience` (the token service by default). */
function tokenFor(sub: string, scopes: readonly string[], audience = stack.tokenServiceUrl) {
  return signAccessToken(
    {
      subject: sub,
      scopes,
      clientId: 'revocation-test',
      audience,
      issuer: stack.tokenServiceUrl,
      ttlSeconds: 300,
      policyVersion: '2',
    },
    stack.keys.current,
  );
}

async function revoke(token: string, body: unknown, traceparent?: string) {
  const response = await fetch(`${stack.tokenServiceUrl}/admin/revocations`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(traceparent ? { traceparent } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Signs `user` in with a grant covering the MCP server and the token service's APIs. */
async function signIn(user: string) {
  const client = await registerTestClient(stack);
  const outcome = await authorizeAs(client, {
    user,
    scope: 'public:read confidential:read audit:read tokens:revoke offline_access',
    resources: [stack.mcpUrl, stack.tokenServiceUrl],
  });
  return { client, tokens: await redeem(client, outcome, stack.mcpUrl) };
}

describe('POST /admin/revocations', () => {
  it('revokes one token by id and records token.revoked with the caller as actor before answering', async () => {
    const caller = await tokenFor('security@example.com', ['tokens:revoke']);
    const trace = stack.trace();
    const answer = await revoke(
      caller,
      { token_id: 'jti-to-revoke', reason: 'leaked in a log' },
      trace.header,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ revoked: { token_id: 'jti-to-revoke' }, reason: 'leaked in a log' });
    // The answer came after the commit: the event is readable now, without waiting.
    const [event] = await stack.eventsOf('token.revoked', trace.traceId);
    expect(event).toMatchObject({
      eventId: answer.body.event_id,
      service: 'token-service',
      subject: 'security@example.com',
      clientId: 'revocation-test',
      tokenId: decodeJwt(caller).jti,
      mcpMethod: 'POST /admin/revocations',
      policyVersion: '2',
      data: { revokedTokenId: 'jti-to-revoke', reason: 'leaked in a log' },
    });
    expect(event?.scopesRequired).toEqual(['tokens:revoke']);
    expect(event?.data).not.toHaveProperty('revokedSubject');
  });

  it('refuses a revoked token on the token service’s own APIs too', async () => {
    const auditor = await tokenFor('auditor@example.com', ['audit:read', 'tokens:revoke']);
    const read = () =>
      fetch(`${stack.tokenServiceUrl}/audit/events?limit=1`, {
        headers: { authorization: `Bearer ${auditor}` },
      });
    expect((await read()).status).toBe(200);
    // Revoked (here by itself): its next request is refused as soon as the feed has the event.
    expect((await revoke(auditor, { token_id: decodeJwt(auditor).jti })).status).toBe(200);
    await vi.waitFor(
      async () => {
        const refused = await read();
        expect(refused.status).toBe(401);
        expect(((await refused.json()) as { error: string }).error).toBe('ERR_TOKEN_REVOKED');
      },
      { timeout: 5_000, interval: 100 },
    );
    expect((await revoke(auditor, { token_id: 'another' })).status).toBe(401);
  });

  it('revokes every token of a subject issued until now and ends its refresh tokens', async () => {
    const alice = await signIn('alice@example.com');
    const aliceToken = decodeJwt(alice.tokens.access_token);
    expect(alice.tokens.refresh_token).toBeDefined();
    const caller = await tokenFor('security@example.com', ['tokens:revoke']);
    const trace = stack.trace();
    const answer = await revoke(caller, { subject: 'alice@example.com' }, trace.header);
    expect(answer.status).toBe(200);
    const revoked = answer.body.revoked as Record<string, unknown>;
    expect(revoked).toMatchObject({ subject: 'alice@example.com', grants_revoked: 1 });
    const revokedBefore = String(revoked.revoked_before);
    // The MCP servers' rule: revoked when iat (seconds) <= floor(revokedBefore ms / 1000).
    expect(aliceToken.iat).toBeLessThanOrEqual(Math.floor(Date.parse(revokedBefore) / 1000));
    const [event] = await stack.eventsOf('token.revoked', trace.traceId);
    expect(event).toMatchObject({
      subject: 'security@example.com',
      data: { revokedSubject: 'alice@example.com', revokedBefore, reason: 'admin_revocation' },
    });
    await expect(
      oidc.refreshTokenGrant(alice.client.config, alice.tokens.refresh_token ?? '', {
        resource: stack.mcpUrl,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('accepts a tokens:revoke token the authorization server issued for the token service audience', async () => {
    const security = await signIn('security@example.com');
    const apiTokens = await oidc.refreshTokenGrant(
      security.client.config,
      security.tokens.refresh_token ?? '',
      {
        resource: stack.tokenServiceUrl,
      },
    );
    const claims = decodeJwt(apiTokens.access_token);
    // Only the token service's own scopes, as policy grants them: never the MCP server's.
    expect(claims).toMatchObject({
      aud: stack.tokenServiceUrl,
      sub: 'security@example.com',
      scope: 'audit:read tokens:revoke',
    });
    const answer = await revoke(apiTokens.access_token, { token_id: 'another-jti' });
    expect(answer.status).toBe(200);
  });

  it('gives a user whom policy grants no token-service scope a token for it without any', async () => {
    // Not alice: an earlier test revoked every token she was issued up to a second after it.
    const carol = await signIn('carol@example.com');
    const apiTokens = await oidc.refreshTokenGrant(carol.client.config, carol.tokens.refresh_token ?? '', {
      resource: stack.tokenServiceUrl,
    });
    expect(decodeJwt(apiTokens.access_token)).toMatchObject({ aud: stack.tokenServiceUrl });
    expect(decodeJwt(apiTokens.access_token).scope).toBeUndefined();
    const answer = await revoke(apiTokens.access_token, { token_id: 'jti' });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('ERR_SCOPE_INSUFFICIENT');
  });

  it('refuses a caller without tokens:revoke with 403 insufficient_scope and records auth.rejected', async () => {
    const caller = await tokenFor('dana@example.com', ['public:read', 'audit:read']);
    const trace = stack.trace();
    const answer = await revoke(caller, { subject: 'bob@example.com' }, trace.header);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('ERR_SCOPE_INSUFFICIENT');
    expect(answer.challenge).toContain('error="insufficient_scope"');
    expect(answer.challenge).toContain('scope="tokens:revoke"');
    const [rejected] = await stack.eventsOf('auth.rejected', trace.traceId);
    expect(rejected).toMatchObject({ subject: 'dana@example.com', reasonCode: 'ERR_SCOPE_INSUFFICIENT' });
    expect(await stack.eventsOf('token.revoked', trace.traceId)).toEqual([]);
  });

  it('refuses a token for the MCP server (no token passthrough), even with tokens:revoke', async () => {
    const mcpToken = await tokenFor('security@example.com', ['tokens:revoke'], stack.mcpUrl);
    const trace = stack.trace();
    const answer = await revoke(mcpToken, { subject: 'alice@example.com' }, trace.header);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('ERR_TOKEN_AUDIENCE_INVALID');
    const [rejected] = await stack.eventsOf('auth.rejected', trace.traceId);
    expect(rejected?.reasonCode).toBe('ERR_TOKEN_AUDIENCE_INVALID');
    expect(await stack.eventsOf('token.revoked', trace.traceId)).toEqual([]);
  });

  it('refuses a request without a token with 401 and records auth.rejected', async () => {
    const trace = stack.trace();
    const response = await fetch(`${stack.tokenServiceUrl}/admin/revocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: trace.header },
      body: JSON.stringify({ subject: 'alice@example.com' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('ERR_TOKEN_MISSING');
    expect(await stack.eventsOf('auth.rejected', trace.traceId)).toHaveLength(1);
  });

  it.each([
    ['neither token_id nor subject', {}, 'exactly one of token_id and subject'],
    ['both token_id and subject', { token_id: 'a', subject: 'b' }, 'exactly one of token_id and subject'],
    ['an empty token_id', { token_id: ' ' }, 'token_id must not be empty'],
    ['a subject that is not a string', { subject: 42 }, 'subject must be a string'],
    ['a reason over 200 characters', { subject: 'a', reason: 'x'.repeat(201) }, 'at most 200 characters'],
    ['an unknown field', { subjects: ['a'] }, 'unknown field "subjects"'],
    ['a JSON array', [{ subject: 'a' }], 'must be a JSON object'],
    ['a body that is not JSON', '{"subject":', undefined],
  ])('refuses %s with 400 ERR_REQUEST_INVALID and records no revocation', async (_name, body, message) => {
    const caller = await tokenFor('security@example.com', ['tokens:revoke']);
    const trace = stack.trace();
    const answer = await revoke(caller, body, trace.header);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('ERR_REQUEST_INVALID');
    if (message) expect(answer.body.message).toContain(message);
    expect(await stack.eventsOf('token.revoked', trace.traceId)).toEqual([]);
  });
});
