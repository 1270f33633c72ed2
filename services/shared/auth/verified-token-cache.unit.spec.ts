import { describe, expect, it } from 'vitest';
import { cacheVerifiedTokens } from './verified-token-cache.js';
import type { VerifyResult } from './verify-access-token.js';

const ok = (exp: number): VerifyResult => ({
  ok: true,
  claims: { iss: 'i', sub: 's', aud: 'a', jti: 'j', exp },
  scopes: new Set(['public:read']),
});

function counting(result: (token: string) => VerifyResult) {
  const calls: string[] = [];
  return {
    calls,
    verify: async (token: string) => {
      calls.push(token);
      return result(token);
    },
  };
}

describe('cacheVerifiedTokens', () => {
  it('verifies a token once and reuses the result until it expires', async () => {
    let clock = 1_000_000;
    const inner = counting(() => ok(1_000 + 60));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10, now: () => clock });
    expect((await verify('t1')).ok).toBe(true);
    expect((await verify('t1')).ok).toBe(true);
    expect(inner.calls).toEqual(['t1']);
    clock = 1_060_000; // exp reached
    await verify('t1');
    expect(inner.calls).toEqual(['t1', 't1']);
  });

  it('never remembers a rejection', async () => {
    const inner = counting(() => ({ ok: false, code: 'ERR_TOKEN_EXPIRED', message: 'expired' }));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10 });
    await verify('bad');
    await verify('bad');
    expect(inner.calls).toEqual(['bad', 'bad']);
  });

  it('reuses a verification no longer than maxAgeMs even for a long-lived token', async () => {
    let clock = 0;
    const inner = counting(() => ok(86_400));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10, maxAgeMs: 1000, now: () => clock });
    await verify('t');
    clock = 999;
    await verify('t');
    clock = 1000;
    await verify('t');
    expect(inner.calls).toHaveLength(2);
  });

  it('forgets the oldest token beyond maxEntries', async () => {
    const inner = counting(() => ok(Number.MAX_SAFE_INTEGER / 1000));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 2, now: () => 0 });
    for (const token of ['a', 'b', 'c', 'b', 'a']) await verify(token);
    expect(inner.calls).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keys on the exact token: a different token is verified on its own', async () => {
    const inner = counting(() => ok(Number.MAX_SAFE_INTEGER / 1000));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10, now: () => 0 });
    await verify('token-1');
    await verify('token-1x');
    expect(inner.calls).toEqual(['token-1', 'token-1x']);
  });

  it('is the verifier itself when disabled', async () => {
    const inner = counting(() => ok(1));
    expect(cacheVerifiedTokens(inner.verify, { maxEntries: 0 })).toBe(inner.verify);
  });
});
