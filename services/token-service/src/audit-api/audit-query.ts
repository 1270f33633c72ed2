import {
  type EventPageFilter,
  type EventType,
  eventTypes,
  type ReadCheckpoint,
  startOfLog,
} from '../../../shared/event-store/index.js';
import { decodeCursor } from './audit-cursor.js';
import { parseTimeBound } from './time-bound.js';

/** A validated `GET /audit/events` request. */
export interface AuditQuery {
  readonly filter: EventPageFilter;
  readonly after: ReadCheckpoint;
  readonly limit: number;
  /** Asked for with `format=`; absent means the `Accept` header decides. */
  readonly format: 'json' | 'ndjson' | undefined;
  /**
   * The filters in canonical form (types joined by commas, relative times resolved to ISO 8601):
   * what `audit.queried` records and what the `next` link repeats, so every page of one query
   * covers the same time range. Excludes `cursor` and `format`.
   */
  readonly parameters: Readonly<Record<string, string>>;
}

export type AuditQueryResult =
  | { readonly ok: true; readonly query: AuditQuery }
  | { readonly ok: false; readonly message: string };

/** Every parameter `GET /audit/events` accepts; anything else is refused (it is likely a typo). */
export const auditQueryParameters = [
  'type',
  'subject',
  'client_id',
  'tool',
  'decision',
  'reason',
  'since',
  'until',
  'trace_id',
  'policy_version',
  'limit',
  'cursor',
  'format',
] as const;

export const defaultLimit = 100;
export const maxLimit = 1_000;
const maxValueLength = 256;
// NUL cannot be stored in a Postgres text value (the query would fail with a 500); the other
// control characters have no business in an identifier and usually mean a broken client.
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const knownTypes: ReadonlySet<string> = new Set(eventTypes);

/**
 * Validates the query string of `GET /audit/events` (as fastify parses it: a repeated parameter
 * is an array). A pure function: the route turns `ok: false` into 400 `ERR_AUDIT_QUERY_INVALID`.
 *
 * @example
 * parseAuditQuery({ subject: 'alice@example.com', since: '24h' }, new Date());
 */
export function parseAuditQuery(raw: Readonly<Record<string, unknown>>, now: Date): AuditQueryResult {
  const allowed: ReadonlySet<string> = new Set(auditQueryParameters);
  for (const name of Object.keys(raw)) {
    if (!allowed.has(name)) {
      return fail(`unknown parameter ${JSON.stringify(name)}; accepted: ${auditQueryParameters.join(', ')}`);
    }
  }
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(raw)) {
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((item): item is string => typeof item === 'string')) return fail(`${name}: not a string`);
    if (name !== 'type' && list.length > 1) return fail(`${name}: given more than once`);
    for (const item of list) {
      if (item.length > maxValueLength) return fail(`${name}: longer than ${maxValueLength} characters`);
      if (hasControlCharacter(item)) return fail(`${name}: contains control characters`);
      if (item.trim() === '') return fail(`${name}: must not be empty`);
    }
    values.set(name, list);
  }
  const one = (name: string): string | undefined => values.get(name)?.[0];

  const filter: { -readonly [K in keyof EventPageFilter]: EventPageFilter[K] } = {};
  const parameters: Record<string, string> = {};

  const typeValues = values.get('type');
  if (typeValues) {
    const types: EventType[] = [];
    for (const item of typeValues.flatMap((value) => value.split(','))) {
      const type = item.trim();
      if (!knownTypes.has(type)) {
        return fail(`type: ${JSON.stringify(type)} is not an event type; known: ${eventTypes.join(', ')}`);
      }
      if (!types.includes(type as EventType)) types.push(type as EventType);
    }
    filter.types = types;
    parameters.type = types.join(',');
  }

  const exact: readonly [string, 'subject' | 'clientId' | 'toolName' | 'reasonCode' | 'policyVersion'][] = [
    ['subject', 'subject'],
    ['client_id', 'clientId'],
    ['tool', 'toolName'],
    ['reason', 'reasonCode'],
    ['policy_version', 'policyVersion'],
  ];
  for (const [name, field] of exact) {
    const value = one(name);
    if (value === undefined) continue;
    filter[field] = value;
    parameters[name] = value;
  }

  const decision = one('decision');
  if (decision !== undefined) {
    if (decision !== 'allow' && decision !== 'deny') return fail('decision: must be allow or deny');
    filter.decision = decision;
    parameters.decision = decision;
  }

  const traceId = one('trace_id');
  if (traceId !== undefined) {
    if (!/^[0-9a-f]{32}$/i.test(traceId)) return fail('trace_id: must be 32 hexadecimal characters');
    filter.traceId = traceId.toLowerCase();
    parameters.trace_id = filter.traceId;
  }

  for (const name of ['since', 'until'] as const) {
    const value = one(name);
    if (value === undefined) continue;
    const bound = parseTimeBound(value, now);
    if (!bound.ok) return fail(`${name}: ${bound.message}`);
    filter[name] = bound.date;
    parameters[name] = bound.date.toISOString();
  }
  if (filter.since && filter.until && filter.since >= filter.until) {
    return fail('since: must be earlier than until');
  }

  let limit = defaultLimit;
  const limitText = one('limit');
  if (limitText !== undefined) {
    limit = /^\d{1,5}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= maxLimit)) return fail(`limit: must be an integer from 1 to ${maxLimit}`);
  }
  parameters.limit = String(limit);

  let after = startOfLog;
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (!decoded) return fail('cursor: not a cursor returned by this API');
    after = decoded;
  }

  const format = one('format');
  if (format !== undefined && format !== 'json' && format !== 'ndjson') {
    return fail('format: must be json or ndjson');
  }

  return { ok: true, query: { filter, after, limit, format, parameters } };
}

function fail(message: string): AuditQueryResult {
  return { ok: false, message };
}
