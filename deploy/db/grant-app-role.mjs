// Grants the application role to the services' Cloud SQL IAM users. Runs in the migration hook Job,
// after `migrate-command.ts` has created the role, as the owner user (MIGRATION_DATABASE_URL).
//
// Why a step of its own: the migration creates `mcp_app` (INSERT + SELECT on audit_events) and
// grants it only to the role that ran it. The MCP server and the token service log in as their own
// IAM database users (one per Google service account, created by Terraform) and switch to the
// application role at connect time (`-c role=mcp_app`), which PostgreSQL allows only to members.
// Terraform cannot grant the role: it does not exist before the first migration.
//
// Environment:
//   MIGRATION_DATABASE_URL  owner connection (through the Cloud SQL Auth Proxy sidecar)
//   DATABASE_APP_ROLE       role to grant (default mcp_app, same variable the services read)
//   DATABASE_APP_USERS      comma-separated database users that receive it
// Exit status 0 when every user is a member afterwards; GRANT is idempotent, so re-runs are safe.
import pg from 'pg';

const url = process.env.MIGRATION_DATABASE_URL;
const role = process.env.DATABASE_APP_ROLE || 'mcp_app';
const users = (process.env.DATABASE_APP_USERS ?? '')
  .split(',')
  .map((user) => user.trim())
  .filter((user) => user !== '');

if (!url) fail('MIGRATION_DATABASE_URL is required');
if (!/^[a-z_][a-z0-9_]*$/.test(role)) fail(`DATABASE_APP_ROLE=${JSON.stringify(role)} is not a lower-case SQL identifier`);
if (users.length === 0) fail('DATABASE_APP_USERS is required (comma-separated database users)');

const client = new pg.Client({ connectionString: url });
try {
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rowCount === 0) fail(`role ${role} does not exist: run the migrations first`);
  for (const user of users) {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user]);
    // A missing user means Terraform has not created the IAM database user yet: say so plainly.
    if (exists.rowCount === 0) fail(`database user ${JSON.stringify(user)} does not exist (terraform apply creates it)`);
    await client.query(`GRANT ${quoteIdent(role)} TO ${quoteIdent(user)}`);
    console.log(`granted ${role} to ${user}`);
  }
} catch (error) {
  fail(`granting ${role} failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await client.end().catch(() => {});
}

/** Double-quotes an identifier (IAM users contain `@` and `.`). */
function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

function fail(message) {
  console.error(`grant-app-role: ${message}`);
  process.exit(1);
}
