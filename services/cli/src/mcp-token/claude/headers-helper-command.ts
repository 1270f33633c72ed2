import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `mcp-token` bin of this checkout (services/cli/bin/mcp-token.mjs). */
export const mcpTokenBin = fileURLToPath(new URL('../../../bin/mcp-token.mjs', import.meta.url));

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The shell command Claude Code's `headersHelper` runs: this Node binary, this checkout's
 * `mcp-token` bin and `header` with an absolute credentials path, so it works from any directory
 * and whatever environment Claude Code gives it.
 *
 * @example
 * headersHelperCommand('/home/a/.config/mcp-token/credentials.json');
 * // "/usr/bin/node /repo/services/cli/bin/mcp-token.mjs header --credentials /home/a/.config/mcp-token/credentials.json"
 */
export function headersHelperCommand(credentialsFile: string): string {
  if (!existsSync(mcpTokenBin)) throw new Error(`mcp-token bin not found at ${mcpTokenBin}`);
  return [process.execPath, mcpTokenBin, 'header', '--credentials', credentialsFile]
    .map(shellQuote)
    .join(' ');
}
