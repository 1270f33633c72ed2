import { describe, expect, it } from 'vitest';
import { isScope, parseScopeClaim, scopes } from './scopes.js';

describe('scopes', () => {
  it('is exactly the contract of the design', () => {
    expect(scopes).toEqual(['public:read', 'confidential:read', 'audit:read', 'tokens:revoke']);
    expect(isScope('audit:read')).toBe(true);
    expect(isScope('admin')).toBe(false);
    expect(isScope(undefined)).toBe(false);
  });
});

describe('parseScopeClaim', () => {
  it('grants no scope when the claim is missing', () => {
    expect(parseScopeClaim(undefined)).toEqual({ ok: true, scopes: new Set() });
  });

  it('splits a string on single spaces (RFC 6749 §3.3)', () => {
    expect(parseScopeClaim('public:read confidential:read')).toEqual({
      ok: true,
      scopes: new Set(['public:read', 'confidential:read']),
    });
  });

  it('ignores empty parts from leading, trailing and repeated spaces', () => {
    expect(parseScopeClaim('  public:read   audit:read ')).toEqual({
      ok: true,
      scopes: new Set(['public:read', 'audit:read']),
    });
    expect(parseScopeClaim('')).toEqual({ ok: true, scopes: new Set() });
  });

  it('keeps scopes outside the contract (they grant nothing)', () => {
    const result = parseScopeClaim('openid public:read');
    expect(result.ok && [...result.scopes]).toEqual(['openid', 'public:read']);
  });

  it.each([
    ['an array', ['public:read']],
    ['a number', 1],
    ['null', null],
    ['an object', { scope: 'public:read' }],
    ['a boolean', true],
  ])('refuses a claim that is %s', (_name, value) => {
    const result = parseScopeClaim(value);
    expect(result.ok ? 'ok' : result.code).toBe('ERR_TOKEN_SCOPE_INVALID');
  });

  it.each([
    ['a tab', 'public:read\taudit:read'],
    ['a double quote', 'public:"read'],
    ['a backslash', 'public:\\read'],
    ['a non-ASCII character', 'públic:read'],
  ])('refuses a scope containing %s (not an RFC 6749 scope-token)', (_name, value) => {
    const result = parseScopeClaim(value);
    expect(result.ok ? 'ok' : result.code).toBe('ERR_TOKEN_SCOPE_INVALID');
  });
});
