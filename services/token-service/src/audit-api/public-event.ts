import type { StoredEvent } from '../../../shared/event-store/index.js';

/**
 * An audit event as the audit API returns it: a stable, snake_case shape independent of the table's
 * columns. `position` is the event's place in the log (`global_position`, a decimal string: it can
 * exceed 2^53). `data` is the type-specific payload exactly as recorded (it is covered by
 * `content_hash`), so its keys follow the event contract (`events.ts`).
 */
export interface PublicAuditEvent {
  readonly position: string;
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly occurred_at: string;
  readonly recorded_at: string;
  readonly service: string;
  readonly instance_id: string;
  readonly subject: string | null;
  readonly client_id: string | null;
  readonly token_id: string | null;
  readonly mcp_method: string | null;
  readonly tool_name: string | null;
  readonly jsonrpc_id: string | null;
  readonly decision: 'allow' | 'deny' | null;
  readonly reason_code: string | null;
  readonly policy_id: string | null;
  readonly policy_version: string | null;
  readonly policy_hash: string | null;
  readonly scopes_required: readonly string[];
  readonly scopes_granted: readonly string[];
  readonly trace_id: string | null;
  readonly span_id: string | null;
  readonly source_address: string | null;
  readonly user_agent: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly content_hash: string;
}

/** Maps a stored event to the public shape (`transaction_id` stays internal: it lives in cursors). */
export function toPublicEvent(event: StoredEvent): PublicAuditEvent {
  return {
    position: event.globalPosition,
    event_id: event.eventId,
    type: event.type,
    schema_version: event.schemaVersion,
    occurred_at: event.occurredAt.toISOString(),
    recorded_at: event.recordedAt.toISOString(),
    service: event.service,
    instance_id: event.instanceId,
    subject: event.subject,
    client_id: event.clientId,
    token_id: event.tokenId,
    mcp_method: event.mcpMethod,
    tool_name: event.toolName,
    jsonrpc_id: event.jsonRpcId,
    decision: event.decision,
    reason_code: event.reasonCode,
    policy_id: event.policyId,
    policy_version: event.policyVersion,
    policy_hash: event.policyHash,
    scopes_required: event.scopesRequired,
    scopes_granted: event.scopesGranted,
    trace_id: event.traceId,
    span_id: event.spanId,
    source_address: event.sourceAddress,
    user_agent: event.userAgent,
    data: event.data,
    content_hash: event.contentHash,
  };
}
