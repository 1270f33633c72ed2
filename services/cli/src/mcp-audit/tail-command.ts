import { eventTypes } from '../../../shared/event-store/events.js';
import { AuditClient } from './audit-client.js';
import { CliError, exitCodes } from './cli-error.js';
import { resolveConnection } from './connection.js';
import { EventTable } from './event-table.js';
import { filterHelp, filterParams, integerFlag, parseFlags } from './filter-flags.js';
import { type CommandIo, processIo } from './io.js';

export const tailUsage = `usage: mcp-audit tail [filters] [--interval seconds] [--json]

Follows the audit log: prints matching events as they are committed, until Ctrl-C. Starts at the
end of the log, or at --since. Each poll is itself recorded as audit.queried; those are not shown
unless asked for with --type audit.queried.

  --interval <s>  seconds between polls when nothing is new (default 2)
  --json          JSON lines instead of the table

${filterHelp}`;

const extra = { interval: { type: 'string' }, json: { type: 'boolean' } } as const;

/** `mcp-audit tail`: polls with the cursor until SIGINT/SIGTERM or `signal`; returns the exit status. */
export async function runTail(
  argv: readonly string[],
  io: CommandIo = processIo,
  signal: AbortSignal = stopSignal(),
): Promise<number> {
  const { values } = parseFlags(argv, extra, tailUsage);
  if (values.help) {
    await io.stdout(`${tailUsage}\n`);
    return exitCodes.ok;
  }
  const intervalMs = integerFlag('interval', values.interval, 2, 3600) * 1000;
  const client = new AuditClient(await resolveConnection(values, io.env));
  const params = filterParams(values);
  // Without this, every poll would print the audit.queried event of the poll before it.
  if (!values.type) for (const type of eventTypes) if (type !== 'audit.queried') params.append('type', type);
  params.set('limit', '1000');
  // The first poll starts at --since, or now; after that the cursor alone says where.
  const first = new URLSearchParams(params);
  if (!first.has('since')) first.set('since', new Date().toISOString());
  const table = new EventTable();
  let request = first;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const page = await client.page(request, signal);
      failures = 0;
      if (page.events.length > 0) {
        const lines = values.json
          ? page.events.map((event) => JSON.stringify(event))
          : table.format(page.events);
        await io.stdout(`${lines.join('\n')}\n`);
      }
      request = new URLSearchParams(params);
      request.set('cursor', page.nextCursor);
      if (!page.hasMore) await sleep(intervalMs, signal);
    } catch (error) {
      if (signal.aborted) break;
      // A bad query or token will not get better by retrying; a restarting server will.
      if (error instanceof CliError && error.exitCode !== exitCodes.failed) throw error;
      failures++;
      io.stderr(`${(error as Error).message}; retrying\n`);
      await sleep(Math.min(30_000, intervalMs * 2 ** Math.min(failures, 5)), signal);
    }
  }
  return exitCodes.ok;
}

function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
