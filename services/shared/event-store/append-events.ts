import type { DatabaseHandle } from '../db/index.js';
import type { AppendReceipt } from './api.js';
import type { PreparedEvent } from './prepare-event.js';

/**
 * One statement for the whole batch: the events travel as one JSON array (each element the event's
 * hashed canonical JSON, see `prepare-event.ts`) and `json_to_recordset` turns it into rows. ON
 * CONFLICT DO NOTHING without a target covers both `idempotency_key` and `event_id`, so a retried
 * batch inserts only what is missing and never fails on what already landed.
 */
const insertSql = `
INSERT INTO audit_events (
  event_id, idempotency_key, event_type, schema_version, occurred_at, service, instance_id,
  subject, client_id, token_id, mcp_method, tool_name, jsonrpc_id, decision, reason_code,
  policy_id, policy_version, policy_hash, scopes_required, scopes_granted, trace_id, span_id,
  source_address, user_agent, data, content_hash
)
SELECT
  "eventId", "idempotencyKey", "type", "schemaVersion", "occurredAt", "service", "instanceId",
  "subject", "clientId", "tokenId", "mcpMethod", "toolName", "jsonRpcId", "decision", "reasonCode",
  "policyId", "policyVersion", "policyHash", "scopesRequired", "scopesGranted", "traceId", "spanId",
  "sourceAddress", "userAgent", "data", "contentHash"
FROM json_to_recordset($1::json) AS e(
  "eventId" uuid, "idempotencyKey" text, "type" text, "schemaVersion" integer, "occurredAt" timestamptz,
  "service" text, "instanceId" text, "subject" text, "clientId" text, "tokenId" text, "mcpMethod" text,
  "toolName" text, "jsonRpcId" text, "decision" text, "reasonCode" text, "policyId" text,
  "policyVersion" text, "policyHash" text, "scopesRequired" text[], "scopesGranted" text[],
  "traceId" text, "spanId" text, "sourceAddress" text, "userAgent" text, "data" jsonb, "contentHash" text
)
ON CONFLICT DO NOTHING
RETURNING idempotency_key, event_id, global_position`;

const existingSql = `
SELECT idempotency_key, event_id, global_position FROM audit_events
WHERE idempotency_key = ANY($1::text[]) OR event_id = ANY($2::uuid[])`;

interface ReceiptRow {
  idempotency_key: string;
  event_id: string;
  global_position: string | number;
}

/**
 * Appends a batch in one INSERT (autocommit: resolved means committed) and returns one receipt per
 * input event, in input order. Events whose idempotency key is already in the log are not inserted
 * again; their receipt names the row already there (so a retried batch reports the same positions).
 * A receipt is `undefined` when the event id is already used by a row with a *different* idempotency
 * key: that event was not recorded.
 *
 * @param timeoutMs overall budget; see `DatabaseHandle.execute`.
 */
export async function appendEvents(
  database: Pick<DatabaseHandle, 'execute'>,
  events: readonly PreparedEvent[],
  timeoutMs?: number,
): Promise<(AppendReceipt | undefined)[]> {
  if (events.length === 0) return [];
  const started = performance.now();
  const inserted = await database.execute<ReceiptRow>(
    insertSql,
    [`[${events.map((e) => e.payload).join(',')}]`],
    // Named: parsed and planned once per connection, not on every flush.
    { timeoutMs, name: 'audit_events_append' },
  );
  const byKey = new Map<string, AppendReceipt>();
  for (const row of inserted) byKey.set(row.idempotency_key, toReceipt(row));
  if (byKey.size === events.length) return events.map((event) => byKey.get(event.idempotencyKey));

  const missing = events.filter((event) => !byKey.has(event.idempotencyKey));
  if (missing.length > 0) {
    const remaining =
      timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - (performance.now() - started));
    const existing = await database.execute<ReceiptRow>(
      existingSql,
      [missing.map((event) => event.idempotencyKey), missing.map((event) => event.eventId)],
      { timeoutMs: remaining },
    );
    for (const row of existing)
      if (!byKey.has(row.idempotency_key)) byKey.set(row.idempotency_key, toReceipt(row));
  }
  return events.map((event) => byKey.get(event.idempotencyKey));
}

function toReceipt(row: ReceiptRow): AppendReceipt {
  return { eventId: row.event_id, globalPosition: String(row.global_position) };
}
