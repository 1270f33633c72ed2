import { parsePolicyFile } from './parse-policy-file.js';
import type { Policy } from './policy.js';
import { PolicyError } from './policy-error.js';

/**
 * Parses and validates one policy document held in memory, for tests and tools that have no policy
 * directory. Services load theirs with `loadPolicies`, which also checks versions across files.
 *
 * @param source - the YAML text, or the file's bytes (hashed exactly as given)
 * @param file - the name used in messages and as `Policy.file`
 * @throws {PolicyError} naming the line, column and problem, as `loadPolicies` does
 *
 * @example
 * ```ts
 * const policy = parsePolicy('id: demo\nversion: 1\ntools: {}\nidentities: []\n', 'demo.yaml');
 * policy.ref; // { id: 'demo', version: '1', hash: '…' }
 * ```
 */
export function parsePolicy(source: string | Uint8Array, file = '<inline>'): Policy {
  const bytes = typeof source === 'string' ? new TextEncoder().encode(source) : source;
  const parsed = parsePolicyFile(file, bytes);
  if (!parsed.ok) throw new PolicyError(parsed.issues);
  return parsed.policy;
}
