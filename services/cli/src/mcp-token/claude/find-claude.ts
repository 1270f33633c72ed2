import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.js';

/** This checkout's root (services/cli/src/mcp-token/claude → five levels up). */
const checkoutRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

/**
 * Finds the `claude` executable: `--claude` when given, else the first on `PATH`, else the nearest
 * `node_modules/.bin/claude` above the working directory or in this checkout (the pinned
 * devDependency).
 */
export async function findClaude(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<string> {
  if (explicit !== undefined) {
    if (await isExecutable(explicit)) return explicit;
    throw new CliError('ERR_CLAUDE_NOT_FOUND', `--claude ${explicit} is not an executable file`);
  }
  const candidates = [
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'claude')),
    ...ancestors(cwd).map((dir) => join(dir, 'node_modules', '.bin', 'claude')),
    join(checkoutRoot, 'node_modules', '.bin', 'claude'),
  ];
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  throw new CliError(
    'ERR_CLAUDE_NOT_FOUND',
    'Claude Code (claude) is not on PATH nor in node_modules/.bin; install it (npm i -g @anthropic-ai/claude-code) or pass --claude <path>',
  );
}

function ancestors(dir: string): string[] {
  const list = [dir];
  for (let parent = dirname(dir); parent !== list.at(-1); parent = dirname(parent)) list.push(parent);
  return list;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
