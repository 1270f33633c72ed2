import { canonicalJson } from './canonical-json.js';
import type { HashedEventFields } from './content-hash.js';
import { sha256Hex } from './content-hash.js';
import { type AuditEvent, eventTypes } from './events.js';
import { uuidV7 } from './uuid-v7.js';

/** An event checked, completed (id, key, time) and hashed, ready for {@link appendEvents}. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly idempotencyKey: string;
  readonly contentHash: string;
  /**
   * One element of the INSERT's JSON parameter: the canonical JSON of the hashed fields with
   * `contentHash` added. Reusing the hashed text means each event is serialised once.
   */
  readonly payload: string;
}

const knownTypes: ReadonlySet<string> = new Set(eventTypes);
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates one event and fills the envelope defaults: `eventId` (UUIDv7), `idempotencyKey`
 * (= eventId), `schemaVersion` (1), `occurredAt` (`now`). Anything the database would reject is
 * refused here, so one bad event cannot fail a group-commit batch shared with other callers.
 *
 * @throws {TypeError} naming the offending field.
 */
export function prepareEvent(event: AuditEvent, now: Date): PreparedEvent {
  if (!knownTypes.has(event.type)) throw new TypeError(`Unknown event type ${JSON.stringify(event.type)}`);
  const eventId = event.eventId ?? uuidV7(now.getTime());
  if (!uuidPattern.test(eventId))
    throw new TypeError(`eventId must be a UUID, got ${JSON.stringify(eventId)}`);
  const idempotencyKey = event.idempotencyKey ?? eventId;
  if (idempotencyKey.length < 1 || idempotencyKey.length > 200) {
    throw new TypeError('idempotencyKey must be 1 to 200 characters');
  }
  const schemaVersion = event.schemaVersion ?? 1;
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 2 ** 31 - 1) {
    throw new TypeError('schemaVersion must be a positive integer');
  }
  const occurredAt = event.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) throw new TypeError('occurredAt is not a valid date');
  if (!event.service || !event.instanceId) throw new TypeError('service and instanceId are required');
  if (event.decision !== undefined && event.decision !== 'allow' && event.decision !== 'deny') {
    throw new TypeError(`decision must be allow or deny, got ${JSON.stringify(event.decision)}`);
  }
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError('data must be a JSON object');
  }
  // Members written in sorted order, so canonicalJson finds them sorted and skips the sort.
  const fields: HashedEventFields = {
    clientId: event.actor?.clientId ?? null,
    data: data as Record<string, unknown>,
    decision: event.decision ?? null,
    eventId: eventId.toLowerCase(),
    idempotencyKey,
    instanceId: event.instanceId,
    jsonRpcId: event.request?.jsonRpcId ?? null,
    mcpMethod: event.request?.method ?? null,
    occurredAt: occurredAt.toISOString(),
    policyHash: event.policy?.hash ?? null,
    policyId: event.policy?.id ?? null,
    policyVersion: event.policy?.version ?? null,
    reasonCode: event.reasonCode ?? null,
    schemaVersion,
    scopesGranted: stringArray(event.scopesGranted, 'scopesGranted'),
    scopesRequired: stringArray(event.scopesRequired, 'scopesRequired'),
    service: event.service,
    sourceAddress: event.source?.address ?? null,
    spanId: event.trace?.spanId ?? null,
    subject: event.actor?.subject ?? null,
    tokenId: event.actor?.tokenId ?? null,
    toolName: event.request?.toolName ?? null,
    traceId: event.trace?.traceId ?? null,
    type: event.type,
    userAgent: event.source?.userAgent ?? null,
  };
  const canonical = canonicalJson(fields);
  const contentHash = sha256Hex(canonical);
  return {
    eventId: fields.eventId,
    idempotencyKey,
    contentHash,
    // The canonical text always starts with `{"clientId"` (sorted keys), so this stays valid JSON.
    payload: `{"contentHash":"${contentHash}",${canonical.slice(1)}`,
  };
}

function stringArray(value: readonly string[] | undefined, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new TypeError(`${name} must be an array of strings`);
  }
  return value;
}
