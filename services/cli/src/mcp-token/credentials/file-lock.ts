import { open, readFile, rm, stat } from 'node:fs/promises';
import { CliError } from '../cli-error.js';

export interface FileLockOptions {
  /** Give up after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** A lock older than this whose holder cannot be seen is stale; default 60 s. */
  readonly staleMs?: number;
}

/**
 * Runs `task` holding an exclusive lock file beside the credentials (`O_CREAT|O_EXCL`), so that
 * concurrent `mcp-token header` runs (Claude Code may start several) refresh one at a time: with
 * refresh token rotation, two refreshes with the same token would look like reuse and end the grant.
 * A lock whose holder process is gone, or that is older than `staleMs`, is taken over.
 */
export async function withFileLock<T>(
  path: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const staleMs = options.staleMs ?? 60_000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(path, staleMs)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new CliError(
          'ERR_CREDENTIALS_INVALID',
          `timed out waiting for the lock ${path}; remove it if no mcp-token is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  try {
    return await task();
  } finally {
    await rm(path, { force: true });
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [info, content] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - info.mtimeMs > 1000;
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch (error) {
    // Removed between our attempt and this look: not stale, just free.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
