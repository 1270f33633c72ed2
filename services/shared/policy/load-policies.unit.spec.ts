import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicies } from './load-policies.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';

const valid = (version: number, extra = ''): string => `id: mcp-docs
version: ${version}
tools:
  get_public_info: { scopes: [public:read] }
identities:
  - match: { email_domain: example.com }
    scopes: [public:read]
${extra}`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-spec-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

function loadError(options: { version?: string | number } = {}): PolicyError {
  try {
    loadPolicies({ dir, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error('expected loadPolicies to throw');
}

/** Asserts the first problem, and that the message names it as `file:line:column: path: problem`. */
function expectIssue(error: PolicyError, expected: PolicyIssue): void {
  expect(error.code).toBe('ERR_POLICY_INVALID');
  expect(error.issues[0]).toEqual(expected);
  const place =
    expected.line === undefined ? expected.file : `${expected.file}:${expected.line}:${expected.column}`;
  expect(error.message).toContain(
    `${place}: ${expected.path ? `${expected.path}: ` : ''}${expected.message}`,
  );
}

describe('loadPolicies with the shipped policies/', () => {
  it('loads every version, numbered 1..n in files named vN.yaml, and makes the highest active', () => {
    const { active, all } = loadPolicies({ dir: 'policies' });
    const versions = all.map((policy) => Number(policy.version));
    expect(versions).toEqual(versions.map((_, index) => index + 1));
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(active).toBe(all.at(-1));
    expect(active.file).toBe(join('policies', `v${active.version}.yaml`));
    expect(active.ref).toEqual({ id: 'mcp-docs', version: active.version, hash: active.hash });
    expect(active.tools.get('get_public_info')?.requiredScopes).toEqual(['public:read']);
    expect(active.tools.get('get_confidential_info')?.requiredScopes).toEqual(['confidential:read']);
  });

  it('makes the requested version active, given as a number or a string', () => {
    expect(loadPolicies({ dir: 'policies', version: 1 }).active.version).toBe('1');
    expect(loadPolicies({ dir: 'policies', version: '1' }).active.version).toBe('1');
  });
});

describe('loadPolicies', () => {
  it('sorts versions numerically, not by file name', () => {
    write({ 'a.yaml': valid(10), 'b.yml': valid(9) });
    const { active, all } = loadPolicies({ dir });
    expect(all.map((policy) => policy.version)).toEqual(['9', '10']);
    expect(active.version).toBe('10');
  });

  it('ignores other files and hidden entries, and follows symlinks (ConfigMap volumes)', () => {
    mkdirSync(join(dir, '..data'));
    write({ '..data/v1.yaml': valid(1), 'README.md': '# not a policy', '.v3.yaml': 'not: [valid' });
    symlinkSync(join(dir, '..data', 'v1.yaml'), join(dir, 'v1.yaml'));
    expect(loadPolicies({ dir }).all.map((policy) => policy.version)).toEqual(['1']);
  });

  it('reports a requested version that does not exist, naming the versions available', () => {
    write({ 'v1.yaml': valid(1), 'v2.yaml': valid(2) });
    expectIssue(loadError({ version: 3 }), {
      file: dir,
      message: 'the requested policy version 3 was not found; available versions: 1, 2',
    });
    expect(loadError({ version: 3 }).message).toContain('available versions: 1, 2');
  });

  it('rejects a requested version that is not a positive integer', () => {
    write({ 'v1.yaml': valid(1) });
    expect(loadError({ version: 'latest' }).issues[0]?.message).toBe(
      'the requested policy version "latest" is not a positive integer; available versions: 1',
    );
  });

  it('hashes the exact file bytes, so any byte change changes the hash', () => {
    write({ 'v1.yaml': valid(1) });
    const before = loadPolicies({ dir }).active.hash;
    expect(before).toBe(createHash('sha256').update(valid(1)).digest('hex'));
    write({ 'v1.yaml': `${valid(1)}# a comment\n` });
    const after = loadPolicies({ dir }).active.hash;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns deeply frozen policies whose tool map cannot be changed', () => {
    write({ 'v1.yaml': valid(1) });
    const { active, all } = loadPolicies({ dir });
    expect(Object.isFrozen(active)).toBe(true);
    expect(Object.isFrozen(all)).toBe(true);
    expect(Object.isFrozen(active.ref)).toBe(true);
    expect(Object.isFrozen(active.identities[0]?.match)).toBe(true);
    expect(Object.isFrozen(active.tools.get('get_public_info')?.requiredScopes)).toBe(true);
    expect(() => (active.tools as Map<string, unknown>).set('x', {})).toThrow(TypeError);
    expect(() => (active.tools as Map<string, unknown>).delete('get_public_info')).toThrow(TypeError);
    expect(active.tools.size).toBe(1);
  });

  it('lower-cases emails and domains and sorts scopes', () => {
    write({
      'v1.yaml': `id: mcp-docs
version: 1
tools:
  t: { scopes: [tokens:revoke, audit:read] }
identities:
  - match: { email: Alice@Example.COM, email_domain: Example.com }
    scopes: [public:read]
`,
    });
    const { active } = loadPolicies({ dir });
    expect(active.identities[0]?.match).toEqual({ email: ['alice@example.com'], emailDomain: 'example.com' });
    expect(active.tools.get('t')?.requiredScopes).toEqual(['audit:read', 'tokens:revoke']);
  });
});

describe('loadPolicies names the file, line, column and problem of', () => {
  it('an unknown scope', () => {
    write({ 'v1.yaml': valid(1).replace('[public:read] }', '[public:reed] }') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 4,
      column: 31,
      path: 'tools.get_public_info.scopes[0]',
      message:
        '"public:reed" is not a known scope (expected one of public:read, confidential:read, audit:read, tokens:revoke)',
    });
  });

  it('an unknown key, pointing at the key', () => {
    write({ 'v1.yaml': valid(1).replace('{ scopes: [public:read] }', '{ scope: [public:read] }') });
    const error = loadError();
    expect(error.issues).toContainEqual({
      file: join(dir, 'v1.yaml'),
      line: 4,
      column: 22,
      path: 'tools.get_public_info',
      message: 'unknown key "scope" (allowed: scopes)',
    });
    expect(error.message).toContain(
      `${join(dir, 'v1.yaml')}:4:22: tools.get_public_info: unknown key "scope"`,
    );
  });

  it('an unknown top-level key', () => {
    write({ 'v1.yaml': valid(1, 'owner: security\n') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 8,
      column: 1,
      message: 'unknown key "owner" (allowed: id, version, description, tools, identities)',
    });
  });

  it('a value of the wrong type', () => {
    write({ 'v1.yaml': valid(1).replace('{ scopes: [public:read] }', '{ scopes: public:read }') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 4,
      column: 30,
      path: 'tools.get_public_info.scopes',
      message: 'expected a list of scopes, e.g. [public:read], got the string "public:read"',
    });
  });

  it('a version that is not a positive integer', () => {
    write({ 'v1.yaml': valid(1).replace('version: 1', 'version: "1"') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 2,
      column: 10,
      path: 'version',
      message: 'must be a positive integer, e.g. version: 3 (got the string "1")',
    });
  });

  it('a missing version field', () => {
    write({ 'v1.yaml': valid(1).replace('version: 1\n', '') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 1,
      column: 1,
      path: 'version',
      message: 'is required',
    });
  });

  it('an identity rule with an empty match, which would match everyone', () => {
    write({ 'v1.yaml': valid(1).replace('{ email_domain: example.com }', '{}') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 6,
      column: 12,
      path: 'identities[0].match',
      message:
        'must name at least one of email, email_domain, group, issuer (an empty match would match everyone)',
    });
  });

  it('a YAML syntax error', () => {
    write({ 'v1.yaml': valid(1).replace('[public:read] }', '[public:read }') });
    const error = loadError();
    expectIssue(error, {
      file: join(dir, 'v1.yaml'),
      line: 4,
      column: 43,
      message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
    });
  });

  it('a duplicate key', () => {
    write({ 'v1.yaml': valid(1, 'tools: {}\n') });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 8,
      column: 1,
      message: 'duplicate key "tools"',
    });
  });

  it('a version used by two files, at the second file', () => {
    write({ 'v1.yaml': valid(1), 'v1-copy.yaml': valid(1) });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 2,
      column: 10,
      path: 'version',
      message: `version 1 is already used by ${join(dir, 'v1-copy.yaml')}; every file needs its own version`,
    });
  });

  it('files that disagree on the policy id', () => {
    write({ 'v1.yaml': valid(1), 'v2.yaml': valid(2).replace('id: mcp-docs', 'id: other') });
    expectIssue(loadError(), {
      file: join(dir, 'v2.yaml'),
      line: 1,
      column: 5,
      path: 'id',
      message: `"other" differs from "mcp-docs" in ${join(dir, 'v1.yaml')}; every file in a policy directory is a version of the same policy`,
    });
  });

  it('an empty file', () => {
    write({ 'v1.yaml': '# nothing yet\n' });
    expectIssue(loadError(), {
      file: join(dir, 'v1.yaml'),
      line: 1,
      column: 1,
      message: 'the file is empty; expected id, version, tools and identities',
    });
  });

  it('a directory with no policy file', () => {
    write({ 'README.md': '# policies' });
    expectIssue(loadError(), { file: dir, message: 'no policy files (*.yaml, *.yml) found' });
  });

  it('a directory that does not exist', () => {
    const missing = join(dir, 'nope');
    expect(() => loadPolicies({ dir: missing })).toThrow(`${missing}: the policy directory does not exist`);
  });

  it('every problem in every file, not only the first', () => {
    write({
      'v1.yaml': valid(1).replace('public:read] }', 'public:reed] }'),
      'v2.yaml': valid(2).replace('example.com }', '"@example.com" }'),
    });
    expect(loadError().issues.map(({ file, line, column, path }) => ({ file, line, column, path }))).toEqual([
      { file: join(dir, 'v1.yaml'), line: 4, column: 31, path: 'tools.get_public_info.scopes[0]' },
      { file: join(dir, 'v2.yaml'), line: 6, column: 28, path: 'identities[0].match.email_domain' },
    ]);
  });
});
