import type { LoggedEvent } from './fault-stack.js';
import type { LedgerEntry } from './ledger.js';
import type { Mark } from './marking-mcp-server.js';

/** A span of wall-clock time (epoch ms) in which no tool may have run. */
export interface QuietWindow {
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

export interface Reconciliation {
  /** Every broken invariant, one line each; empty when all hold. */
  readonly violations: string[];
  readonly stats: {
    readonly succeeded: number;
    readonly denied: number;
    readonly unauthorized: number;
    readonly failed: number;
    readonly marks: number;
    readonly allowed: number;
    readonly completed: number;
    /** Allowed calls the client did not see succeed (deadline, kill): allowed, maybe ran, unacknowledged. */
    readonly allowedNotAcknowledged: number;
  };
}

const key = (traceId: string | null | undefined, jsonRpcId: string | null | undefined) =>
  `${traceId}/${jsonRpcId}`;

/**
 * Reconciles the client's ledger and the tools' side-effect marks with the event log:
 * - every call the client saw succeed has exactly one `tool.call.allowed` and one
 *   `tool.call.completed` (which names that allow), and the mark it returned exists;
 * - every mark (a tool run) has a committed `tool.call.allowed` for its request, recorded before it
 *   ran, and no allow authorized two runs;
 * - no mark falls in a quiet window (the store was down or locked);
 * - every 403 the client saw has its `tool.call.denied`, every 401 its `auth.rejected` (individually
 *   by trace id, or within the counts of folded events);
 * - no request has two events of the same decision type (a retried batch never duplicates).
 */
export function reconcile(input: {
  ledger: readonly LedgerEntry[];
  events: readonly LoggedEvent[];
  marks: readonly Mark[];
  quietWindows?: readonly QuietWindow[];
}): Reconciliation {
  const violations: string[] = [];
  const byKey = new Map<string, LoggedEvent[]>();
  const byTrace = new Map<string, LoggedEvent[]>();
  const byId = new Map<string, LoggedEvent>();
  for (const event of input.events) {
    byId.set(event.eventId, event);
    if (event.traceId) {
      const list = byTrace.get(event.traceId) ?? [];
      list.push(event);
      byTrace.set(event.traceId, list);
    }
    if (event.type.startsWith('tool.call.')) {
      const k = key(event.traceId, event.jsonRpcId);
      const list = byKey.get(k) ?? [];
      list.push(event);
      byKey.set(k, list);
    }
  }
  for (const [k, list] of byKey) {
    for (const type of ['tool.call.allowed', 'tool.call.completed', 'tool.call.denied']) {
      const n = list.filter((e) => e.type === type).length;
      if (n > 1) violations.push(`${n} ${type} events for request ${k}`);
    }
  }
  const marksById = new Map(input.marks.map((mark) => [mark.markId, mark]));
  let succeeded = 0;
  let denied = 0;
  let unauthorized = 0;
  let failed = 0;
  let unmatched401 = 0;
  for (const entry of input.ledger) {
    const k = key(entry.traceId, entry.jsonRpcId);
    const decisions = byKey.get(k) ?? [];
    if (entry.kind === 'ok' && entry.method === 'tools/call') {
      succeeded++;
      const allowed = decisions.filter((e) => e.type === 'tool.call.allowed');
      const completed = decisions.filter((e) => e.type === 'tool.call.completed');
      if (allowed.length !== 1 || completed.length !== 1) {
        violations.push(
          `success ${k} has ${allowed.length} allowed and ${completed.length} completed events`,
        );
      } else if (completed[0]!.data.allowedEventId !== allowed[0]!.eventId) {
        violations.push(`success ${k}: completed names allow ${String(completed[0]!.data.allowedEventId)}`);
      }
      const mark = entry.markId ? marksById.get(entry.markId) : undefined;
      if (!mark) violations.push(`success ${k} returned mark ${entry.markId} that is not in the mark file`);
      else if (mark.traceId !== entry.traceId || mark.jsonRpcId !== entry.jsonRpcId) {
        violations.push(`success ${k}: its mark was written for ${key(mark.traceId, mark.jsonRpcId)}`);
      }
    } else if (entry.status === 403) {
      denied++;
      const trace = byTrace.get(entry.traceId) ?? [];
      if (!trace.some((e) => e.type === 'tool.call.denied' || e.type === 'auth.rejected')) {
        violations.push(`403 ${k} (${entry.label}) has no denial event`);
      }
    } else if (entry.status === 401) {
      unauthorized++;
      const trace = byTrace.get(entry.traceId) ?? [];
      if (!trace.some((e) => e.type === 'auth.rejected')) unmatched401++;
    } else {
      failed++;
    }
  }
  if (unmatched401 > 0) {
    // Beyond the burst, rejections are folded into one counted event per source and reason.
    const folded = input.events
      .filter((e) => e.type === 'auth.rejected' && e.data.windowStartedAt !== undefined)
      .reduce((sum, e) => sum + Number(e.data.count ?? 0), 0);
    if (unmatched401 > folded) {
      violations.push(
        `${unmatched401} 401 answers have no individual event and folded counts cover only ${folded}`,
      );
    }
  }
  const allowedEvents = input.events.filter((e) => e.type === 'tool.call.allowed');
  const completedEvents = input.events.filter((e) => e.type === 'tool.call.completed');
  const runsPerAllow = new Map<string, number>();
  for (const mark of input.marks) {
    const k = key(mark.traceId, mark.jsonRpcId);
    const allowed = (byKey.get(k) ?? []).find((e) => e.type === 'tool.call.allowed');
    if (!allowed) {
      violations.push(`mark ${mark.markId} (tool ran for ${k}) has no committed tool.call.allowed`);
      continue;
    }
    // recorded_at is the allow's transaction start on the database clock (same machine).
    if (allowed.recordedAt > mark.at + 5) {
      violations.push(
        `mark ${mark.markId}: the tool ran ${allowed.recordedAt - mark.at} ms before its allow was recorded`,
      );
    }
    runsPerAllow.set(allowed.eventId, (runsPerAllow.get(allowed.eventId) ?? 0) + 1);
    for (const window of input.quietWindows ?? []) {
      if (mark.at >= window.from && mark.at <= window.to) {
        violations.push(
          `mark ${mark.markId}: a tool ran at +${mark.at - window.from} ms into "${window.label}"`,
        );
      }
    }
  }
  for (const [eventId, runs] of runsPerAllow) {
    if (runs > 1) violations.push(`allow ${eventId} authorized ${runs} tool runs`);
  }
  for (const completed of completedEvents) {
    const allowedId = completed.data.allowedEventId;
    if (typeof allowedId !== 'string' || byId.get(allowedId)?.type !== 'tool.call.allowed') {
      violations.push(`completed ${completed.eventId} names no committed allow (${String(allowedId)})`);
    }
  }
  const acknowledged = new Set(
    input.ledger.filter((e) => e.kind === 'ok').map((e) => key(e.traceId, e.jsonRpcId)),
  );
  return {
    violations,
    stats: {
      succeeded,
      denied,
      unauthorized,
      failed,
      marks: input.marks.length,
      allowed: allowedEvents.length,
      completed: completedEvents.length,
      allowedNotAcknowledged: allowedEvents.filter((e) => !acknowledged.has(key(e.traceId, e.jsonRpcId)))
        .length,
    },
  };
}
