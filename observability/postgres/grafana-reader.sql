-- A login for Grafana's Postgres datasource that can only read the audit log: a member of
-- mcp_reader (SELECT on audit_events, granted by migration 0001), read-only by default, with a
-- statement timeout so a heavy panel cannot hold the database. Idempotent; run it as the owner
-- (migration) role after, or before, the migrations:
--   psql "$DATABASE_URL" -f observability/postgres/grafana-reader.sql
-- then set a real password outside development:
--   ALTER ROLE grafana_reader PASSWORD '…';
-- docker-compose.yml runs it when its optional Postgres is first initialised.
DO $$
BEGIN
  -- Created by migration 0001 as well; tolerate either order and a concurrent creation.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mcp_reader') THEN
    BEGIN
      CREATE ROLE mcp_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    BEGIN
      CREATE ROLE grafana_reader LOGIN PASSWORD 'grafana-reader-dev' IN ROLE mcp_reader;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END;
$$;

GRANT mcp_reader TO grafana_reader;
ALTER ROLE grafana_reader NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '30s';
