import { describe, expect, it } from 'vitest';
import { type BearerTokenRequest, extractBearerToken } from './bearer-token.js';

const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

function codeOf(request: BearerTokenRequest): string {
  const result = extractBearerToken(request);
  return result.ok ? `ok:${result.token}` : result.code;
}

describe('extractBearerToken', () => {
  it('returns the token of an Authorization: Bearer header', () => {
    expect(codeOf({ authorization: `Bearer ${token}`, url: '/mcp' })).toBe(`ok:${token}`);
  });

  it('treats the scheme case-insensitively (RFC 6750 §2.1, RFC 9110 §11.1)', () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect(codeOf({ authorization: `${scheme} ${token}`, url: '/mcp' })).toBe(`ok:${token}`);
    }
  });

  it('accepts b64token characters, padding and surrounding whitespace', () => {
    expect(codeOf({ authorization: '  Bearer  a-b_c.d~e+f/g==  ', url: '/mcp' })).toBe('ok:a-b_c.d~e+f/g==');
  });

  it('accepts a single header given as a one-element array', () => {
    expect(codeOf({ authorization: [`Bearer ${token}`], url: '/mcp' })).toBe(`ok:${token}`);
  });

  it('refuses a token in the query string (RFC 6750 §2.3)', () => {
    expect(codeOf({ url: `/mcp?access_token=${token}` })).toBe('ERR_TOKEN_IN_QUERY');
  });

  it('refuses a token in the query string even when a valid header is present', () => {
    expect(codeOf({ authorization: `Bearer ${token}`, url: `/mcp?a=1&access_token=${token}` })).toBe(
      'ERR_TOKEN_IN_QUERY',
    );
    expect(
      codeOf({ authorization: `Bearer ${token}`, url: 'https://mcp.example.test/mcp?access_token=' }),
    ).toBe('ERR_TOKEN_IN_QUERY');
  });

  it('does not mistake a fragment or a similar parameter name for a query token', () => {
    expect(codeOf({ authorization: `Bearer ${token}`, url: '/mcp?my_access_token=1#access_token=x' })).toBe(
      `ok:${token}`,
    );
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a blank header', '   '],
    ['an empty array', []],
    ['the Basic scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme only', 'Bearer'],
    ['a scheme and spaces only', 'Bearer   '],
    ['a token without scheme', token],
    ['a scheme glued to the token', `Bearer${token}`],
  ])('refuses %s as missing', (_name, authorization) => {
    expect(codeOf({ authorization, url: '/mcp' })).toBe('ERR_TOKEN_MISSING');
  });

  it('refuses several Authorization headers as malformed', () => {
    expect(codeOf({ authorization: [`Bearer ${token}`, `Bearer ${token}`], url: '/mcp' })).toBe(
      'ERR_TOKEN_MALFORMED',
    );
  });

  it.each([
    ['two credentials', `Bearer ${token} other`],
    ['a comma', `Bearer ${token},x`],
    ['padding in the middle', 'Bearer ab=cd'],
  ])('refuses credentials with %s as malformed', (_name, authorization) => {
    expect(codeOf({ authorization, url: '/mcp' })).toBe('ERR_TOKEN_MALFORMED');
  });
});
