-- 0002: indexes for the audit query API (GET /audit/events, `mcp-audit`).
-- The API pages in commit order, (transaction_id, global_position), from an opaque cursor. An index
-- that starts with the filtered column and continues with that order answers "the next 100 events of
-- this subject after the cursor" as one index range scan that stops after 100 rows, however many
-- events the subject has. The (column, recorded_at) indexes of 0001 stay for time-bounded scans and
-- dashboards. trace_id keeps its 0001 index: a trace has few events, so a sort of them is cheap.
-- Partial where the column is often null, as in 0001, to keep the write path cheaper.
--
-- Plain CREATE INDEX: migrations run in a transaction (no CONCURRENTLY), and building on a large live
-- table blocks appends while it runs, which fails requests closed. On a large production log, build
-- each index first with CREATE INDEX CONCURRENTLY under the same name; IF NOT EXISTS then skips it.

CREATE INDEX IF NOT EXISTS audit_events_type_commit_order_idx
  ON audit_events (event_type, transaction_id, global_position);
CREATE INDEX IF NOT EXISTS audit_events_subject_commit_order_idx
  ON audit_events (subject, transaction_id, global_position) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_client_id_commit_order_idx
  ON audit_events (client_id, transaction_id, global_position) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_tool_name_commit_order_idx
  ON audit_events (tool_name, transaction_id, global_position) WHERE tool_name IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_reason_code_commit_order_idx
  ON audit_events (reason_code, transaction_id, global_position) WHERE reason_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_policy_version_commit_order_idx
  ON audit_events (policy_version, transaction_id, global_position) WHERE policy_version IS NOT NULL;
-- Where a time range starts in commit order: min(transaction_id) WHERE recorded_at >= $since, from
-- the index alone. A first page with `since` begins its scan there.
CREATE INDEX IF NOT EXISTS audit_events_recorded_at_transaction_idx
  ON audit_events (recorded_at, transaction_id);
