import { describe, expect, it } from 'vitest';
import { resolveResourceServer } from './resource-indicator.js';

const servers = { mcp: 'http://127.0.0.1:8080/mcp', tokenService: 'http://127.0.0.1:8081' };
const mcpScopes = ['public:read', 'confidential:read', 'audit:read', 'tokens:revoke'];

describe('resolveResourceServer', () => {
  it('resolves the MCP server, with or without a trailing slash, to every contract scope', () => {
    for (const indicator of ['http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/mcp/']) {
      expect(resolveResourceServer(indicator, servers, mcpScopes)).toEqual({
        audience: servers.mcp,
        scopes: mcpScopes,
      });
    }
  });

  it('resolves the token service to its own API scopes only', () => {
    for (const indicator of ['http://127.0.0.1:8081', 'http://127.0.0.1:8081/']) {
      expect(resolveResourceServer(indicator, servers, mcpScopes)).toEqual({
        audience: servers.tokenService,
        scopes: ['audit:read', 'tokens:revoke'],
      });
    }
  });

  it.each([
    'http://127.0.0.1:8081/admin',
    'http://127.0.0.1:8082',
    'https://127.0.0.1:8081',
    'http://127.0.0.1:8080/mcp?x=1',
    'http://127.0.0.1:8080/mcp#frag',
    'not a url',
  ])('refuses %s', (indicator) => {
    expect(resolveResourceServer(indicator, servers, mcpScopes)).toBeUndefined();
  });
});
