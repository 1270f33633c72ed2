import { open, readFile, unlink } from 'node:fs/promises';

/** Raised when another live process (or this one) already holds the embedded database. */
export class DatabaseLockedError extends Error {
  /** The process id written in the lock file. */
  readonly pid: number;
  readonly lockFile: string;

  constructor(lockFile: string, pid: number) {
    super(
      `The embedded database is already open in process ${pid} (lock file ${lockFile}). ` +
        'PGlite allows one process per data directory: stop that process, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'DatabaseLockedError';
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

/**
 * Takes an exclusive pid lock file (`O_EXCL`). A lock left by a process that no longer exists is
 * taken over; a lock held by a live process, including this one (two PGlite instances on one
 * directory corrupt it), raises {@link DatabaseLockedError}.
 *
 * @returns a function that removes the lock.
 */
export async function acquirePidLock(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return async () => {
        await unlink(lockFile).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder))
      throw new DatabaseLockedError(lockFile, holder);
    // Stale (dead pid, or a half-written file): remove it and try once more. If another process
    // wins that race, the second `wx` open fails and we report it below.
    await unlink(lockFile).catch(() => {});
  }
  const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => '0'), 10);
  throw new DatabaseLockedError(lockFile, holder);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
