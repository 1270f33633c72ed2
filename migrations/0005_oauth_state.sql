-- Working state of the OAuth authorization server (oidc-provider: registered clients, sessions,
-- interactions, grants, authorization codes, refresh tokens; plus remembered accounts and token
-- families). Shared by every token service replica. This is mutable state with expiry, not the
-- record: every issuance, refresh and revocation is also an event in audit_events.
CREATE TABLE oauth_state (
  model      text        NOT NULL,
  id         text        NOT NULL,
  payload    jsonb       NOT NULL,
  grant_id   text,
  uid        text,
  user_code  text,
  -- NULL: never expires (registered clients).
  expires_at timestamptz,
  PRIMARY KEY (model, id)
);

CREATE INDEX oauth_state_grant_idx ON oauth_state (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_state_uid_idx ON oauth_state (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oauth_state_user_code_idx ON oauth_state (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_state_expiry_idx ON oauth_state (expires_at) WHERE expires_at IS NOT NULL;

REVOKE ALL ON oauth_state FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_state TO mcp_app;
