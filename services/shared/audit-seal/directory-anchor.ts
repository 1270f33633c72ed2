import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { anchorNamePattern, type CheckpointAnchor } from './checkpoint-anchor.js';
import { writeFileOnce } from './write-once-file.js';

/**
 * An anchor in a local directory: one read-only file (mode 0444) per object, created exclusively
 * (see `writeFileOnce`), never overwritten. For local use, and as a second copy an operator can
 * ship elsewhere; it is only as tamper-proof as the directory's permissions.
 *
 * @example
 * const anchor = createDirectoryAnchor(`${dataDir}/anchor`);
 * await anchor.put('checkpoint-000000000001.json', text);
 */
export function createDirectoryAnchor(dir: string): CheckpointAnchor {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('"dir" must be a non-empty path');
  const root = resolve(dir);
  const pathOf = (name: string) => {
    if (!anchorNamePattern.test(name))
      throw new TypeError(`invalid anchor object name ${JSON.stringify(name)}`);
    return join(root, name);
  };
  return Object.freeze({
    description: `dir:${root}`,
    async put(name: string, content: string) {
      const file = pathOf(name);
      await mkdir(root, { recursive: true, mode: 0o700 });
      return writeFileOnce(file, content, 0o444);
    },
    async get(name: string) {
      try {
        return await readFile(pathOf(name), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async *list() {
      // A missing directory is an error, not an empty anchor: a verifier pointed at the wrong place
      // must not conclude that nothing was ever anchored.
      const names = await readdir(root);
      yield* names.filter((name) => anchorNamePattern.test(name) && !name.endsWith('.tmp')).sort();
    },
  });
}
