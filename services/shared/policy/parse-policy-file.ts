import { createHash } from 'node:crypto';
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLError,
} from 'yaml';
import type * as z from 'zod';
import { FrozenMap } from './frozen-map.js';
import type { KnownScope } from './known-scopes.js';
import type { IdentityMatch, IdentityRule, Policy, ToolRule } from './policy.js';
import type { PolicyIssue } from './policy-error.js';
import { policyErrorMap } from './policy-error-map.js';
import { type PolicyDocument, policySchema } from './policy-schema.js';

/** A 1-based place in a file. */
export interface FilePosition {
  readonly line: number;
  readonly column: number;
}

/** The outcome of reading one policy file: the policy and where its `id` and `version` are, or the problems. */
export type ParsedPolicyFile =
  | {
      readonly ok: true;
      readonly policy: Policy;
      readonly idAt: FilePosition;
      readonly versionAt: FilePosition;
    }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

type Path = readonly PropertyKey[];

/**
 * Parses, validates and freezes one policy file. Every problem is reported with the file, the line
 * and column of the offending YAML node and a message for the file's author; nothing is thrown.
 *
 * @param file - the name to report and to record as `Policy.file`
 * @param bytes - the file's exact bytes (hashed as they are)
 */
export function parsePolicyFile(file: string, bytes: Uint8Array): ParsedPolicyFile {
  const hash = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, issues: [{ file, line: 1, column: 1, message: 'the file is not valid UTF-8' }] };
  }

  const lineCounter = new LineCounter();
  const at = (offset: number): FilePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        file,
        ...at(error.pos[0]),
        message: yamlErrorMessage(error, text),
      })),
    };
  }
  if (doc.contents === null) {
    return {
      ok: false,
      issues: [
        {
          file,
          line: 1,
          column: 1,
          message: 'the file is empty; expected id, version, tools and identities',
        },
      ],
    };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, issues: [{ file, line: 1, column: 1, message: (error as Error).message }] };
  }

  const result = policySchema.safeParse(data, { error: policyErrorMap });
  const position = (path: Path, key: boolean): FilePosition => {
    const node = locateNode(doc, path, key);
    return node?.range ? at(node.range[0]) : { line: 1, column: 1 };
  };
  if (!result.success) {
    return { ok: false, issues: result.error.issues.map((issue) => toPolicyIssue(file, issue, position)) };
  }
  return {
    ok: true,
    policy: buildPolicy(file, hash, result.data),
    idAt: position(['id'], false),
    versionAt: position(['version'], false),
  };
}

function toPolicyIssue(
  file: string,
  issue: z.core.$ZodIssue,
  position: (path: Path, key: boolean) => FilePosition,
): PolicyIssue {
  // An unknown or invalid key is best shown at the key itself, not at the mapping that holds it.
  const keyPath =
    issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]]
      : issue.path;
  const atKey = issue.code === 'unrecognized_keys' || issue.code === 'invalid_key';
  const path = formatPath(issue.path);
  return { file, ...position(keyPath, atKey), ...(path ? { path } : {}), message: issue.message };
}

/** The deepest YAML node on `path`: the node itself when it exists, else its nearest existing parent. */
function locateNode(doc: Document.Parsed, path: Path, key: boolean): Node | undefined {
  let node: unknown = doc.contents;
  for (const [index, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      node = key && index === path.length - 1 ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      node = item;
    } else {
      break;
    }
  }
  return node as Node | undefined;
}

function formatPath(path: Path): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const name = String(segment);
      if (!/^[A-Za-z0-9_-]+$/.test(name)) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}

function yamlErrorMessage(error: YAMLError, text: string): string {
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^(?:"[^"\n]*"|'[^'\n]*'|[^\s:,{}[\]#]+)/.exec(text.slice(error.pos[0]))?.[0];
    return key ? `duplicate key ${key.startsWith('"') ? key : JSON.stringify(key)}` : 'duplicate key';
  }
  return error.message;
}

function buildPolicy(file: string, hash: string, doc: PolicyDocument): Policy {
  const version = String(doc.version);
  const tools = new FrozenMap<string, ToolRule>(
    Object.entries(doc.tools).map(([name, rule]) => [
      name,
      Object.freeze({ requiredScopes: sorted(rule.scopes) }),
    ]),
  );
  const identities: readonly IdentityRule[] = Object.freeze(
    doc.identities.map((rule) =>
      Object.freeze({ match: normalizeMatch(rule.match), scopes: sorted(rule.scopes) }),
    ),
  );
  return Object.freeze({
    id: doc.id,
    version,
    hash,
    file,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    tools,
    identities,
    ref: Object.freeze({ id: doc.id, version, hash }),
  });
}

function normalizeMatch(match: PolicyDocument['identities'][number]['match']): IdentityMatch {
  return Object.freeze({
    ...(match.email === undefined ? {} : { email: Object.freeze(match.email.map((e) => e.toLowerCase())) }),
    ...(match.email_domain === undefined ? {} : { emailDomain: match.email_domain.toLowerCase() }),
    ...(match.group === undefined ? {} : { group: match.group }),
    ...(match.issuer === undefined ? {} : { issuer: match.issuer }),
  });
}

function sorted(scopes: readonly KnownScope[]): readonly KnownScope[] {
  return Object.freeze([...scopes].sort());
}
