import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parsePolicyFile } from './parse-policy-file.js';
import type { Policy } from './policy.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';

/** Where to find the policy files and which version to serve. */
export interface LoadPoliciesOptions {
  /** The directory holding one `*.yaml` / `*.yml` file per version. */
  readonly dir: string;
  /** The version to make active (e.g. from `POLICY_VERSION`); the highest one when absent. */
  readonly version?: string | number | undefined;
}

/** Every version found in the directory, and the one to serve. */
export interface LoadedPolicies {
  readonly active: Policy;
  /** Every version, ascending. */
  readonly all: readonly Policy[];
}

const policyFilePattern = /\.ya?ml$/i;
const versionPattern = /^[1-9][0-9]*$/;

/**
 * Reads, validates and freezes every policy file in `dir` and picks the active version: the one
 * asked for, else the highest. Meant to run once at start-up (it reads synchronously), so that a bad
 * policy stops the service before it serves anything.
 *
 * @throws {PolicyError} (`ERR_POLICY_INVALID`) naming each file, line, column and problem: unreadable
 * or empty directory, YAML syntax error, duplicate key, schema violation, a version used by two files,
 * files disagreeing on the policy `id`, or a requested version that does not exist.
 *
 * @example
 * ```ts
 * const { active, all } = loadPolicies({ dir: 'policies', version: process.env.POLICY_VERSION });
 * console.log(`serving ${active.id} v${active.version} (${all.length} versions known)`);
 * ```
 */
export function loadPolicies(options: LoadPoliciesOptions): LoadedPolicies {
  const { dir } = options;
  const files = listPolicyFiles(dir);

  const issues: PolicyIssue[] = [];
  const policies: Policy[] = [];
  const byVersion = new Map<string, Policy>();
  let first: Policy | undefined;
  for (const name of files) {
    const file = displayPath(join(dir, name));
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(dir, name));
    } catch (error) {
      issues.push({
        file,
        message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
      });
      continue;
    }
    const parsed = parsePolicyFile(file, bytes);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      continue;
    }
    const { policy } = parsed;
    const clash = byVersion.get(policy.version);
    if (clash) {
      issues.push({
        file,
        ...parsed.versionAt,
        path: 'version',
        message: `version ${policy.version} is already used by ${clash.file}; every file needs its own version`,
      });
      continue;
    }
    if (first && policy.id !== first.id) {
      issues.push({
        file,
        ...parsed.idAt,
        path: 'id',
        message: `${JSON.stringify(policy.id)} differs from ${JSON.stringify(first.id)} in ${first.file}; every file in a policy directory is a version of the same policy`,
      });
      continue;
    }
    first ??= policy;
    byVersion.set(policy.version, policy);
    policies.push(policy);
  }
  if (issues.length > 0) throw new PolicyError(issues);

  const all = Object.freeze(policies.sort((a, b) => Number(a.version) - Number(b.version)));
  return Object.freeze({ active: selectVersion(dir, all, options.version), all });
}

function listPolicyFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new PolicyError([{ file: displayPath(dir), message: `the policy directory ${reason}` }], {
      cause: error,
    });
  }
  // Hidden entries are skipped: a Kubernetes ConfigMap volume holds `..data` and timestamped
  // directories next to the files, and the files themselves are symlinks (hence statSync).
  const files = names
    .filter((name) => !name.startsWith('.') && policyFilePattern.test(name))
    .filter((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.isFile() === true)
    .sort();
  if (files.length === 0) {
    throw new PolicyError([{ file: displayPath(dir), message: 'no policy files (*.yaml, *.yml) found' }]);
  }
  return files;
}

function selectVersion(dir: string, all: readonly Policy[], requested: string | number | undefined): Policy {
  const highest = all.at(-1);
  if (requested === undefined) return highest!;
  const available = all.map((policy) => policy.version).join(', ');
  const wanted = String(requested).trim();
  if (!versionPattern.test(wanted)) {
    throw new PolicyError([
      {
        file: displayPath(dir),
        message: `the requested policy version ${JSON.stringify(String(requested))} is not a positive integer; available versions: ${available}`,
      },
    ]);
  }
  const found = all.find((policy) => policy.version === wanted);
  if (!found) {
    throw new PolicyError([
      {
        file: displayPath(dir),
        message: `the requested policy version ${wanted} was not found; available versions: ${available}`,
      },
    ]);
  }
  return found;
}

/** Relative to the working directory when inside it (shorter messages), else as given. */
function displayPath(path: string): string {
  if (!isAbsolute(path)) return join(path);
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
