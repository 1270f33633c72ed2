-- 0003: signed Merkle checkpoints over the audit log (design.md, "Tamper evidence").
-- Frozen once applied. Runs unchanged on PostgreSQL 15+ and PGlite, as the owner role.
--
-- Each row seals the audit_events rows that follow the previous checkpoint in catch-up order,
-- (transaction_id, global_position), up to and including (last_transaction_id, last_global_position).
-- The columns are exactly the signed checkpoint body (services/shared/audit-seal/checkpoint.ts) plus
-- its signature: a verifier rebuilds the signed bytes from the row, so the two cannot diverge.

CREATE TABLE audit_checkpoints (
  sequence bigint PRIMARY KEY CHECK (sequence >= 1),
  format_version integer NOT NULL CHECK (format_version >= 1),
  -- Exclusive lower bound: the previous checkpoint's last row ('0', '0' for the first checkpoint).
  after_transaction_id xid8 NOT NULL,
  after_global_position bigint NOT NULL,
  -- Inclusive upper bound: the last sealed row.
  last_transaction_id xid8 NOT NULL,
  last_global_position bigint NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size >= 1),
  -- The sealed positions in leaf order as runs `start+count,…`, so a verifier can name a deleted or
  -- inserted row exactly (the Merkle root commits to the positions as well).
  leaf_positions text NOT NULL CHECK (leaf_positions ~ '^[0-9]+\+[0-9]+(,[0-9]+\+[0-9]+)*$'),
  root_hash text NOT NULL CHECK (length(root_hash) = 64 AND root_hash ~ '^[0-9a-f]+$'),
  cumulative_size bigint NOT NULL CHECK (cumulative_size >= tree_size),
  -- SHA-256 of the previous checkpoint's signed document (64 zeros for the first): the chain.
  previous_hash text NOT NULL UNIQUE CHECK (length(previous_hash) = 64 AND previous_hash ~ '^[0-9a-f]+$'),
  key_id text NOT NULL CHECK (length(key_id) = 64 AND key_id ~ '^[0-9a-f]+$'),
  algorithm text NOT NULL,
  -- SubjectPublicKeyInfo (DER, base64). Informational: a verifier trusts a key only from outside the
  -- database (the anchor or a --public-key file), never because a row names it.
  public_key text NOT NULL,
  created_at timestamptz NOT NULL,
  signature text NOT NULL,
  CHECK ((last_transaction_id, last_global_position) > (after_transaction_id, after_global_position))
);

-- An inclusion proof looks up the checkpoint whose range holds an event.
CREATE INDEX audit_checkpoints_last_idx ON audit_checkpoints (last_transaction_id, last_global_position);

-- Append-only, as audit_events: even the owner must drop or disable these to rewrite history.
CREATE FUNCTION audit_checkpoints_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Checkpoints are sealed once and never changed.';
END;
$$;

CREATE TRIGGER audit_checkpoints_no_update
  BEFORE UPDATE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_reject_change();

CREATE TRIGGER audit_checkpoints_no_delete
  BEFORE DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_reject_change();

CREATE TRIGGER audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_reject_change();

REVOKE ALL ON audit_checkpoints FROM PUBLIC;
GRANT INSERT, SELECT ON audit_checkpoints TO mcp_app;
GRANT SELECT ON audit_checkpoints TO mcp_reader;
