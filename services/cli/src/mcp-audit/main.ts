/**
 * `mcp-audit <command>`: the security team's view of the audit log. query, tail and export talk to
 * the token service's audit API (`GET /audit/events`); verify reads the log itself.
 */
import { CliError, exitCodes } from './cli-error.js';

const usage = `usage: mcp-audit <command> [flags]

Commands:
  query    print matching events (a table, or --json lines)
  tail     follow new events as they are committed, until Ctrl-C
  export   write matching events as NDJSON or OCSF (--format ocsf) for a SIEM
  verify   check the log's hashes and signed checkpoints (reads DATABASE_URL directly)

Run mcp-audit <command> --help for its flags.

Exit status: 0 success; 1 the server failed or could not be reached; 2 bad flags or a query the
API refused; 3 no token, or the token was refused (401/403). verify documents its own.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Readonly<Record<string, () => Promise<Command>>> = {
  query: async () => (await import('./query-command.js')).runQuery,
  tail: async () => (await import('./tail-command.js')).runTail,
  export: async () => (await import('./export-command.js')).runExport,
  verify: loadVerify,
};

/** verify ships separately (it needs the sealing code): absent from a build, it says so. */
async function loadVerify(): Promise<Command> {
  // A variable specifier: the module may not exist in this build, and must not fail type-checking.
  const specifier = './verify-command.js';
  try {
    const module = (await import(specifier)) as { runVerify?: Command };
    if (typeof module.runVerify === 'function') return module.runVerify;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String((error as Error).message).includes('verify-command'))
      throw error;
  }
  throw new CliError(exitCodes.failed, 'verify is not available in this build');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const load = commands[name];
  if (!load) throw new CliError(exitCodes.usage, `unknown command ${JSON.stringify(name)}\n\n${usage}`);
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`mcp-audit: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `mcp-audit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = exitCodes.failed;
  },
);
