import { AuditClient } from './audit-client.js';
import { exitCodes } from './cli-error.js';
import { resolveConnection } from './connection.js';
import { EventTable } from './event-table.js';
import { filterHelp, filterParams, integerFlag, parseFlags } from './filter-flags.js';
import { type CommandIo, processIo } from './io.js';

export const queryUsage = `usage: mcp-audit query [filters] [--limit n] [--all] [--cursor c] [--json]

Prints matching audit events, oldest first, as a table (time, type, subject, tool, decision,
reason, trace id), or one JSON object per line with --json.

  --limit <n>     events per page, 1-1000 (default 100)
  --all           follow the cursor until every matching event is printed
  --cursor <c>    continue after a cursor printed by an earlier query
  --json          JSON lines (the API's event shape) instead of the table

${filterHelp}

Examples:
  mcp-audit query --subject alice@example.com --type tool.call.denied --since 24h
  mcp-audit query --trace 4bf92f3577b34da6a3ce929d0e0e4736 --json`;

const extra = {
  limit: { type: 'string' },
  all: { type: 'boolean' },
  cursor: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `mcp-audit query`: returns the exit status. */
export async function runQuery(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const { values } = parseFlags(argv, extra, queryUsage);
  if (values.help) {
    await io.stdout(`${queryUsage}\n`);
    return exitCodes.ok;
  }
  const limit = integerFlag('limit', values.limit, 100, 1000);
  const client = new AuditClient(await resolveConnection(values, io.env));
  const params = filterParams(values);
  params.set('limit', String(limit));
  if (values.cursor) params.set('cursor', values.cursor);

  const table = new EventTable();
  let printed = 0;
  for (;;) {
    const page = await client.page(params);
    if (values.json) {
      if (page.events.length > 0)
        await io.stdout(page.events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    } else if (page.events.length > 0 || printed === 0) {
      const lines = page.events.length > 0 ? table.format(page.events) : [];
      if (lines.length > 0) await io.stdout(`${lines.join('\n')}\n`);
    }
    printed += page.events.length;
    if (!page.hasMore) break;
    if (!values.all) {
      io.stderr(`more events match: add --all, or continue with --cursor ${page.nextCursor}\n`);
      break;
    }
    params.set('cursor', page.nextCursor);
  }
  if (printed === 0 && !values.json) io.stderr('no matching events\n');
  return exitCodes.ok;
}
