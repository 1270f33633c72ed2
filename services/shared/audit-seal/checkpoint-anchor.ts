/**
 * External, write-once storage for signed checkpoints, outside the database's trust boundary: a
 * directory locally ({@link createDirectoryAnchor}), a retention-locked GCS bucket in production
 * ({@link createGcsAnchor}). Nothing here overwrites or deletes.
 */
export interface CheckpointAnchor {
  /** Where, for logs and reports (`dir:/path`, `gs://bucket/prefix`). */
  readonly description: string;
  /** Stores `content` under `name` unless the name is taken; an existing object is never replaced. */
  put(name: string, content: string): Promise<'created' | 'exists'>;
  /** The stored content, or undefined when there is no such object. */
  get(name: string): Promise<string | undefined>;
  /** Every stored name, in lexical order. */
  list(): AsyncIterable<string>;
}

/** Names an anchor accepts: no path separators, no traversal. */
export const anchorNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** The anchor already holds a different object under a checkpoint's name. */
export class AnchorConflictError extends Error {
  readonly objectName: string;

  constructor(anchor: CheckpointAnchor, name: string) {
    super(
      `${anchor.description} already holds a different ${name}: the database and the anchor disagree ` +
        '(history rewritten, or the anchor is shared with another database)',
    );
    this.name = 'AnchorConflictError';
    this.objectName = name;
  }
}

/**
 * Puts `content` under `name`, or confirms the identical content is already there (a retry, or
 * another replica anchored it first).
 *
 * @throws {AnchorConflictError} when different content is stored under `name`.
 */
export async function putOnce(
  anchor: CheckpointAnchor,
  name: string,
  content: string,
): Promise<'created' | 'already-anchored'> {
  if ((await anchor.put(name, content)) === 'created') return 'created';
  const existing = await anchor.get(name);
  if (existing !== content) throw new AnchorConflictError(anchor, name);
  return 'already-anchored';
}
