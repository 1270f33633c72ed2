import type { Selectable } from 'kysely';
import type { AuditEventsTable } from '../db/index.js';
import type { StoredEvent } from './api.js';
import type { Decision, EventType } from './events.js';

/** An `audit_events` row as pg or PGlite returns it. */
export type AuditEventRow = Selectable<AuditEventsTable>;

/** Maps a row to the {@link StoredEvent} contract (bigint and xid8 as decimal strings). */
export function toStoredEvent(row: AuditEventRow): StoredEvent {
  return {
    globalPosition: String(row.global_position),
    transactionId: String(row.transaction_id),
    eventId: row.event_id,
    idempotencyKey: row.idempotency_key,
    type: row.event_type as EventType,
    schemaVersion: row.schema_version,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    service: row.service,
    instanceId: row.instance_id,
    subject: row.subject,
    clientId: row.client_id,
    tokenId: row.token_id,
    mcpMethod: row.mcp_method,
    toolName: row.tool_name,
    jsonRpcId: row.jsonrpc_id,
    decision: row.decision as Decision | null,
    reasonCode: row.reason_code,
    policyId: row.policy_id,
    policyVersion: row.policy_version,
    policyHash: row.policy_hash,
    scopesRequired: row.scopes_required,
    scopesGranted: row.scopes_granted,
    traceId: row.trace_id,
    spanId: row.span_id,
    sourceAddress: row.source_address,
    userAgent: row.user_agent,
    data: row.data,
    contentHash: row.content_hash,
  };
}
