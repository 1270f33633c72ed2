import { describe, expect, it } from 'vitest';
import { awkwardStrings, sampleAllowed, sampleAwkward } from '../testing/sample-events.js';
import { canonicalJson, cutText, jsonString, storableText } from './canonical-json.js';
import { contentHash, type HashedEventFields } from './content-hash.js';
import { cell, isoTimestamp, maxFieldLength, prepareEvent } from './prepare-event.js';
import { uuidV7 } from './uuid-v7.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
  });

  it('drops undefined members like JSON.stringify, so the hashed text is the stored text', () => {
    const value = { a: undefined, b: [undefined, 2], c: new Date(0), d: Number.NaN };
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('refuses strings PostgreSQL cannot store (NUL, lone surrogate)', () => {
    expect(() => canonicalJson({ a: 'x\u0000y' })).toThrow(TypeError);
    expect(() => canonicalJson({ a: '\ud800' })).toThrow(TypeError);
    expect(() => canonicalJson({ 'k\u0000': 1 })).toThrow(TypeError);
  });

  it('refuses bigints and cycles', () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });
});

describe('contentHash', () => {
  it('does not depend on key order, and changes when any hashed field changes', () => {
    const prepared = prepareEvent(sampleAllowed(), new Date(0));
    const hashed = JSON.parse(prepared.canonical) as HashedEventFields;
    const stored = prepared.contentHash;
    const reversed = Object.fromEntries(Object.entries(hashed).reverse()) as unknown as HashedEventFields;
    expect(contentHash(reversed)).toBe(stored);
    expect(contentHash({ ...hashed, toolName: 'get_confidential_info' })).not.toBe(stored);
    expect(contentHash({ ...hashed, data: { argumentsHmac: 'other' } })).not.toBe(stored);
  });
});

describe('storableText and cutText', () => {
  it('replace what PostgreSQL cannot store and cut without splitting a character', () => {
    expect(storableText('plain')).toBe('plain');
    expect(storableText('a\u0000b\ud800c\udc00d😀')).toBe('a\ufffdb\ufffdc\ufffdd😀');
    expect(() => jsonString(storableText('x\u0000\udfff'))).not.toThrow();
    expect(cutText('short', 10)).toBe('short');
    expect(cutText('abcdefghijkl', 5)).toBe('abcd…');
    // The cut would fall between the two halves of the emoji: it falls before it.
    expect(cutText('abc😀def', 5)).toBe('abc…');
  });
});

describe('prepareEvent', () => {
  it('fills eventId (UUIDv7), idempotencyKey (= eventId), schemaVersion and occurredAt', () => {
    const now = new Date('2025-01-02T03:04:05.678Z');
    const prepared = prepareEvent(sampleAllowed(), now);
    const payload = JSON.parse(prepared.canonical) as Record<string, unknown>;
    expect(prepared.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(prepared.idempotencyKey).toBe(prepared.eventId);
    expect(payload).toMatchObject({
      schemaVersion: 1,
      occurredAt: '2025-01-02T03:04:05.678Z',
      subject: 'alice@example.com',
    });
    expect(prepared.contentHash).toBe(contentHash(payload as unknown as HashedEventFields));
  });

  it('cuts a caller-supplied field longer than maxFieldLength, marking the cut, never inside a character', () => {
    const now = new Date();
    const agent = `agent/${'x'.repeat(600)}`;
    // An emoji (two UTF-16 units) straddling the cut point.
    const id = `${'1'.repeat(maxFieldLength - 2)}😀${'2'.repeat(50)}`;
    const prepared = prepareEvent(
      {
        ...sampleAllowed(),
        source: { address: '10.0.0.1', userAgent: agent },
        request: { method: 'tools/call', toolName: 't'.repeat(5_000), jsonRpcId: id },
      },
      now,
    );
    const payload = JSON.parse(prepared.canonical) as Record<string, string>;
    expect(payload.userAgent).toHaveLength(maxFieldLength);
    expect(payload.userAgent).toBe(`${agent.slice(0, maxFieldLength - 1)}…`);
    expect(payload.toolName).toBe(`${'t'.repeat(maxFieldLength - 1)}…`);
    expect(payload.jsonRpcId).toBe(`${'1'.repeat(maxFieldLength - 2)}…`);
    expect(payload.sourceAddress).toBe('10.0.0.1');
  });

  it('records caller-written fields PostgreSQL could not store with U+FFFD instead of failing', () => {
    const prepared = prepareEvent(
      { ...sampleAllowed(), request: { method: 'tools/call', toolName: 'a\u0000b', jsonRpcId: 'x\ud800' } },
      new Date(),
    );
    const payload = JSON.parse(prepared.canonical) as Record<string, string>;
    expect(payload.toolName).toBe('a\ufffdb');
    expect(payload.jsonRpcId).toBe('x\ufffd');
  });

  it('refuses an event the database would reject, naming the field', () => {
    const now = new Date();
    expect(() =>
      prepareEvent(sampleAllowed({ type: 'tool.call.maybe' as 'tool.call.allowed' }), now),
    ).toThrow(/event type/);
    expect(() => prepareEvent(sampleAllowed({ decision: 'perhaps' as 'allow' }), now)).toThrow(/decision/);
    expect(() => prepareEvent(sampleAllowed({ eventId: 'not-a-uuid' }), now)).toThrow(/eventId/);
    expect(() => prepareEvent(sampleAllowed({ occurredAt: new Date(Number.NaN) }), now)).toThrow(
      /occurredAt/,
    );
    expect(() =>
      prepareEvent(sampleAllowed({ data: [] as unknown as { argumentsHmac?: string } }), now),
    ).toThrow(/data/);
    expect(() => prepareEvent(sampleAllowed({ reasonCode: 'a\u0000' }), now)).toThrow(/NUL/);
    expect(() => prepareEvent(sampleAllowed({ actor: { subject: 5 as unknown as string } }), now)).toThrow(
      /actor.subject/,
    );
    expect(() => prepareEvent(sampleAllowed({ scopesGranted: ['ok', '\udc00'] }), now)).toThrow(/UTF-16/);
    expect(() => prepareEvent(sampleAllowed({ service: '' }), now)).toThrow(/service/);
    expect(() => prepareEvent(sampleAllowed({ idempotencyKey: 7 as unknown as string }), now)).toThrow(
      /idempotencyKey/,
    );
  });

  it('writes exactly the canonical JSON of the hashed fields, whatever the strings hold', () => {
    for (let n = 0; n < awkwardStrings.length * 3; n++) {
      const prepared = prepareEvent(sampleAwkward(n), new Date(1_600_000_000_000 + n));
      const fields = JSON.parse(prepared.canonical) as HashedEventFields;
      expect(canonicalJson(fields)).toBe(prepared.canonical);
      expect(contentHash(fields)).toBe(prepared.contentHash);
      expect(fields.subject).toBe(awkwardStrings[n % awkwardStrings.length]);
    }
  });
});

describe('jsonString', () => {
  it('writes what JSON.stringify writes, for plain text and for everything JSON escapes', () => {
    const controls = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).slice(1);
    const texts = [...awkwardStrings, ...controls, 'plain', '\u007f', '\u2028\u2029', 'x'.repeat(5_000)];
    for (const text of texts) expect(jsonString(text), JSON.stringify(text)).toBe(JSON.stringify(text));
  });

  it('refuses what PostgreSQL cannot store, on the plain path too', () => {
    expect(() => jsonString('a\u0000b')).toThrow(/NUL/);
    expect(() => jsonString('lone \ud800 surrogate')).toThrow(/surrogate/);
    expect(() => jsonString('\udc00')).toThrow(/surrogate/);
  });
});

describe('isoTimestamp', () => {
  it('is Date#toISOString, within a second, across seconds and outside four-digit years', () => {
    const base = Date.UTC(2026, 10, 29, 23, 59, 59, 0);
    const times = [
      ...[0, 1, 9, 10, 99, 100, 999, 1_000, 1_001, 61_010, -1, -999, -1_000, -1_001].map((d) => base + d),
      0,
      -1,
      -1_500,
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
      Date.UTC(-1, 0, 1, 0, 0, 0, 5),
      base + 7,
    ];
    for (let i = 0; i < 2_000; i++) times.push(Math.floor((i * 7_919_311) % 4e12) - 1e12);
    for (const ms of times) expect(isoTimestamp(new Date(ms)), String(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('cell (an element of a PostgreSQL array literal)', () => {
  it('quotes every string, escapes only quotes and backslashes, and writes NULL for null', () => {
    expect(cell(null)).toBe('NULL');
    expect(cell('NULL')).toBe('"NULL"');
    expect(cell('')).toBe('""');
    expect(cell('a,b {c}')).toBe('"a,b {c}"');
    expect(cell('say "hi" \\ ok')).toBe('"say \\"hi\\" \\\\ ok"');
    expect(cell('only \\ here \\\\')).toBe('"only \\\\ here \\\\\\\\"');
    expect(cell('{"a":"\\"x\\""}')).toBe('"{\\"a\\":\\"\\\\\\"x\\\\\\"\\"}"');
  });
  it('escapes exactly as a backslash before every quote and backslash', () => {
    const alphabet = ['a', '"', '\\', ',', '{', ' ', 'é'];
    for (let n = 0; n < 3_000; n++) {
      let text = '';
      for (let k = n; k > 0; k = Math.floor(k / alphabet.length)) text += alphabet[k % alphabet.length];
      expect(cell(text)).toBe(`"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`);
    }
  });
});

describe('uuidV7', () => {
  it('sorts in creation order within one millisecond and across milliseconds', () => {
    const ids = [...Array.from({ length: 5000 }, () => uuidV7(1_700_000_000_000)), uuidV7(1_700_000_000_001)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.slice(0, 13)).toBe('018bcfe5-6800');
  });
});
