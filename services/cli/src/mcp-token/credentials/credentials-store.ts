import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from '../cli-error.js';
import { type Credentials, credentialsSchema } from './credentials.js';
import { withFileLock } from './file-lock.js';

/**
 * The credentials file: read and validated, written atomically (a 0600 temporary file in the same
 * 0700 directory, fsynced, then renamed over the old one, so a reader never sees half a file and a
 * crash never loses the refresh token), and changed under a lock.
 */
export class CredentialsStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The stored credentials, or undefined when there is no file. */
  async read(): Promise<Credentials | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(
        'ERR_CREDENTIALS_INVALID',
        `${this.path} is not valid JSON; run mcp-token login again`,
      );
    }
    const parsed = credentialsSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(
        'ERR_CREDENTIALS_INVALID',
        `${this.path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; run mcp-token login again`,
      );
    }
    return parsed.data;
  }

  /** The stored credentials; a `ERR_NOT_LOGGED_IN` error when there are none. */
  async require(): Promise<Credentials> {
    const credentials = await this.read();
    if (credentials === undefined) {
      throw new CliError('ERR_NOT_LOGGED_IN', `not logged in (no ${this.path}); run mcp-token login`);
    }
    return credentials;
  }

  async write(credentials: Credentials): Promise<void> {
    const directory = dirname(this.path);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    // A directory created by someone else may be wider than ours would have been.
    if (((await stat(directory)).mode & 0o077) !== 0) await chmod(directory, 0o700);
    const temporary = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(credentialsSchema.parse(credentials), null, 2)}\n`);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temporary, this.path);
    const dir = await open(directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async delete(): Promise<boolean> {
    try {
      await rm(this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Runs `task` holding the credentials lock (read-refresh-write cycles). */
  async locked<T>(task: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    return withFileLock(`${this.path}.lock`, task);
  }
}
