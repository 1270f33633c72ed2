import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One `mcp-token` sub-command: its options, its help text and what it does. */
export interface Command<O extends Options = Options> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly usage: string;
  readonly options: O;
  /** Resolves to the exit status. */
  run(values: ParsedValues<O>, context: CliContext): Promise<number>;
}

/** The values `parseArgs` yields for `O`. */
export type ParsedValues<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; strict: true }>
>['values'];

/** Shared by every command: where the credentials live. */
export const credentialsOption = {
  credentials: { type: 'string' },
} as const satisfies Options;

/** Declares a command with its options typed from the declaration. */
export function defineCommand<O extends Options>(command: Command<O>): Command<O> {
  return command;
}

/**
 * Parses a command's arguments strictly (no positionals, no unknown options) and runs it;
 * `--help`/`-h` prints its usage instead. Bad arguments are a usage error (exit status 2).
 */
export async function runCommand<O extends Options>(
  command: Command<O>,
  argv: readonly string[],
  context: CliContext,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    context.stdout(`${command.usage}\n`);
    return 0;
  }
  let values: ParsedValues<O>;
  try {
    values = parseArgs({ args: [...argv], options: command.options, strict: true, allowPositionals: false })
      .values as ParsedValues<O>;
  } catch (error) {
    throw new CliError('ERR_USAGE', `${(error as Error).message}\n\n${command.usage}`);
  }
  return command.run(values, context);
}
