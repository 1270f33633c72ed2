import type { CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';
import { type Command, runCommand } from './command.js';
import { configureCommand } from './commands/configure-command.js';
import { headerCommand } from './commands/header-command.js';
import { loginCommand } from './commands/login-command.js';
import { logoutCommand } from './commands/logout-command.js';
import { revokeCommand } from './commands/revoke-command.js';
import { statusCommand } from './commands/status-command.js';

// Each command's options type differs; the table only needs what they share.
const commands: readonly Command[] = [
  loginCommand,
  configureCommand,
  statusCommand,
  headerCommand,
  revokeCommand,
  logoutCommand,
] as unknown as readonly Command[];

const usage = `usage: mcp-token <command> [options]     (mcp-token <command> --help for its options)

Gets and keeps tokens for the MCP server through the token service, for Claude Code and scripts.

${commands.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Exit status: 0 success, 1 failure (not logged in, refused, unreachable), 2 bad arguments.`;

/** Runs `mcp-token` with `argv` (without node and script); resolves to the exit status. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? commands.find((command) => command.name === rest[0]) : undefined;
      (name === undefined ? context.stderr : context.stdout)(`${topic?.usage ?? usage}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (command === undefined)
      throw new CliError('ERR_USAGE', `unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return await runCommand(command, rest, context);
  } catch (error) {
    if (error instanceof CliError) {
      context.stderr(`mcp-token: ${error.code}: ${error.message}\n`);
      return error.exitCode;
    }
    context.stderr(
      `mcp-token: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
