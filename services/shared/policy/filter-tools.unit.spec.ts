import { describe, expect, it } from 'vitest';
import { decideToolCall } from './decide-tool-call.js';
import { filterTools } from './filter-tools.js';
import { parsePolicy } from './parse-policy.js';

const policy = parsePolicy(`id: mcp-docs
version: 1
tools:
  get_public_info: { scopes: [public:read] }
  get_confidential_info: { scopes: [confidential:read] }
  not_on_server: { scopes: [public:read] }
identities: []
`);

const serverTools = ['get_public_info', 'get_confidential_info'];

describe('filterTools', () => {
  it('shows a public-only caller only get_public_info', () => {
    expect(filterTools(policy, new Set(['public:read']), serverTools)).toEqual({
      visible: ['get_public_info'],
      hidden: ['get_confidential_info'],
    });
  });

  it('shows a caller with both read scopes both tools', () => {
    expect(filterTools(policy, new Set(['public:read', 'confidential:read']), serverTools)).toEqual({
      visible: ['get_confidential_info', 'get_public_info'],
      hidden: [],
    });
  });

  it('shows a caller with no scopes nothing', () => {
    expect(filterTools(policy, new Set(), serverTools)).toEqual({
      visible: [],
      hidden: ['get_confidential_info', 'get_public_info'],
    });
  });

  it('hides a server tool the policy does not list, even from a caller with every scope', () => {
    const everything = new Set(['public:read', 'confidential:read', 'audit:read', 'tokens:revoke']);
    expect(filterTools(policy, everything, [...serverTools, 'debug_dump'])).toEqual({
      visible: ['get_confidential_info', 'get_public_info'],
      hidden: ['debug_dump'],
    });
  });

  it('lists only tools the server has, sorted and without repeats', () => {
    const result = filterTools(policy, new Set(['public:read']), [
      'zeta',
      'get_public_info',
      'alpha',
      'zeta',
    ]);
    expect(result).toEqual({ visible: ['get_public_info'], hidden: ['alpha', 'zeta'] });
  });

  it('agrees with decideToolCall for every tool and scope combination', () => {
    const tools = [...serverTools, 'debug_dump'];
    const grants = [[], ['public:read'], ['confidential:read'], ['public:read', 'confidential:read']];
    for (const granted of grants) {
      const scopes = new Set(granted);
      const { visible } = filterTools(policy, scopes, tools);
      for (const tool of tools) {
        expect(visible.includes(tool)).toBe(decideToolCall(policy, scopes, tool, new Set(tools)).ok);
      }
    }
  });
});
