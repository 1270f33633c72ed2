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

  it('remembers a stable rejection (expired, bad signature, wrong audience) for maxAgeMs', async () => {
    let clock = 0;
    const inner = counting((token) => ({
      ok: false,
      code: token === 'sig' ? 'ERR_TOKEN_SIGNATURE_INVALID' : 'ERR_TOKEN_EXPIRED',
      message: 'refused',
    }));
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10, maxAgeMs: 1000, now: () => clock });
    for (const token of ['bad', 'bad', 'sig', 'sig']) expect((await verify(token)).ok).toBe(false);
    expect(inner.calls).toEqual(['bad', 'sig']);
    clock = 1000;
    await verify('bad');
    expect(inner.calls).toEqual(['bad', 'sig', 'bad']);
  });

  it('never remembers a rejection that may turn into a success (unknown key, not yet valid, outage)', async () => {
    for (const code of [
      'ERR_TOKEN_KEY_UNKNOWN',
      'ERR_TOKEN_NOT_YET_VALID',
      'ERR_KEYS_UNAVAILABLE',
    ] as const) {
      const inner = counting(() => ({ ok: false, code, message: code }));
      const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10 });
      await verify('t');
      await verify('t');
      expect(inner.calls, code).toEqual(['t', 't']);
    }
  });

  it('keeps rejections apart: a flood of distinct bad tokens does not push out good ones', async () => {
    const inner = counting((token) =>
      token.startsWith('good')
        ? ok(Number.MAX_SAFE_INTEGER / 1000)
        : { ok: false, code: 'ERR_TOKEN_SIGNATURE_INVALID', message: 'bad signature' },
    );
    const verify = cacheVerifiedTokens(inner.verify, { maxEntries: 10, now: () => 0 });
    await verify('good-1');
    for (let i = 0; i < 500; i++) await verify(`forged-${i}`);
    await verify('good-1');
    expect(inner.calls.filter((token) => token === 'good-1')).toHaveLength(1);
    // At most 100 rejections are remembered: the oldest forged token is verified again.
    await verify('forged-0');
    expect(inner.calls.filter((token) => token === 'forged-0')).toHaveLength(2);
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
