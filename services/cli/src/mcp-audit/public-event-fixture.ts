import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';

/** A public audit event for unit tests: a denied tools/call, with any field overridden. */
export function event(overrides: Partial<PublicAuditEvent> = {}): PublicAuditEvent {
  return {
    position: '42',
    event_id: '0190a0b0-0000-7000-8000-000000000001',
    type: 'tool.call.denied',
    schema_version: 1,
    occurred_at: '2025-06-10T12:00:00.123Z',
    recorded_at: '2025-06-10T12:00:00.456Z',
    service: 'mcp-server',
    instance_id: 'mcp-1',
    subject: 'bob@example.com',
    client_id: 'claude-code',
    token_id: 'jti-2',
    mcp_method: 'tools/call',
    tool_name: 'get_confidential_info',
    jsonrpc_id: '2',
    decision: 'deny',
    reason_code: 'ERR_SCOPE_INSUFFICIENT',
    policy_id: 'tools',
    policy_version: '3',
    policy_hash: 'a'.repeat(64),
    scopes_required: ['confidential:read'],
    scopes_granted: ['public:read'],
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    source_address: '10.0.0.7',
    user_agent: 'claude-code/2.1',
    data: { argumentsHmac: 'h' },
    content_hash: 'b'.repeat(64),
    ...overrides,
  };
}
