-- 0001: the append-only audit log (design.md, "The event store is the source of truth").
-- Frozen once applied: the migration runner refuses a file whose checksum changed. Runs unchanged on
-- PostgreSQL 15+ and PGlite, as the owner role; the application connects as (or SET ROLE to) mcp_app.

CREATE SEQUENCE audit_events_global_position_seq AS bigint;

CREATE TABLE audit_events (
  global_position bigint PRIMARY KEY DEFAULT nextval('audit_events_global_position_seq'),
  -- Catch-up readers order by (transaction_id, global_position) and stay below the snapshot xmin, so
  -- a transaction that commits after a later one is never skipped.
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id uuid NOT NULL UNIQUE,
  idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  event_type text NOT NULL CHECK (
    event_type IN (
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
      'audit.checkpoint.sealed'
    )
  ),
  schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
  occurred_at timestamptz NOT NULL,
  -- One value per INSERT statement: a group-commit batch is recorded at one instant.
  recorded_at timestamptz NOT NULL DEFAULT statement_timestamp(),
  service text NOT NULL,
  instance_id text NOT NULL,
  subject text,
  client_id text,
  token_id text,
  mcp_method text,
  tool_name text,
  jsonrpc_id text,
  decision text CHECK (decision IN ('allow', 'deny')),
  reason_code text,
  policy_id text,
  policy_version text,
  policy_hash text,
  scopes_required text[] NOT NULL DEFAULT '{}',
  scopes_granted text[] NOT NULL DEFAULT '{}',
  trace_id text,
  span_id text,
  source_address text,
  user_agent text,
  data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  -- length + `[0-9a-f]+` rather than `^[0-9a-f]{64}$`: the bounded repetition costs ~6 µs per row,
  -- a quarter of the whole INSERT.
  content_hash text NOT NULL CHECK (length(content_hash) = 64 AND content_hash ~ '^[0-9a-f]+$')
);

ALTER SEQUENCE audit_events_global_position_seq OWNED BY audit_events.global_position;

-- The audit API filters by these, always within a time range. Partial indexes skip the many rows
-- where the column is null (a login has no tool), which keeps the write path cheaper.
CREATE INDEX audit_events_type_recorded_at_idx ON audit_events (event_type, recorded_at);
CREATE INDEX audit_events_subject_recorded_at_idx ON audit_events (subject, recorded_at)
  WHERE subject IS NOT NULL;
CREATE INDEX audit_events_tool_name_recorded_at_idx ON audit_events (tool_name, recorded_at)
  WHERE tool_name IS NOT NULL;
CREATE INDEX audit_events_decision_recorded_at_idx ON audit_events (decision, recorded_at)
  WHERE decision IS NOT NULL;
CREATE INDEX audit_events_trace_id_idx ON audit_events (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX audit_events_transaction_position_idx ON audit_events (transaction_id, global_position);

-- Append-only is enforced by the database, not by convention: even the owner cannot rewrite history
-- without first dropping these triggers (which is itself visible in the DDL log).
CREATE FUNCTION audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Record a new event instead of changing or removing an existing one.';
END;
$$;

CREATE TRIGGER audit_events_no_update
  BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_delete
  BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

-- Wakes LISTENers when an event that a projection depends on lands: the revocation feed (every MCP
-- replica) and the active policy. Delivered at commit; readers then catch up from the log.
-- Deliberately not on every INSERT: a transaction that NOTIFYs holds a database-wide lock from
-- pre-commit until after its WAL flush, so notifying on every append serialises all commits and
-- halves audit throughput. A row trigger with WHEN costs nothing for the rows it skips, and NOTIFY
-- folds identical payloads within a transaction, so a batch still sends one notification per type.
CREATE FUNCTION audit_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('audit_events', NEW.event_type);
  RETURN NULL;
END;
$$;

CREATE TRIGGER audit_events_notify_insert
  AFTER INSERT ON audit_events
  FOR EACH ROW WHEN (NEW.event_type IN ('token.revoked', 'policy.activated'))
  EXECUTE FUNCTION audit_events_notify();

-- Roles are cluster-wide, so another database of the same cluster may have created them already
-- (and two migrations may race): create only when absent, tolerate losing the race.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mcp_app') THEN
    BEGIN
      CREATE ROLE mcp_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mcp_reader') THEN
    BEGIN
      CREATE ROLE mcp_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END;
$$;

REVOKE ALL ON audit_events FROM PUBLIC;
REVOKE ALL ON SEQUENCE audit_events_global_position_seq FROM PUBLIC;
GRANT INSERT, SELECT ON audit_events TO mcp_app;
GRANT USAGE ON SEQUENCE audit_events_global_position_seq TO mcp_app;
GRANT SELECT ON audit_events TO mcp_reader;
-- Servers check at start-up that the schema is current; reading the ledger is all they may do.
GRANT SELECT ON schema_migrations TO mcp_app, mcp_reader;

-- Lets the owner connection `SET ROLE mcp_app` (or connect with `options=-c role=mcp_app`).
GRANT mcp_app, mcp_reader TO CURRENT_USER;
