import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../../shared/event-store/index.js';
import { decodeCursor, encodeCursor } from './audit-cursor.js';
import { parseAuditQuery } from './audit-query.js';
import { parseTimeBound } from './time-bound.js';

const now = new Date('2025-06-10T12:00:00.000Z');

function ok(raw: Record<string, unknown>) {
  const result = parseAuditQuery(raw, now);
  if (!result.ok) throw new Error(result.message);
  return result.query;
}

function refused(raw: Record<string, unknown>): string {
  const result = parseAuditQuery(raw, now);
  if (result.ok) throw new Error('accepted');
  return result.message;
}

describe('parseAuditQuery', () => {
  it('defaults to the first 100 events from the start of the log', () => {
    const query = ok({});
    expect(query).toEqual({
      filter: {},
      after: { transactionId: '0', globalPosition: '0' },
      limit: 100,
      format: undefined,
      parameters: { limit: '100' },
    });
  });

  it('maps every filter to the page filter and to canonical parameters', () => {
    const query = ok({
      type: ['tool.call.denied,tool.call.allowed', 'tool.call.denied'],
      subject: 'alice@example.com',
      client_id: 'claude-code',
      tool: 'get_public_info',
      decision: 'deny',
      reason: 'ERR_SCOPE_INSUFFICIENT',
      since: '24h',
      until: '2025-06-10T13:00:00+02:00',
      trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736',
      policy_version: '3',
      limit: '25',
      format: 'ndjson',
    });
    expect(query.filter).toEqual({
      types: ['tool.call.denied', 'tool.call.allowed'],
      subject: 'alice@example.com',
      clientId: 'claude-code',
      toolName: 'get_public_info',
      decision: 'deny',
      reasonCode: 'ERR_SCOPE_INSUFFICIENT',
      since: new Date('2025-06-09T12:00:00.000Z'),
      until: new Date('2025-06-10T11:00:00.000Z'),
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      policyVersion: '3',
    });
    expect(query.parameters).toEqual({
      type: 'tool.call.denied,tool.call.allowed',
      subject: 'alice@example.com',
      client_id: 'claude-code',
      tool: 'get_public_info',
      decision: 'deny',
      reason: 'ERR_SCOPE_INSUFFICIENT',
      since: '2025-06-09T12:00:00.000Z',
      until: '2025-06-10T11:00:00.000Z',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      policy_version: '3',
      limit: '25',
    });
    expect(query.limit).toBe(25);
    expect(query.format).toBe('ndjson');
  });

  it('accepts every contract event type', () => {
    expect(ok({ type: eventTypes.join(',') }).filter.types).toEqual([...eventTypes]);
  });

  it('keeps SQL-looking values as plain values (they are bound parameters)', () => {
    expect(ok({ subject: "' OR 1=1 --" }).filter.subject).toBe("' OR 1=1 --");
  });

  it.each([
    [{ nope: '1' }, 'unknown parameter "nope"'],
    [{ subject: ['a', 'b'] }, 'subject: given more than once'],
    [{ subject: '' }, 'subject: must not be empty'],
    [{ subject: 'a\u0000b' }, 'subject: contains control characters'],
    [{ subject: 'x'.repeat(257) }, 'subject: longer than 256'],
    [{ type: 'tool.call.exploded' }, 'type: "tool.call.exploded" is not an event type'],
    [{ type: 'tool.call.denied,' }, 'type: "" is not an event type'],
    [{ decision: 'DENY' }, 'decision: must be allow or deny'],
    [{ trace_id: 'abc' }, 'trace_id: must be 32 hexadecimal characters'],
    [{ since: 'yesterday' }, 'since: "yesterday" is neither'],
    [{ since: '2025-06-10', until: '2025-06-09' }, 'since: must be earlier than until'],
    [{ limit: '0' }, 'limit: must be an integer from 1 to 1000'],
    [{ limit: '1e3' }, 'limit: must be an integer'],
    [{ limit: '-5' }, 'limit: must be an integer'],
    [{ cursor: 'garbage!' }, 'cursor: not a cursor returned by this API'],
    [{ format: 'csv' }, 'format: must be json or ndjson'],
  ])('refuses %j: %s', (raw, message) => {
    expect(refused(raw)).toContain(message);
  });
});

describe('audit cursors', () => {
  it('round-trips a position and is opaque base64url', () => {
    const cursor = encodeCursor({
      transactionId: '18446744073709551615',
      globalPosition: '9223372036854775807',
    });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({
      transactionId: '18446744073709551615',
      globalPosition: '9223372036854775807',
    });
    expect(ok({ cursor }).after.globalPosition).toBe('9223372036854775807');
  });

  it('refuses cursors that are not ours or overflow the column types', () => {
    const raw = (text: string) => Buffer.from(text).toString('base64url');
    expect(decodeCursor(raw('v2.1.1'))).toBeUndefined();
    expect(decodeCursor(raw('v1.1'))).toBeUndefined();
    expect(decodeCursor(raw("v1.1.1' OR 1=1"))).toBeUndefined();
    expect(decodeCursor(raw('v1.18446744073709551616.1'))).toBeUndefined();
    expect(decodeCursor(raw('v1.1.9223372036854775808'))).toBeUndefined();
    expect(decodeCursor('a'.repeat(65))).toBeUndefined();
  });
});

describe('parseTimeBound', () => {
  it.each([
    ['90s', '2025-06-10T11:58:30.000Z'],
    ['30m', '2025-06-10T11:30:00.000Z'],
    ['24h', '2025-06-09T12:00:00.000Z'],
    ['7d', '2025-06-03T12:00:00.000Z'],
    ['2w', '2025-05-27T12:00:00.000Z'],
    ['2025-06-01', '2025-06-01T00:00:00.000Z'],
    ['2025-06-01T12:00Z', '2025-06-01T12:00:00.000Z'],
    ['2025-06-01T12:00:30.25+02:00', '2025-06-01T10:00:30.250Z'],
  ])('reads %s', (text, iso) => {
    const result = parseTimeBound(text, now);
    expect(result.ok && result.date.toISOString()).toBe(iso);
  });

  it.each([
    '',
    '24',
    '1y',
    '-1h',
    '2025-02-30',
    '2025-13-01',
    '2025-06-01T24:00Z',
    '2025-06-01T12:00',
    'now',
  ])('refuses %j', (text) => {
    expect(parseTimeBound(text, now).ok).toBe(false);
  });
});
