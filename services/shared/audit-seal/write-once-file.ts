import { randomUUID } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `file` with `content` only if no file of that name exists, atomically: the content is
 * written and fsynced to a temporary file, then hard-linked to the name, which fails on an existing
 * name (the same guarantee as `O_EXCL`, without a reader ever seeing a half-written file). An
 * existing file is never touched.
 *
 * @returns `created`, or `exists` when the name was already taken.
 */
export async function writeFileOnce(
  file: string,
  content: string | Uint8Array,
  mode: number,
): Promise<'created' | 'exists'> {
  const temp = `${file}.${randomUUID()}.tmp`;
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return 'created';
}
