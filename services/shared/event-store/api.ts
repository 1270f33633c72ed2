import type { AuditEvent, Decision, EventType } from './events.js';

/** Where a committed event landed in the log. */
export interface AppendReceipt {
  readonly eventId: string;
  /** `global_position` as a decimal string (bigint column). */
  readonly globalPosition: string;
}

/**
 * The write side of the log. `append` resolves only once every given event is durably committed
 * (its batch's COMMIT returned). It rejects with an `AppError`:
 * - `ERR_AUDIT_UNAVAILABLE` when the commit did not succeed within the deadline (database down,
 *   table locked, …): the caller must fail closed;
 * - `ERR_AUDIT_OVERLOADED` when the pending queue is full: refused at once, nothing queued.
 */
export interface EventAppender {
  append(events: AuditEvent | readonly AuditEvent[]): Promise<readonly AppendReceipt[]>;
}

/** A committed event as read back from `audit_events`. */
export interface StoredEvent {
  readonly globalPosition: string;
  readonly transactionId: string;
  readonly eventId: string;
  readonly idempotencyKey: string;
  readonly type: EventType;
  readonly schemaVersion: number;
  readonly occurredAt: Date;
  readonly recordedAt: Date;
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
  readonly contentHash: string;
}

/** A catch-up reader's position: the last `(transaction_id, global_position)` it has seen. */
export interface ReadCheckpoint {
  readonly transactionId: string;
  readonly globalPosition: string;
}

export interface StoreHealth {
  /** False after a failed flush or probe, true again after the next successful one. */
  readonly healthy: boolean;
  readonly lastError?: string | undefined;
  readonly since: Date;
}
