import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CountingServer, json, startCountingServer } from './counting-server.js';
import { remoteJwks } from './jwks-source.js';
import { createFixtureKey, type FixtureKey, fixture, signRaw } from './token-fixture.js';
import { createAccessTokenVerifier, type VerifyResult } from './verify-access-token.js';

let oldKey: FixtureKey;
let newKey: FixtureKey;
const servers: CountingServer[] = [];

beforeAll(async () => {
  oldKey = await createFixtureKey('ES256');
  newKey = await createFixtureKey('ES256');
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(respond: CountingServer['respond']): Promise<CountingServer> {
  const started = await startCountingServer(respond);
  servers.push(started);
  return started;
}

function codeOf(result: VerifyResult): string {
  return result.ok ? 'ok' : result.code;
}

// jose's cache clock is Date.now(): only Date is faked, so time moves when the test says so.
function freezeClock(): (ms: number) => void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(fixture.now);
  return (ms) => vi.setSystemTime(Date.now() + ms);
}

describe('remoteJwks', () => {
  it('refetches the JWKS for an unknown kid after a rotation, at most once per cooldown', async () => {
    const advance = freezeClock();
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`, { cooldownMs: 30_000 });
    const verifier = createAccessTokenVerifier({
      keys,
      issuer: fixture.issuer,
      audience: fixture.audience,
      now: () => fixture.now,
    });

    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');
    expect(issuer.requests).toHaveLength(1);

    issuer.respond = json({ keys: [newKey.publicJwk, oldKey.publicJwk] });
    advance(10_000);
    expect(codeOf(await verifier.verify(await signRaw(newKey)))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(issuer.requests).toHaveLength(1);

    advance(20_001);
    expect(codeOf(await verifier.verify(await signRaw(newKey)))).toBe('ok');
    expect(issuer.requests).toHaveLength(2);
    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');

    const stranger = await createFixtureKey('ES256');
    expect(codeOf(await verifier.verify(await signRaw(stranger)))).toBe('ERR_TOKEN_KEY_UNKNOWN');
    expect(issuer.requests).toHaveLength(2);
  });

  it('serves cached keys without refetching until cacheMaxAgeMs passes', async () => {
    const advance = freezeClock();
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`, { cacheMaxAgeMs: 60_000 });
    const verifier = createAccessTokenVerifier({
      keys,
      issuer: fixture.issuer,
      audience: fixture.audience,
      now: () => fixture.now,
    });
    await verifier.verify(await signRaw(oldKey));
    advance(59_000);
    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');
    expect(issuer.requests).toHaveLength(1);
    advance(2_000);
    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');
    expect(issuer.requests).toHaveLength(2);
  });

  it('is not ready before its keys load, and warm() loads them', async () => {
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`);
    await expect(keys.warm()).resolves.toBe(true);
    expect(keys.ready()).toBe(true);
    expect(issuer.requests).toEqual(['/jwks']);
  });

  it('becomes ready through readiness checks alone when the issuer comes up after this server', async () => {
    const advance = freezeClock();
    const issuer = await server((_request, response) => response.writeHead(503).end());
    const keys = remoteJwks(`${issuer.url}/jwks`);
    await expect(keys.warm()).resolves.toBe(false);
    issuer.respond = json({ keys: [oldKey.publicJwk] });
    // A readiness probe with no traffic at all: each one (at most once a second) tries again.
    expect(keys.ready()).toBe(false);
    await vi.waitFor(() => expect(issuer.requests).toHaveLength(2));
    expect(keys.ready()).toBe(true);
    advance(500);
    expect(keys.ready()).toBe(true);
    expect(issuer.requests).toHaveLength(2);
  });

  it('turns not ready when a load fails, and ready again when one succeeds', async () => {
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`);
    await keys.warm();
    issuer.respond = (_request, response) => response.writeHead(503).end();
    await expect(keys.warm()).resolves.toBe(false);
    expect(keys.ready()).toBe(false);
    issuer.respond = json({ keys: [oldKey.publicJwk] });
    await expect(keys.warm()).resolves.toBe(true);
    expect(keys.ready()).toBe(true);
  });

  it('turns not ready when a verification fails to refetch keys, and ready after one succeeds', async () => {
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`, { cooldownMs: 0 });
    const verifier = createAccessTokenVerifier({
      keys,
      issuer: fixture.issuer,
      audience: fixture.audience,
      now: () => fixture.now,
    });
    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');
    issuer.respond = (_request, response) => response.writeHead(200).end('not json');
    expect(codeOf(await verifier.verify(await signRaw(newKey)))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(issuer.requests).toHaveLength(2);
    expect(keys.ready()).toBe(false);
    expect(codeOf(await verifier.verify(await signRaw(oldKey)))).toBe('ok');
    expect(keys.ready()).toBe(true);
    expect(issuer.requests).toHaveLength(2);
  });

  it('refreshes stale keys in the background when asked whether it is ready, noticing an outage', async () => {
    const advance = freezeClock();
    const issuer = await server(json({ keys: [oldKey.publicJwk] }));
    const keys = remoteJwks(`${issuer.url}/jwks`, { cacheMaxAgeMs: 60_000 });
    await keys.warm();
    issuer.respond = (_request, response) => response.writeHead(500).end();
    expect(keys.ready()).toBe(true);
    expect(issuer.requests).toHaveLength(1);
    advance(60_001);
    expect(keys.ready()).toBe(true);
    await vi.waitFor(() => expect(keys.ready()).toBe(false));
    expect(issuer.requests).toHaveLength(2);
  });

  it('resolves warm() to false, never rejecting, when the endpoint is unreachable', async () => {
    const gone = await startCountingServer();
    await gone.close();
    const keys = remoteJwks(`${gone.url}/jwks`, { timeoutMs: 2_000 });
    await expect(keys.warm()).resolves.toBe(false);
    expect(keys.ready()).toBe(false);
  });
});
