import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';
import { AuditClient } from './audit-client.js';
import { CliError, exitCodes } from './cli-error.js';
import { resolveConnection } from './connection.js';
import { filterHelp, filterParams, parseFlags } from './filter-flags.js';
import { type CommandIo, processIo } from './io.js';
import { toOcsf } from './ocsf-mapping.js';

export const exportUsage = `usage: mcp-audit export [--since 7d] [--format ndjson|ocsf] [--out file] [filters]

Writes every matching event, oldest first, one JSON object per line: the API's event shape
(ndjson, default) or OCSF 1.3.0 (ocsf: API Activity, Authentication and Authorize Session classes,
for SIEM ingestion). Without --until the export ends at the time it started. With --out the file
appears only once the export is complete (written as <file>.partial until then). Progress goes to
stderr.

${filterHelp}`;

const extra = { format: { type: 'string' }, out: { type: 'string' } } as const;

/** `mcp-audit export`: returns the exit status. */
export async function runExport(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const { values } = parseFlags(argv, extra, exportUsage);
  if (values.help) {
    await io.stdout(`${exportUsage}\n`);
    return exitCodes.ok;
  }
  const format = values.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'ocsf') {
    throw new CliError(exitCodes.usage, `--format must be ndjson or ocsf, got ${JSON.stringify(format)}`);
  }
  const client = new AuditClient(await resolveConnection(values, io.env));
  const params = filterParams(values);
  // A fixed end keeps an export of a busy log finite and makes it repeatable.
  if (!params.has('until')) params.set('until', new Date().toISOString());
  params.set('limit', '1000');

  const output = values.out ? await openOutput(values.out) : undefined;
  const write = output ? output.write : io.stdout;
  const progress = new Progress(io);
  try {
    for (;;) {
      const page = await client.ndjsonPage(params);
      if (page.events.length > 0) {
        const lines =
          format === 'ndjson'
            ? page.events
            : page.events.map((line) => JSON.stringify(toOcsf(JSON.parse(line) as PublicAuditEvent)));
        await write(`${lines.join('\n')}\n`);
      }
      progress.add(page.events.length);
      if (!page.hasMore) break;
      params.set('cursor', page.nextCursor);
    }
    await output?.commit();
  } catch (error) {
    await output?.abandon();
    progress.end();
    throw error;
  }
  progress.end();
  io.stderr(
    `exported ${progress.count} event${progress.count === 1 ? '' : 's'}${values.out ? ` to ${values.out}` : ''}\n`,
  );
  return exitCodes.ok;
}

/** A file written as `<path>.partial` and renamed into place only when complete. */
async function openOutput(path: string) {
  const partial = `${path}.partial`;
  const stream: WriteStream = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CliError(exitCodes.failed, `cannot write ${partial}: ${(error as Error).message}`);
  }
  return {
    write: async (text: string) => {
      if (!stream.write(text)) await once(stream, 'drain');
    },
    commit: async () => {
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      await rename(partial, path);
    },
    abandon: async () => {
      stream.destroy();
      await rm(partial, { force: true });
    },
  };
}

/** Progress on stderr: one redrawn line on a terminal, a line every 10 000 events otherwise. */
class Progress {
  readonly #io: CommandIo;
  #count = 0;
  #reported = 0;
  readonly #started = performance.now();

  constructor(io: CommandIo) {
    this.#io = io;
  }

  get count(): number {
    return this.#count;
  }

  add(events: number): void {
    this.#count += events;
    const seconds = (performance.now() - this.#started) / 1000;
    const line = `exporting: ${this.#count} events (${Math.round(this.#count / Math.max(seconds, 0.001))}/s)`;
    if (this.#io.stderrIsTty) this.#io.stderr(`\r${line}`);
    else if (this.#count - this.#reported >= 10_000) {
      this.#reported = this.#count;
      this.#io.stderr(`${line}\n`);
    }
  }

  end(): void {
    if (this.#io.stderrIsTty && this.#count > 0) this.#io.stderr('\n');
  }
}
