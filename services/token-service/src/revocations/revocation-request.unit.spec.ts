import { describe, expect, it } from 'vitest';
import { parseRevocationRequest } from './revocation-request.js';

describe('parseRevocationRequest', () => {
  it('accepts a token id, with or without a reason', () => {
    expect(parseRevocationRequest({ token_id: 'abc' })).toEqual({
      ok: true,
      request: { target: { kind: 'token', tokenId: 'abc' }, reason: undefined },
    });
    expect(parseRevocationRequest({ token_id: 'abc', reason: 'leaked' })).toMatchObject({
      ok: true,
      request: { reason: 'leaked' },
    });
  });

  it('accepts a subject', () => {
    expect(parseRevocationRequest({ subject: 'alice@example.com' })).toMatchObject({
      ok: true,
      request: { target: { kind: 'subject', subject: 'alice@example.com' } },
    });
  });

  it.each([
    [null, 'must be a JSON object'],
    ['subject', 'must be a JSON object'],
    [{}, 'exactly one of token_id and subject'],
    [{ token_id: 'a', subject: 'b' }, 'exactly one of token_id and subject'],
    [{ token_id: '' }, 'token_id must not be empty'],
    [{ subject: 'a\nb' }, 'subject must not contain control characters'],
    [{ subject: 'x'.repeat(513) }, 'subject must be at most 512 characters'],
    [{ subject: 'a', reason: 7 }, 'reason must be a string'],
    [{ subject: 'a', reason: 'r'.repeat(201) }, 'at most 200 characters'],
    [{ subject: 'a', token: 'b' }, 'unknown field "token"'],
  ])('refuses %j: %s', (body, message) => {
    const parsed = parseRevocationRequest(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it('accepts a reason of exactly 200 characters', () => {
    expect(parseRevocationRequest({ subject: 'a', reason: 'r'.repeat(200) }).ok).toBe(true);
  });
});
