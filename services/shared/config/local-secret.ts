import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from './config-error.js';

/**
 * A symmetric secret: from `value` (base64, at least 32 bytes) when configured, else read from — or
 * on first use created at — `file` with mode 0600. Only local setups should rely on the file.
 */
export async function loadOrCreateSecret(options: {
  name: string;
  value: string | undefined;
  file: string;
}): Promise<Buffer> {
  if (options.value !== undefined) return decode(options.value, options.name);
  try {
    return decode((await readFile(options.file, 'utf8')).trim(), options.file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
  const temporary = `${options.file}.${process.pid}.tmp`;
  await writeFile(temporary, `${secret.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, options.file);
  return secret;
}

function decode(text: string, name: string): Buffer {
  const secret = Buffer.from(text, 'base64');
  if (secret.length < 32 || secret.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) {
    throw new ConfigError([`${name} must be at least 32 bytes of base64`]);
  }
  return secret;
}
