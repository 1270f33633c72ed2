import { describe, expect, it } from 'vitest';
import { decideToolCall } from './decide-tool-call.js';
import { parsePolicy } from './parse-policy.js';

const policy = parsePolicy(`id: mcp-docs
version: 7
tools:
  get_public_info: { scopes: [public:read] }
  get_confidential_info: { scopes: [confidential:read] }
  revoke_everything: { scopes: [tokens:revoke, audit:read] }
identities: []
`);

const serverTools = new Set(['get_public_info', 'get_confidential_info', 'revoke_everything', 'debug_dump']);

describe('decideToolCall', () => {
  it('allows a tool when every required scope is granted', () => {
    expect(decideToolCall(policy, new Set(['public:read']), 'get_public_info', serverTools)).toEqual({
      ok: true,
      requiredScopes: ['public:read'],
    });
  });

  it('denies a missing scope with ERR_SCOPE_INSUFFICIENT, naming required and missing scopes', () => {
    expect(decideToolCall(policy, new Set(['public:read']), 'get_confidential_info', serverTools)).toEqual({
      ok: false,
      code: 'ERR_SCOPE_INSUFFICIENT',
      requiredScopes: ['confidential:read'],
      missingScopes: ['confidential:read'],
      message: 'tool "get_confidential_info" requires scope confidential:read; missing: confidential:read',
    });
  });

  it('requires all listed scopes, not any of them', () => {
    const decision = decideToolCall(policy, new Set(['tokens:revoke']), 'revoke_everything', serverTools);
    expect(decision).toMatchObject({
      ok: false,
      code: 'ERR_SCOPE_INSUFFICIENT',
      requiredScopes: ['audit:read', 'tokens:revoke'],
      missingScopes: ['audit:read'],
    });
    expect(
      decideToolCall(policy, new Set(['tokens:revoke', 'audit:read']), 'revoke_everything', serverTools).ok,
    ).toBe(true);
  });

  it('denies with no scopes at all', () => {
    expect(decideToolCall(policy, new Set(), 'get_public_info', serverTools)).toMatchObject({
      ok: false,
      code: 'ERR_SCOPE_INSUFFICIENT',
      missingScopes: ['public:read'],
    });
  });

  it('denies a tool the server has but the policy does not list (default deny), whatever the scopes', () => {
    const everything = new Set(['public:read', 'confidential:read', 'audit:read', 'tokens:revoke']);
    expect(decideToolCall(policy, everything, 'debug_dump', serverTools)).toEqual({
      ok: false,
      code: 'ERR_TOOL_NOT_IN_POLICY',
      requiredScopes: [],
      missingScopes: [],
      message: 'tool "debug_dump" is not allowed by policy mcp-docs v7',
    });
  });

  it('reports a tool the server does not have as ERR_TOOL_UNKNOWN, even when the policy lists it', () => {
    const everything = new Set(['public:read', 'confidential:read', 'audit:read', 'tokens:revoke']);
    expect(decideToolCall(policy, everything, 'no_such_tool', serverTools)).toMatchObject({
      ok: false,
      code: 'ERR_TOOL_UNKNOWN',
      message: 'tool "no_such_tool" does not exist on this server',
    });
    expect(decideToolCall(policy, everything, 'get_public_info', new Set(['debug_dump']))).toMatchObject({
      ok: false,
      code: 'ERR_TOOL_UNKNOWN',
    });
  });

  it('does not treat inherited object keys as listed tools', () => {
    const tools = new Set(['constructor', 'toString']);
    expect(decideToolCall(policy, new Set(['public:read']), 'constructor', tools)).toMatchObject({
      code: 'ERR_TOOL_NOT_IN_POLICY',
    });
  });
});
