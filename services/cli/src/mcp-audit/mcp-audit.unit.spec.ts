import { describe, expect, it } from 'vitest';
import { accessTokenFor, credentialsFilePath } from './credentials-file.js';
import { EventTable } from './event-table.js';
import { filterParams } from './filter-flags.js';
import { event } from './public-event-fixture.js';

describe('EventTable', () => {
  it('aligns columns, shows - for empty cells and keeps the first widths for later batches', () => {
    const table = new EventTable();
    const first = table.format([
      event(),
      event({ type: 'login.succeeded', tool_name: null, decision: null, reason_code: null }),
    ]);
    expect(first).toEqual([
      'TIME                  TYPE              SUBJECT          TOOL                   DECISION  REASON                  TRACE ID',
      '2025-06-10 12:00:00Z  tool.call.denied  bob@example.com  get_confidential_info  deny      ERR_SCOPE_INSUFFICIENT  4bf92f3577b34da6a3ce929d0e0e4736',
      '2025-06-10 12:00:00Z  login.succeeded   bob@example.com  -                      -         -                       4bf92f3577b34da6a3ce929d0e0e4736',
    ]);
    const later = table.format([event({ subject: 'a-much-longer-subject@example.com', trace_id: null })]);
    expect(later).toEqual([
      '2025-06-10 12:00:00Z  tool.call.denied  a-much-longer-…  get_confidential_info  deny      ERR_SCOPE_INSUFFICIENT  -',
    ]);
  });

  it('prints only the header for an empty first batch', () => {
    expect(new EventTable().format([])).toHaveLength(1);
  });
});

describe('accessTokenFor (mcp-token credentials)', () => {
  const now = new Date('2025-06-10T12:00:00Z');
  const file = {
    version: 1,
    access_tokens: {
      'http://127.0.0.1:8080/mcp': { access_token: 'mcp-token', token_type: 'Bearer' },
      'http://127.0.0.1:8081/': { access_token: 'audit-token', expires_at: '2025-06-10T12:15:00Z' },
    },
  };

  it('picks the token for the token service, whatever the trailing slash', () => {
    expect(accessTokenFor(file, 'http://127.0.0.1:8081', now)).toEqual({
      found: 'token',
      token: 'audit-token',
    });
  });

  it('reports an expired token rather than sending it', () => {
    expect(accessTokenFor(file, 'http://127.0.0.1:8081', new Date('2025-06-10T13:00:00Z'))).toEqual({
      found: 'expired',
      expiredAt: '2025-06-10T12:15:00Z',
    });
  });

  it.each([
    null,
    'text',
    {},
    { access_tokens: 'x' },
    { access_tokens: { 'http://127.0.0.1:8081': { access_token: 3 } } },
  ])('finds nothing in %j', (json) => {
    expect(accessTokenFor(json, 'http://127.0.0.1:8081', now)).toEqual({ found: 'none' });
  });

  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsFilePath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/mcp-token/credentials.json');
    expect(credentialsFilePath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' })).toBe(
      '/h/.config/mcp-token/credentials.json',
    );
    expect(credentialsFilePath({ MCP_TOKEN_CREDENTIALS: '/c.json' })).toBe('/c.json');
  });
});

describe('filterParams', () => {
  it('maps flags to API parameters and resolves relative times once', () => {
    const params = filterParams(
      {
        type: ['tool.call.denied', 'auth.rejected'],
        subject: 'alice',
        client: 'claude-code',
        tool: 't',
        decision: 'deny',
        reason: 'R',
        trace: 'abc',
        'policy-version': '3',
        since: '1h',
        until: 'tomorrow',
      },
      new Date('2025-06-10T12:00:00Z'),
    );
    expect([...params]).toEqual([
      ['type', 'tool.call.denied'],
      ['type', 'auth.rejected'],
      ['subject', 'alice'],
      ['client_id', 'claude-code'],
      ['tool', 't'],
      ['decision', 'deny'],
      ['reason', 'R'],
      ['trace_id', 'abc'],
      ['policy_version', '3'],
      ['since', '2025-06-10T11:00:00.000Z'],
      // Left for the API to refuse with its message.
      ['until', 'tomorrow'],
    ]);
  });
});
