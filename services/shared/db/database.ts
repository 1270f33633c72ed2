import type { ColumnType, Kysely, SelectType } from 'kysely';

/** Written once at INSERT, never updated: the append-only rule at the type level. */
type Immutable<S, I = S> = ColumnType<S, I, never>;
/** Set by the database (sequence, `pg_current_xact_id()`, clock): neither inserted nor updated. */
type DatabaseSet<S> = ColumnType<S, never, never>;
/** Immutable, nullable, may be omitted on insert. */
type ImmutableOptional<S> = ColumnType<S | null, S | null | undefined, never>;

/**
 * `audit_events` (migrations/0001_audit_events.sql). `bigint` and `xid8` come back as decimal
 * strings from both pg and the embedded PGlite handle.
 */
export interface AuditEventsTable {
  global_position: DatabaseSet<string>;
  transaction_id: DatabaseSet<string>;
  event_id: Immutable<string>;
  idempotency_key: Immutable<string>;
  event_type: Immutable<string>;
  schema_version: Immutable<number>;
  occurred_at: Immutable<Date, Date | string>;
  recorded_at: DatabaseSet<Date>;
  service: Immutable<string>;
  instance_id: Immutable<string>;
  subject: ImmutableOptional<string>;
  client_id: ImmutableOptional<string>;
  token_id: ImmutableOptional<string>;
  mcp_method: ImmutableOptional<string>;
  tool_name: ImmutableOptional<string>;
  jsonrpc_id: ImmutableOptional<string>;
  decision: ImmutableOptional<'allow' | 'deny'>;
  reason_code: ImmutableOptional<string>;
  policy_id: ImmutableOptional<string>;
  policy_version: ImmutableOptional<string>;
  policy_hash: ImmutableOptional<string>;
  scopes_required: Immutable<string[], readonly string[]>;
  scopes_granted: Immutable<string[], readonly string[]>;
  trace_id: ImmutableOptional<string>;
  span_id: ImmutableOptional<string>;
  source_address: ImmutableOptional<string>;
  user_agent: ImmutableOptional<string>;
  data: Immutable<Record<string, unknown>, string>;
  content_hash: Immutable<string>;
}

/** Bookkeeping of the migration runner (`migrate.ts`); also append-only by convention. */
export interface SchemaMigrationsTable {
  version: Immutable<number>;
  name: Immutable<string>;
  checksum: Immutable<string>;
  applied_at: ColumnType<Date, never, never>;
}

/** The schema as the owner and the application (`mcp_app`: INSERT and SELECT) see it. */
export interface Database {
  audit_events: AuditEventsTable;
  schema_migrations: SchemaMigrationsTable;
}

type ReadOnlyTable<T> = { [K in keyof T]: ColumnType<SelectType<T[K]>, never, never> };

/** The schema as a reader (`mcp_reader`, the audit API, `mcp-audit verify`) sees it: nothing is writable. */
export type ReadonlyDatabase = { [T in keyof Database]: ReadOnlyTable<Database[T]> };

/**
 * The same connection seen through {@link ReadonlyDatabase}, so code that only reads cannot compile an
 * INSERT or UPDATE. (The database role is what enforces it; this catches the mistake earlier.)
 *
 * @example
 * const reader = readOnly(handle.db);
 * await reader.selectFrom('audit_events').selectAll().execute();
 */
export function readOnly(db: Kysely<Database>): Kysely<ReadonlyDatabase> {
  return db as unknown as Kysely<ReadonlyDatabase>;
}
