import { type SelectQueryBuilder, sql } from 'kysely';
import type { ReadonlyDatabase } from '../db/index.js';
import type { Decision, EventType } from './events.js';

/** Column filters shared by every filtered read of `audit_events`; all values are bound parameters. */
export interface EventFilter {
  /** Any of these types; an empty list matches nothing. */
  readonly types?: readonly EventType[] | undefined;
  readonly subject?: string | undefined;
  readonly clientId?: string | undefined;
  readonly toolName?: string | undefined;
  readonly decision?: Decision | undefined;
  readonly reasonCode?: string | undefined;
  readonly traceId?: string | undefined;
  readonly tokenId?: string | undefined;
  readonly policyVersion?: string | undefined;
  /** `recorded_at >= since`. */
  readonly since?: Date | undefined;
  /** `recorded_at < until`. */
  readonly until?: Date | undefined;
}

/** Adds the {@link EventFilter} predicates to a select on `audit_events`. */
export function whereEventFilter<O>(
  select: SelectQueryBuilder<ReadonlyDatabase, 'audit_events', O>,
  filter: EventFilter,
): SelectQueryBuilder<ReadonlyDatabase, 'audit_events', O> {
  let query = select;
  if (filter.types !== undefined) {
    query =
      filter.types.length === 0
        ? query.where(sql<boolean>`false`)
        : query.where('event_type', 'in', [...filter.types]);
  }
  if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
  if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
  if (filter.toolName !== undefined) query = query.where('tool_name', '=', filter.toolName);
  if (filter.decision !== undefined) query = query.where('decision', '=', filter.decision);
  if (filter.reasonCode !== undefined) query = query.where('reason_code', '=', filter.reasonCode);
  if (filter.traceId !== undefined) query = query.where('trace_id', '=', filter.traceId);
  if (filter.tokenId !== undefined) query = query.where('token_id', '=', filter.tokenId);
  if (filter.policyVersion !== undefined) query = query.where('policy_version', '=', filter.policyVersion);
  if (filter.since !== undefined) query = query.where('recorded_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('recorded_at', '<', filter.until);
  return query;
}
