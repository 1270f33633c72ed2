import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../../shared/event-store/index.js';
import { toOcsf } from './ocsf-mapping.js';
import { event } from './public-event-fixture.js';

describe('toOcsf', () => {
  it('maps a denied tool call to API Activity with a failed status, the actor, the policy and the trace', () => {
    expect(toOcsf(event())).toMatchObject({
      category_uid: 6,
      class_uid: 6003,
      class_name: 'API Activity',
      activity_id: 99,
      activity_name: 'Invoke Tool',
      type_uid: 600399,
      time: Date.parse('2025-06-10T12:00:00.456Z'),
      severity_id: 2,
      status_id: 2,
      status: 'Failure',
      status_code: 'ERR_SCOPE_INSUFFICIENT',
      metadata: {
        version: '1.3.0',
        uid: '0190a0b0-0000-7000-8000-000000000001',
        event_code: 'tool.call.denied',
        original_time: '2025-06-10T12:00:00.123Z',
        correlation_uid: '4bf92f3577b34da6a3ce929d0e0e4736',
      },
      actor: {
        user: { uid: 'bob@example.com', email_addr: 'bob@example.com' },
        app_uid: 'claude-code',
        session: { uid: 'jti-2' },
      },
      api: { operation: 'tools/call', request: { uid: '2' }, service: { name: 'get_confidential_info' } },
      resources: [{ name: 'get_confidential_info', type: 'MCP tool' }],
      src_endpoint: { ip: '10.0.0.7' },
      http_request: { user_agent: 'claude-code/2.1' },
      policies: [
        { uid: 'a'.repeat(64), name: 'tools', version: '3', is_applied: true, desc: 'decision: deny' },
      ],
      unmapped: { position: '42', content_hash: 'b'.repeat(64), scopes_required: ['confidential:read'] },
    });
  });

  it('maps token issuance to Authorize Session with the scopes as privileges', () => {
    const ocsf = toOcsf(
      event({
        type: 'token.issued',
        service: 'token-service',
        mcp_method: null,
        tool_name: null,
        decision: null,
        reason_code: null,
        scopes_granted: ['public:read'],
        data: { audience: 'https://mcp.example.com/mcp', scopes: ['public:read', 'confidential:read'] },
      }),
    );
    expect(ocsf).toMatchObject({
      category_uid: 3,
      class_uid: 3003,
      activity_id: 1,
      activity_name: 'Assign Privileges',
      type_uid: 300301,
      status_id: 1,
      severity_id: 1,
      user: { uid: 'bob@example.com' },
      privileges: ['public:read', 'confidential:read'],
      session: { uid: 'jti-2' },
      dst_endpoint: { svc_name: 'https://mcp.example.com/mcp' },
    });
    expect(ocsf.api).toBeUndefined();
  });

  it.each([
    ['login.succeeded', 3002, 1, 1],
    ['login.failed', 3002, 1, 2],
    ['auth.rejected', 3002, 99, 2],
    ['token.revoked', 3002, 2, 1],
    ['token.refreshed', 3003, 1, 1],
    ['tools.listed', 6003, 2, 1],
    ['tool.call.allowed', 6003, 99, 1],
    ['audit.queried', 6003, 2, 1],
    ['policy.activated', 6003, 3, 1],
    ['audit.checkpoint.sealed', 6003, 1, 1],
  ] as const)('maps %s to class %i activity %i status %i', (type, classUid, activityId, statusId) => {
    const decision = statusId === 2 ? 'deny' : type === 'tool.call.allowed' ? 'allow' : null;
    const ocsf = toOcsf(event({ type, decision, reason_code: statusId === 2 ? 'ERR_X' : null }));
    expect([ocsf.class_uid, ocsf.activity_id, ocsf.status_id, ocsf.type_uid]).toEqual([
      classUid,
      activityId,
      statusId,
      classUid * 100 + activityId,
    ]);
  });

  it('takes a completed call’s status from its outcome', () => {
    const failed = toOcsf(
      event({
        type: 'tool.call.completed',
        decision: 'allow',
        reason_code: null,
        data: { outcome: 'error', errorCode: 'ERR_TOOL_FAILED' },
      }),
    );
    expect([failed.status_id, failed.status_code]).toEqual([2, 'ERR_TOOL_FAILED']);
    const ok = toOcsf(
      event({ type: 'tool.call.completed', decision: 'allow', reason_code: null, data: { outcome: 'ok' } }),
    );
    expect(ok.status_id).toBe(1);
  });

  it('maps every contract event type to a documented class, and an unauthenticated caller without a user', () => {
    for (const type of eventTypes) expect([1, 2, 3, 99]).toContain(toOcsf(event({ type })).activity_id);
    const anonymous = toOcsf(
      event({ type: 'auth.rejected', subject: null, client_id: null, token_id: null }),
    );
    expect(anonymous.actor).toEqual({ app_name: 'mcp-server' });
    expect(anonymous.user).toEqual({});
    expect(anonymous.message).toBe(
      'auth.rejected get_confidential_info by an unauthenticated caller: deny (ERR_SCOPE_INSUFFICIENT)',
    );
  });
});
