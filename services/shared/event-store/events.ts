/**
 * The audit event contract (design.md, "Event types"). Events are a discriminated union on `type`;
 * the indexed columns of `audit_events` mirror the common envelope, `data` holds what is specific to
 * one type.
 */

export const eventTypes = [
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'login.succeeded',
  'login.failed',
  'auth.rejected',
  'tools.listed',
  'tool.call.allowed',
  'tool.call.denied',
  'tool.call.completed',
  'policy.activated',
  'audit.queried',
  'audit.checkpoint.sealed',
] as const;

export type EventType = (typeof eventTypes)[number];

export type Decision = 'allow' | 'deny';

/** Who acted: the token's subject, client and token id (`jti`). */
export interface Actor {
  readonly subject?: string | undefined;
  readonly clientId?: string | undefined;
  readonly tokenId?: string | undefined;
}

/** The MCP request a decision was about. */
export interface RequestRef {
  readonly method?: string | undefined;
  readonly toolName?: string | undefined;
  readonly jsonRpcId?: string | undefined;
}

/** The policy a decision was made under. */
export interface PolicyRef {
  readonly id: string;
  readonly version: string;
  readonly hash: string;
}

export interface TraceRef {
  readonly traceId: string;
  readonly spanId: string;
}

export interface SourceRef {
  readonly address?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** Fields every event carries; the event store fills `eventId`, `occurredAt` and hashes if absent. */
export interface EventEnvelope {
  /** UUIDv7; generated on creation if absent. Also the default idempotency key. */
  readonly eventId?: string;
  /** A retried append with the same key never produces a second row. Defaults to `eventId`. */
  readonly idempotencyKey?: string;
  readonly schemaVersion?: number;
  /** Application clock; `recorded_at` is the database clock. */
  readonly occurredAt?: Date;
  readonly service: string;
  readonly instanceId: string;
  readonly actor?: Actor;
  readonly request?: RequestRef;
  readonly decision?: Decision;
  readonly reasonCode?: string;
  readonly policy?: PolicyRef;
  readonly scopesRequired?: readonly string[];
  readonly scopesGranted?: readonly string[];
  readonly trace?: TraceRef;
  readonly source?: SourceRef;
}

type Ev<T extends EventType, D> = EventEnvelope & { readonly type: T; readonly data: D };

export type TokenIssued = Ev<
  'token.issued',
  { audience: string; expiresAt: string; issuedVia: string; scopes: readonly string[] }
>;
export type TokenRefreshed = Ev<
  'token.refreshed',
  { audience: string; expiresAt: string; scopes: readonly string[] }
>;
export type TokenRevoked = Ev<
  'token.revoked',
  { revokedTokenId?: string; revokedSubject?: string; revokedBefore?: string; reason: string }
>;
export type LoginSucceeded = Ev<'login.succeeded', { issuer: string; email?: string }>;
export type LoginFailed = Ev<
  'login.failed',
  {
    issuer?: string;
    email?: string;
    detail?: string;
    /** Failures of the same kind from the same source folded into this event (flood control). */
    count?: number;
    windowStartedAt?: string;
  }
>;
export type AuthRejected = Ev<
  'auth.rejected',
  {
    detail?: string;
    /** Rejections of the same kind from the same source folded into this event (flood control). */
    count: number;
    windowStartedAt?: string;
  }
>;
export type ToolsListed = Ev<'tools.listed', { visible: readonly string[]; hidden: readonly string[] }>;
export type ToolCallAllowed = Ev<'tool.call.allowed', { argumentsHmac?: string }>;
export type ToolCallDenied = Ev<'tool.call.denied', { argumentsHmac?: string }>;
export type ToolCallCompleted = Ev<
  'tool.call.completed',
  { outcome: 'ok' | 'error'; durationMs: number; allowedEventId: string; errorCode?: string }
>;
export type PolicyActivated = Ev<'policy.activated', { files: readonly string[] }>;
export type AuditQueried = Ev<
  'audit.queried',
  { filters: Readonly<Record<string, string>>; resultCount: number }
>;
export type AuditCheckpointSealed = Ev<
  'audit.checkpoint.sealed',
  {
    /** The checkpoint's sequence in `audit_checkpoints`. */
    sequence: number;
    /** First and last sealed row in catch-up order (not a position range: see audit-seal). */
    fromPosition: string;
    toPosition: string;
    treeSize: number;
    rootHash: string;
    keyId: string;
    signature: string;
  }
>;

/** An event as handed to the event store for appending. */
export type AuditEvent =
  | TokenIssued
  | TokenRefreshed
  | TokenRevoked
  | LoginSucceeded
  | LoginFailed
  | AuthRejected
  | ToolsListed
  | ToolCallAllowed
  | ToolCallDenied
  | ToolCallCompleted
  | PolicyActivated
  | AuditQueried
  | AuditCheckpointSealed;

export type EventOfType<T extends EventType> = Extract<AuditEvent, { type: T }>;
