import { findClaude } from '../claude/find-claude.js';
import { headersHelperCommand, shellQuote } from '../claude/headers-helper-command.js';
import { runClaude } from '../claude/run-claude.js';
import { CliError } from '../cli-error.js';
import { credentialsOption, defineCommand } from '../command.js';
import { credentialsPath } from '../credentials/credentials-path.js';
import { CredentialsStore } from '../credentials/credentials-store.js';

const usage = `usage: mcp-token configure [--name <name>] [--scope local|user|project] [--claude <path>]
                           [--credentials <file>]

Registers the MCP server you logged in to in Claude Code:
  claude mcp add-json --scope <scope> <name> '{"type":"http","url":"<MCP URL>","headersHelper":"<mcp-token header>"}'
Claude Code runs the headersHelper before it connects, which prints a fresh bearer header, refreshing
the token when it is about to expire, so nobody copies tokens by hand. An existing entry of the same
name and scope is replaced.

  --name         server name in Claude Code (default: docs)
  --scope        Claude Code configuration scope: local (default; this project, only you), user (all
                 your projects) or project (.mcp.json, shared; it then names your credentials path)
  --claude       the claude executable (default: claude on PATH, else node_modules/.bin/claude)
  --credentials  credentials file (default: $MCP_TOKEN_CREDENTIALS or
                 \${XDG_CONFIG_HOME:-~/.config}/mcp-token/credentials.json)`;

const claudeScopes = new Set(['local', 'user', 'project']);

export const configureCommand = defineCommand({
  name: 'configure',
  summary: 'register the MCP server in Claude Code with a headersHelper',
  usage,
  options: {
    ...credentialsOption,
    name: { type: 'string' },
    scope: { type: 'string' },
    claude: { type: 'string' },
  },
  async run(values, context) {
    const name = values.name ?? 'docs';
    if (!/^[\w-]{1,64}$/.test(name)) {
      throw new CliError(
        'ERR_USAGE',
        `--name must be letters, digits, - or _ (at most 64), got ${JSON.stringify(name)}`,
      );
    }
    const scope = values.scope ?? 'local';
    if (!claudeScopes.has(scope))
      throw new CliError('ERR_USAGE', `--scope must be local, user or project, got ${scope}`);
    const store = new CredentialsStore(credentialsPath(values.credentials, context.env, context.cwd));
    const credentials = await store.require();
    const claude = await findClaude(values.claude, context.env, context.cwd);
    const config = JSON.stringify({
      type: 'http',
      url: credentials.resource,
      headersHelper: headersHelperCommand(store.path),
    });
    const add = ['mcp', 'add-json', '--scope', scope, name, config];
    const options = { env: context.env, cwd: context.cwd };
    let result = await runClaude(claude, add, options);
    let replaced = false;
    if (result.code !== 0 && /already exists/i.test(result.stdout + result.stderr)) {
      const removed = await runClaude(claude, ['mcp', 'remove', '--scope', scope, name], options);
      if (removed.code !== 0) throw claudeFailed('mcp remove', removed);
      replaced = true;
      result = await runClaude(claude, add, options);
    }
    if (result.code !== 0) throw claudeFailed('mcp add-json', result);
    context.stdout(
      [
        `${replaced ? 'Replaced' : 'Added'} MCP server "${name}" (${credentials.resource}) in Claude Code, scope ${scope}:`,
        `  ${[claude, ...add].map(shellQuote).join(' ')}`,
        result.stdout.trim() === ''
          ? ''
          : `  claude: ${result.stdout.trim().replaceAll('\n', '\n  claude: ')}`,
        `Claude Code now runs "mcp-token header" for each connection; check with: claude mcp list`,
        '',
      ]
        .filter((line, index, lines) => line !== '' || index === lines.length - 1)
        .join('\n'),
    );
    return 0;
  },
});

function claudeFailed(what: string, run: { code: number; stdout: string; stderr: string }): CliError {
  const output = (run.stderr.trim() || run.stdout.trim()).slice(0, 1000);
  return new CliError('ERR_CLAUDE_FAILED', `claude ${what} exited with ${run.code}: ${output}`);
}
