import type { ToolCallAllowed, ToolCallDenied } from '../event-store/index.js';

/** A complete `tool.call.allowed` event with every envelope field set; override what a test needs. */
export function sampleAllowed(overrides: Partial<ToolCallAllowed> = {}): ToolCallAllowed {
  return {
    type: 'tool.call.allowed',
    service: 'mcp-server',
    instanceId: 'test-instance',
    actor: { subject: 'alice@example.com', clientId: 'claude-code', tokenId: 'jti-1' },
    request: { method: 'tools/call', toolName: 'get_public_info', jsonRpcId: '1' },
    decision: 'allow',
    reasonCode: 'OK',
    policy: { id: 'tools', version: '2024-06-01', hash: 'a'.repeat(64) },
    scopesRequired: ['public:read'],
    scopesGranted: ['public:read', 'audit:read'],
    trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
    source: { address: '127.0.0.1', userAgent: 'vitest' },
    data: { argumentsHmac: 'hmac' },
    ...overrides,
  };
}

/** A `tool.call.denied` event for `get_confidential_info`. */
export function sampleDenied(overrides: Partial<ToolCallDenied> = {}): ToolCallDenied {
  return {
    type: 'tool.call.denied',
    service: 'mcp-server',
    instanceId: 'test-instance',
    actor: { subject: 'bob@example.com', clientId: 'claude-code', tokenId: 'jti-2' },
    request: { method: 'tools/call', toolName: 'get_confidential_info', jsonRpcId: '2' },
    decision: 'deny',
    reasonCode: 'ERR_SCOPE_INSUFFICIENT',
    scopesRequired: ['confidential:read'],
    scopesGranted: ['public:read'],
    data: {},
    ...overrides,
  };
}

/**
 * Strings that stress every encoding the write path uses (JSON, PostgreSQL array literals): quotes,
 * backslashes, braces, commas, the word NULL, whitespace, empty, non-ASCII and astral characters.
 */
export const awkwardStrings: readonly string[] = [
  'NULL',
  'null',
  '',
  ' ',
  '"quoted"',
  'back\\slash\\',
  '\\"',
  '{braces},[brackets]',
  'a,b,c',
  'tab\tnew\nline\r',
  "O'Brien",
  'ünïcödé – ✓',
  '😀 astral',
  '$1 ::text[]',
];

/** A `tool.call.allowed` event whose every free-form string field holds an awkward string. */
export function sampleAwkward(n: number): ToolCallAllowed {
  const pick = (k: number) => awkwardStrings[(n + k) % awkwardStrings.length]!;
  return sampleAllowed({
    actor: { subject: pick(0), clientId: pick(1), tokenId: pick(2) },
    request: { method: pick(3), toolName: pick(4), jsonRpcId: pick(5) },
    reasonCode: pick(6),
    policy: { id: pick(7), version: pick(8), hash: pick(9) },
    scopesRequired: [pick(10), pick(11)],
    scopesGranted: n % 3 === 0 ? [] : [pick(12)],
    trace: { traceId: pick(13), spanId: pick(0) },
    source: { address: pick(1), userAgent: pick(2) },
    data: { argumentsHmac: pick(3), nested: { [pick(4)]: [pick(5), n, null, true] } } as {
      argumentsHmac?: string;
    },
    idempotencyKey: `${pick(6)}-${n}`,
  });
}
