import { AppError } from '../errors/index.js';

/** One problem found while loading policies, located as precisely as the problem allows. */
export interface PolicyIssue {
  /** The file (or, for directory-level problems, the directory) the problem is in. */
  readonly file: string;
  /** 1-based, when the problem has a place in the file. */
  readonly line?: number;
  /** 1-based, when the problem has a place in the file. */
  readonly column?: number;
  /** Where in the document, e.g. `tools.get_public_info.scopes[0]`. */
  readonly path?: string;
  readonly message: string;
}

const maxListedIssues = 20;

/**
 * Policies failed to load or validate (`ERR_POLICY_INVALID`). The message names every problem as
 * `file:line:column: path: problem`, one per line; `issues` holds them as data.
 *
 * @example
 * ```ts
 * try {
 *   loadPolicies({ dir: 'policies' });
 * } catch (error) {
 *   if (error instanceof PolicyError) console.error(error.message);
 *   // A policy file is invalid: policies/v2.yaml:7:34: tools.get_public_info.scopes[0]: "public:reed" is not a known scope (…)
 * }
 * ```
 */
export class PolicyError extends AppError {
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], options?: ErrorOptions) {
    super('ERR_POLICY_INVALID', describeIssues(issues), options);
    this.name = 'PolicyError';
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

function describeIssues(issues: readonly PolicyIssue[]): string {
  const lines = issues.slice(0, maxListedIssues).map(formatIssue);
  if (issues.length > maxListedIssues) lines.push(`… and ${issues.length - maxListedIssues} more`);
  return lines.join('\n');
}

function formatIssue(issue: PolicyIssue): string {
  const place = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path ? `${place}: ${issue.path}: ${issue.message}` : `${place}: ${issue.message}`;
}
