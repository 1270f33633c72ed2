import { canonicalJson, cutText, jsonString, storableText } from './canonical-json.js';
import { sha256Hex } from './content-hash.js';
import { type AuditEvent, eventTypes } from './events.js';
import { uuidV7 } from './uuid-v7.js';

/** An event checked, completed (id, key, time) and hashed, ready for {@link appendEvents}. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly idempotencyKey: string;
  readonly contentHash: string;
  /** The canonical JSON of the {@link HashedEventFields}: the exact text `contentHash` covers. */
  readonly canonical: string;
  /**
   * The row's values in {@link appendColumns} order, each already written as an element of a
   * PostgreSQL array literal (double-quoted and escaped, or `NULL`): a batch travels as one array
   * per column, which the database reads far faster than one JSON document per row.
   */
  readonly cells: readonly string[];
}

/**
 * The columns {@link PreparedEvent.cells} fills, in order, with the SQL type of their array
 * parameter. Array columns travel as the text of an array literal and are cast back.
 */
export const appendColumns = [
  ['event_id', 'uuid'],
  ['idempotency_key', 'text'],
  ['event_type', 'text'],
  ['schema_version', 'integer'],
  ['occurred_at', 'timestamptz'],
  ['service', 'text'],
  ['instance_id', 'text'],
  ['subject', 'text'],
  ['client_id', 'text'],
  ['token_id', 'text'],
  ['mcp_method', 'text'],
  ['tool_name', 'text'],
  ['jsonrpc_id', 'text'],
  ['decision', 'text'],
  ['reason_code', 'text'],
  ['policy_id', 'text'],
  ['policy_version', 'text'],
  ['policy_hash', 'text'],
  ['scopes_required', 'text[]'],
  ['scopes_granted', 'text[]'],
  ['trace_id', 'text'],
  ['span_id', 'text'],
  ['source_address', 'text'],
  ['user_agent', 'text'],
  ['data', 'jsonb'],
  ['content_hash', 'text'],
] as const;

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
  // A generated id needs no check; a supplied one must be a UUID.
  const eventId = event.eventId ?? uuidV7(now.getTime());
  if (event.eventId !== undefined && !uuidPattern.test(eventId))
    throw new TypeError(`eventId must be a UUID, got ${JSON.stringify(eventId)}`);
  const idempotencyKey = event.idempotencyKey ?? eventId;
  if (typeof idempotencyKey !== 'string' || idempotencyKey.length < 1 || idempotencyKey.length > 200) {
    throw new TypeError('idempotencyKey must be 1 to 200 characters');
  }
  const schemaVersion = event.schemaVersion ?? 1;
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 2 ** 31 - 1) {
    throw new TypeError('schemaVersion must be a positive integer');
  }
  const occurredAt = event.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) throw new TypeError('occurredAt is not a valid date');
  if (event.decision !== undefined && event.decision !== 'allow' && event.decision !== 'deny') {
    throw new TypeError(`decision must be allow or deny, got ${JSON.stringify(event.decision)}`);
  }
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError('data must be a JSON object');
  }
  const clientId = optionalString(event.actor?.clientId, 'actor.clientId');
  const decision = event.decision ?? null;
  const id = eventId.toLowerCase();
  const instanceId = requiredString(event.instanceId, 'instanceId');
  const jsonRpcId = callerString(event.request?.jsonRpcId, 'request.jsonRpcId');
  const mcpMethod = callerString(event.request?.method, 'request.method');
  const occurredAtText = isoTimestamp(occurredAt);
  const policyHash = optionalString(event.policy?.hash, 'policy.hash');
  const policyId = optionalString(event.policy?.id, 'policy.id');
  const policyVersion = optionalString(event.policy?.version, 'policy.version');
  const reasonCode = optionalString(event.reasonCode, 'reasonCode');
  const scopesGranted = stringArray(event.scopesGranted, 'scopesGranted');
  const scopesRequired = stringArray(event.scopesRequired, 'scopesRequired');
  const service = requiredString(event.service, 'service');
  const sourceAddress = optionalString(event.source?.address, 'source.address');
  const spanId = optionalString(event.trace?.spanId, 'trace.spanId');
  const subject = optionalString(event.actor?.subject, 'actor.subject');
  const tokenId = optionalString(event.actor?.tokenId, 'actor.tokenId');
  const toolName = callerString(event.request?.toolName, 'request.toolName');
  const traceId = optionalString(event.trace?.traceId, 'trace.traceId');
  const userAgent = callerString(event.source?.userAgent, 'source.userAgent');
  const dataJson = canonicalJson(data);

  // Each string written once as JSON; its array-literal cell is derived from that text.
  const j = {
    clientId: json(clientId),
    idempotencyKey: jsonString(idempotencyKey),
    instanceId: jsonString(instanceId),
    jsonRpcId: json(jsonRpcId),
    mcpMethod: json(mcpMethod),
    policyHash: json(policyHash),
    policyId: json(policyId),
    policyVersion: json(policyVersion),
    reasonCode: json(reasonCode),
    service: jsonString(service),
    sourceAddress: json(sourceAddress),
    spanId: json(spanId),
    subject: json(subject),
    tokenId: json(tokenId),
    toolName: json(toolName),
    traceId: json(traceId),
    userAgent: json(userAgent),
  };
  // canonicalJson of the HashedEventFields, written out directly: the members in sorted order, each
  // value as canonicalJson writes it (jsonString refuses what PostgreSQL cannot store).
  const canonical =
    `{"clientId":${j.clientId},"data":${dataJson},"decision":${json(decision)},` +
    `"eventId":"${id}","idempotencyKey":${j.idempotencyKey},` +
    `"instanceId":${j.instanceId},"jsonRpcId":${j.jsonRpcId},"mcpMethod":${j.mcpMethod},` +
    `"occurredAt":"${occurredAtText}","policyHash":${j.policyHash},"policyId":${j.policyId},` +
    `"policyVersion":${j.policyVersion},"reasonCode":${j.reasonCode},"schemaVersion":${schemaVersion},` +
    `"scopesGranted":${jsonArray(scopesGranted)},"scopesRequired":${jsonArray(scopesRequired)},` +
    `"service":${j.service},"sourceAddress":${j.sourceAddress},"spanId":${j.spanId},` +
    `"subject":${j.subject},"tokenId":${j.tokenId},"toolName":${j.toolName},` +
    `"traceId":${j.traceId},"type":"${event.type}","userAgent":${j.userAgent}}`;
  const contentHash = sha256Hex(canonical);
  return {
    eventId: id,
    idempotencyKey,
    contentHash,
    canonical,
    // In appendColumns order.
    cells: [
      id,
      cellOf(idempotencyKey, j.idempotencyKey),
      event.type,
      String(schemaVersion),
      occurredAtText,
      cellOf(service, j.service),
      cellOf(instanceId, j.instanceId),
      cellOf(subject, j.subject),
      cellOf(clientId, j.clientId),
      cellOf(tokenId, j.tokenId),
      cellOf(mcpMethod, j.mcpMethod),
      cellOf(toolName, j.toolName),
      cellOf(jsonRpcId, j.jsonRpcId),
      decision === null ? 'NULL' : decision,
      cellOf(reasonCode, j.reasonCode),
      cellOf(policyId, j.policyId),
      cellOf(policyVersion, j.policyVersion),
      cellOf(policyHash, j.policyHash),
      cell(arrayLiteral(scopesRequired)),
      cell(arrayLiteral(scopesGranted)),
      cellOf(traceId, j.traceId),
      cellOf(spanId, j.spanId),
      cellOf(sourceAddress, j.sourceAddress),
      cellOf(userAgent, j.userAgent),
      cell(dataJson),
      contentHash,
    ],
  };
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `date.toISOString()`, several times cheaper: the text up to the second is kept from the previous
 * call (events come in bursts within one second), only the milliseconds are written.
 */
export function isoTimestamp(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1_000);
  if (second !== cachedSecond) {
    const iso = date.toISOString();
    // Years beyond 0000–9999 are written with six digits and a sign: not worth a cache.
    if (iso.length !== 24) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const fraction = ms - second * 1_000;
  return `${cachedPrefix}${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`;
}

function json(value: string | null): string {
  return value === null ? 'null' : jsonString(value);
}

function jsonArray(values: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) out += `${i > 0 ? ',' : ''}${jsonString(values[i]!)}`;
  return `${out}]`;
}

/**
 * {@link cell} of `value`, given its JSON text: when JSON escaped nothing (the text is the value
 * between two quotes), that text is already the cell.
 */
function cellOf(value: string | null, json: string): string {
  if (value === null) return 'NULL';
  return json.length === value.length + 2 ? json : cell(value);
}

/**
 * One element of a PostgreSQL array literal: `NULL`, or the text double-quoted with `"` and `\`
 * backslash-escaped (inside quotes everything else, commas, braces and newlines included, is
 * literal). Always quoted, so the string `NULL` stays a string.
 */
export function cell(value: string | null): string {
  if (value === null) return 'NULL';
  // indexOf and replaceAll with plain strings: about half the cost of a regex test and a `$&`
  // replacement, and every event's `data` (JSON, full of quotes) takes the escaping branch.
  const backslash = value.indexOf('\\') !== -1;
  if (!backslash && value.indexOf('"') === -1) return `"${value}"`;
  return `"${(backslash ? value.replaceAll('\\', '\\\\') : value).replaceAll('"', '\\"')}"`;
}

/** The text of a one-dimensional `text[]` literal. */
function arrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += `${i > 0 ? ',' : ''}${cell(values[i]!)}`;
  return `${out}}`;
}

/**
 * Longest text kept in an envelope field. Several come from the caller (user agent, JSON-RPC id, an
 * unknown tool's name) and the log is append-only: a longer value is cut, ending in `…`, rather than
 * let one request store kilobytes for good.
 */
export const maxFieldLength = 512;

function optionalString(value: string | undefined, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return cutText(value, maxFieldLength);
}

function requiredString(value: string, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} is required`);
  return cutText(value, maxFieldLength);
}

/** {@link optionalString} of a field a caller writes: also made storable (see `storableText`). */
function callerString(value: string | undefined, name: string): string | null {
  const text = optionalString(value, name);
  return text === null ? null : storableText(text);
}

function stringArray(value: readonly string[] | undefined, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new TypeError(`${name} must be an array of strings`);
  }
  return value;
}
