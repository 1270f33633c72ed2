import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseTimeBound } from '../../../token-service/src/audit-api/time-bound.js';
import { CliError, exitCodes } from './cli-error.js';

/** The flags every command shares: the API's filters and the connection. */
export const filterOptions = {
  type: { type: 'string', multiple: true },
  subject: { type: 'string' },
  client: { type: 'string' },
  tool: { type: 'string' },
  decision: { type: 'string' },
  reason: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  trace: { type: 'string' },
  'policy-version': { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const filterHelp = `Filters (all given must match):
  --type <t>[,<t>…]       event type; repeatable (tool.call.denied, token.issued, auth.rejected, …)
  --subject <id>          the token's subject (user)
  --client <id>           OAuth client id
  --tool <name>           MCP tool name
  --decision allow|deny
  --reason <code>         reason code, e.g. ERR_SCOPE_INSUFFICIENT
  --since <t>, --until <t>  ISO 8601 (2025-06-01, 2025-06-01T12:00:00Z) or a duration ago (30m, 24h, 7d)
  --trace <trace-id>      32 hex characters
  --policy-version <v>

Connection:
  --server <url>          token service (MCP_AUDIT_SERVER, TOKEN_ISSUER_URL, default http://127.0.0.1:8081)
  --token <jwt>           access token with audit:read for the token service (MCP_AUDIT_TOKEN, else the
                          one from mcp-token login)`;

/** Parses `argv` with the shared flags plus `extra`; a bad flag is a usage error naming it. */
export function parseFlags<const T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  extra: T,
  usage: string,
) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...filterOptions, ...extra },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new CliError(exitCodes.usage, `${(error as Error).message}\n\n${usage}`);
  }
}

type FilterValues = {
  readonly [K in keyof typeof filterOptions]?: K extends 'type' ? string[] : string | boolean;
};

/**
 * The API query for the filter flags. Relative times are resolved here, once, so that every page
 * of one command covers the same range; anything the API would refuse is left for it to explain.
 */
export function filterParams(values: FilterValues, now: Date = new Date()): URLSearchParams {
  const params = new URLSearchParams();
  for (const type of values.type ?? []) params.append('type', type);
  const pairs: [keyof FilterValues, string][] = [
    ['subject', 'subject'],
    ['client', 'client_id'],
    ['tool', 'tool'],
    ['decision', 'decision'],
    ['reason', 'reason'],
    ['trace', 'trace_id'],
    ['policy-version', 'policy_version'],
  ];
  for (const [flag, name] of pairs) {
    const value = values[flag];
    if (typeof value === 'string') params.set(name, value);
  }
  for (const bound of ['since', 'until'] as const) {
    const value = values[bound];
    if (typeof value !== 'string') continue;
    const parsed = parseTimeBound(value, now);
    params.set(bound, parsed.ok ? parsed.date.toISOString() : value);
  }
  return params;
}

/** Parses a positive integer flag within bounds. */
export function integerFlag(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= 1 && parsed <= max)) {
    throw new CliError(
      exitCodes.usage,
      `--${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}
