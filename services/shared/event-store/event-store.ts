import type { DatabaseHandle } from '../db/index.js';
import { readOnly } from '../db/index.js';
import type { AppendReceipt, EventAppender, ReadCheckpoint, StoredEvent, StoreHealth } from './api.js';
import { appendEvents } from './append-events.js';
import type { AuditEvent } from './events.js';
import { GroupCommitWriter } from './group-commit-writer.js';
import { prepareEvent } from './prepare-event.js';
import { type EventQuery, queryEvents } from './query-events.js';
import { type ReadAfterResult, readEventsAfter } from './read-events-after.js';

/** Options of {@link createEventStore}. */
export interface EventStoreOptions {
  /** An open database (usually as `mcp_app`); the store does not close it. */
  readonly database: DatabaseHandle;
  /** Fail an append with `ERR_AUDIT_UNAVAILABLE` when not committed within this. Default 2000 ms. */
  readonly commitDeadlineMs?: number | undefined;
  /** Most events per INSERT. Default 1000. */
  readonly maxBatchSize?: number | undefined;
  /** Most events waiting for a flush before `ERR_AUDIT_OVERLOADED`. Default 20 000. */
  readonly maxQueue?: number | undefined;
  /** Concurrent flushes. Default 2. */
  readonly maxConcurrentFlushes?: number | undefined;
  /** Health probe period while unhealthy. Default 500 ms. */
  readonly probeIntervalMs?: number | undefined;
  /** Application clock: `occurredAt` default and health timestamps. */
  readonly clock?: (() => Date) | undefined;
}

/** The audit log: group-commit appends, catch-up reads, filtered queries, health. */
export interface EventStore extends EventAppender {
  /** See `readEventsAfter`. */
  readAfter(checkpoint?: ReadCheckpoint, limit?: number): Promise<ReadAfterResult>;
  /** See `queryEvents`. */
  query(query?: EventQuery): Promise<StoredEvent[]>;
  /** False after a failed flush until a probe or flush succeeds: feed it to `/ready`. */
  health(): StoreHealth;
  /** Commits what is queued and refuses further appends. Leaves the database open. */
  close(): Promise<void>;
}

/**
 * Creates the event store over an open database.
 *
 * `append` validates every event first (rejecting with `TypeError` naming the field), then resolves
 * once all of the call's events are committed, in one INSERT, or rejects with `AppError`
 * `ERR_AUDIT_UNAVAILABLE` (not committed within the deadline: fail closed) or `ERR_AUDIT_OVERLOADED`
 * (queue full, refused at once). If the deadline passes while the COMMIT is in flight on a database
 * that is still reachable, the statement is cancelled; when the database is unreachable the outcome
 * is unknown, and a retry with the same idempotency keys settles it without duplicating rows.
 *
 * @throws {TypeError} for invalid limits.
 * @example
 * const store = createEventStore({ database: await openDatabase({ dataDir: '.data' }) });
 * const [receipt] = await store.append({ type: 'policy.activated', service: 'mcp-server', instanceId: 'a', data: { files: [] } });
 */
export function createEventStore(options: EventStoreOptions): EventStore {
  const { database } = options;
  const clock = options.clock ?? (() => new Date());
  const reader = readOnly(database.db);
  const writer = new GroupCommitWriter({
    commit: (events, timeoutMs) => appendEvents(database, events, timeoutMs),
    probe: async (timeoutMs) => {
      await database.execute('SELECT 1', [], { timeoutMs });
    },
    commitDeadlineMs: options.commitDeadlineMs,
    maxBatchSize: options.maxBatchSize,
    maxQueue: options.maxQueue,
    maxConcurrentFlushes: options.maxConcurrentFlushes,
    probeIntervalMs: options.probeIntervalMs,
    clock,
  });

  return {
    async append(events: AuditEvent | readonly AuditEvent[]): Promise<readonly AppendReceipt[]> {
      const list: readonly AuditEvent[] = Array.isArray(events) ? events : [events as AuditEvent];
      const now = clock();
      return writer.write(list.map((event) => prepareEvent(event, now)));
    },
    readAfter: (checkpoint, limit) => readEventsAfter(reader, checkpoint, limit),
    query: (query) => queryEvents(reader, query),
    health: () => writer.health(),
    close: () => writer.close(),
  };
}
