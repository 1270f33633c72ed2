import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from './fault-stack.js';
import type { LedgerEntry } from './ledger.js';
import type { Mark } from './marking-mcp-server.js';
import { reconcile } from './reconcile.js';

const at = 1_700_000_000_000;

function entry(over: Partial<LedgerEntry>): LedgerEntry {
  return {
    user: 0,
    method: 'tools/call',
    tool: 'get_public_info',
    tokenId: 'jti',
    traceId: 't1',
    jsonRpcId: '0-1',
    startedAt: at,
    endedAt: at + 5,
    status: 200,
    kind: 'ok',
    label: 'ok',
    code: undefined,
    markId: 'm1',
    detail: undefined,
    ...over,
  };
}

function event(over: Partial<LoggedEvent>): LoggedEvent {
  return {
    globalPosition: 1,
    eventId: 'e1',
    type: 'tool.call.allowed',
    instanceId: 'mcp',
    traceId: 't1',
    jsonRpcId: '0-1',
    tokenId: 'jti',
    toolName: 'get_public_info',
    reasonCode: null,
    mcpMethod: 'tools/call',
    data: {},
    recordedAt: at,
    ...over,
  };
}

const mark: Mark = {
  markId: 'm1',
  tool: 'get_public_info',
  traceId: 't1',
  jsonRpcId: '0-1',
  at: at + 2,
  pid: 1,
};
const allowed = event({});
const completed = event({ eventId: 'e2', type: 'tool.call.completed', data: { allowedEventId: 'e1' } });

describe('reconcile', () => {
  it('accepts a success with its allow, its outcome and its mark', () => {
    expect(
      reconcile({ ledger: [entry({})], events: [allowed, completed], marks: [mark] }).violations,
    ).toEqual([]);
  });

  it('names a success without its outcome event, and a duplicated allow', () => {
    expect(reconcile({ ledger: [entry({})], events: [allowed], marks: [mark] }).violations).toEqual([
      'success t1/0-1 has 1 allowed and 0 completed events',
    ]);
    const duplicate = event({ eventId: 'e3', globalPosition: 3 });
    expect(reconcile({ ledger: [], events: [allowed, duplicate], marks: [] }).violations).toEqual([
      '2 tool.call.allowed events for request t1/0-1',
    ]);
  });

  it('names a tool run without a committed allow, or before it, or in a quiet window', () => {
    expect(reconcile({ ledger: [], events: [], marks: [mark] }).violations).toEqual([
      'mark m1 (tool ran for t1/0-1) has no committed tool.call.allowed',
    ]);
    const late = event({ recordedAt: at + 100 });
    expect(reconcile({ ledger: [], events: [late], marks: [mark] }).violations[0]).toMatch(
      /ran 98 ms before its allow/,
    );
    const quiet = reconcile({
      ledger: [],
      events: [allowed],
      marks: [mark],
      quietWindows: [{ label: 'down', from: at, to: at + 10 }],
    });
    expect(quiet.violations).toEqual(['mark m1: a tool ran at +2 ms into "down"']);
  });

  it('needs an event for every 403 and every 401, folded counts included', () => {
    const denied = entry({
      status: 403,
      kind: 'denied',
      label: 'denied ERR_SCOPE_INSUFFICIENT',
      markId: undefined,
    });
    expect(reconcile({ ledger: [denied], events: [], marks: [] }).violations).toEqual([
      '403 t1/0-1 (denied ERR_SCOPE_INSUFFICIENT) has no denial event',
    ]);
    const rejected = [
      entry({ status: 401, kind: 'http' }),
      entry({ status: 401, kind: 'http', traceId: 't2' }),
    ];
    expect(reconcile({ ledger: rejected, events: [], marks: [] }).violations).toHaveLength(1);
    const folded = event({
      type: 'auth.rejected',
      traceId: 'other',
      data: { count: 2, windowStartedAt: 'x' },
    });
    expect(reconcile({ ledger: rejected, events: [folded], marks: [] }).violations).toEqual([]);
  });
});
