-- The revocation feed of every MCP replica reads only token.revoked rows in catch-up order; a
-- partial index keeps that read small however large the log grows.
CREATE INDEX audit_events_revocations_idx
  ON audit_events (transaction_id, global_position)
  WHERE event_type = 'token.revoked';
