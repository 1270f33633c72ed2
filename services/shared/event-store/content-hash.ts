import { hash } from 'node:crypto';
import type { StoredEvent } from './api.js';
import { canonicalJson } from './canonical-json.js';
import type { Decision, EventType } from './events.js';

/**
 * Exactly the fields the content hash covers: every column of `audit_events` the application sets,
 * named as in {@link StoredEvent}. Left out are the values the database sets (`global_position`,
 * `transaction_id`, `recorded_at`) and `content_hash` itself.
 *
 * Absent optional values are `null`; `scopesRequired` and `scopesGranted` are arrays (possibly
 * empty) in stored order; `occurredAt` is the ISO 8601 UTC form with milliseconds that
 * `Date.prototype.toISOString` produces (the application clock has millisecond resolution).
 */
export interface HashedEventFields {
  readonly eventId: string;
  readonly idempotencyKey: string;
  readonly type: EventType;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly service: string;
  readonly instanceId: string;
  readonly subject: string | null;
  readonly clientId: string | null;
  readonly tokenId: string | null;
  readonly mcpMethod: string | null;
  readonly toolName: string | null;
  readonly jsonRpcId: string | null;
  readonly decision: Decision | null;
  readonly reasonCode: string | null;
  readonly policyId: string | null;
  readonly policyVersion: string | null;
  readonly policyHash: string | null;
  readonly scopesRequired: readonly string[];
  readonly scopesGranted: readonly string[];
  readonly traceId: string | null;
  readonly spanId: string | null;
  readonly sourceAddress: string | null;
  readonly userAgent: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * `content_hash`: lower-case hex SHA-256 of the UTF-8 bytes of {@link canonicalJson} applied to the
 * {@link HashedEventFields}. A verifier recomputes it from a row with {@link hashedFieldsOf}.
 *
 * @example
 * const ok = contentHash(hashedFieldsOf(stored)) === stored.contentHash;
 */
export function contentHash(fields: HashedEventFields): string {
  return sha256Hex(canonicalJson(fields));
}

/** SHA-256 of a canonical JSON text, for callers that already hold it. */
export function sha256Hex(text: string): string {
  // One-shot: about half the cost of createHash().update().digest() for an event-sized text.
  return hash('sha256', text, 'hex');
}

/** The hashed fields of an event read back from the log. */
export function hashedFieldsOf(event: StoredEvent): HashedEventFields {
  return {
    eventId: event.eventId,
    idempotencyKey: event.idempotencyKey,
    type: event.type,
    schemaVersion: event.schemaVersion,
    occurredAt: event.occurredAt.toISOString(),
    service: event.service,
    instanceId: event.instanceId,
    subject: event.subject,
    clientId: event.clientId,
    tokenId: event.tokenId,
    mcpMethod: event.mcpMethod,
    toolName: event.toolName,
    jsonRpcId: event.jsonRpcId,
    decision: event.decision,
    reasonCode: event.reasonCode,
    policyId: event.policyId,
    policyVersion: event.policyVersion,
    policyHash: event.policyHash,
    scopesRequired: event.scopesRequired,
    scopesGranted: event.scopesGranted,
    traceId: event.traceId,
    spanId: event.spanId,
    sourceAddress: event.sourceAddress,
    userAgent: event.userAgent,
    data: event.data,
  };
}
