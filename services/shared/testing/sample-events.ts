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
