import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { knownScopes } from './known-scopes.js';

// MCP tool names: 1–128 characters from A–Z, a–z, 0–9, `_`, `-` and `.` (MCP spec, "Tools", tool names).
const toolNamePattern = /^[A-Za-z0-9_.-]{1,128}$/;
const policyIdPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const domainPattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

const quote = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** An object that rejects unknown keys and says which keys it accepts. */
function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(quote).join(', ')} (allowed: ${allowed})`
        : undefined,
  });
}

/** Adds an issue at each repeated item, so the position points at the repeat rather than the list. */
function noDuplicates(what: string) {
  return (items: readonly string[], ctx: z.core.$RefinementCtx<readonly string[]>): void => {
    items.forEach((item, index) => {
      if (items.indexOf(item) !== index) {
        ctx.addIssue({ code: 'custom', message: `${what} ${quote(item)} is listed twice`, path: [index] });
      }
    });
  };
}

const scope = z.enum(knownScopes, {
  error: (issue) =>
    issue.input === undefined
      ? undefined
      : `${quote(issue.input)} is not a known scope (expected one of ${knownScopes.join(', ')})`,
});

const scopeList = z
  .array(scope, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? `expected a list of scopes, e.g. [public:read], got ${describeValue(issue.input)}`
        : undefined,
  })
  .min(1, 'must list at least one scope')
  .superRefine(noDuplicates('scope'));

const toolName = z.string().regex(toolNamePattern, {
  error: (issue) =>
    `${quote(issue.input)} is not a valid tool name (1–128 characters: letters, digits, "_", "-", ".")`,
});

const email = z.email({ error: (issue) => `${quote(issue.input)} is not an email address` });

const emailList = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z
    .array(email, {
      error: (issue) =>
        issue.code === 'invalid_type' && issue.input !== undefined
          ? `expected an email address or a list of them, got ${describeValue(issue.input)}`
          : undefined,
    })
    .min(1, 'must list at least one email address'),
);

const emailDomain = z.string().regex(domainPattern, {
  error: (issue) =>
    typeof issue.input === 'string' && issue.input.startsWith('@')
      ? `write the domain without "@" (${quote(issue.input.slice(1))})`
      : `${quote(issue.input)} is not a domain name, e.g. example.com`,
});

const group = z.string().min(1, 'must not be empty');

const issuer = z.url({
  protocol: /^https?$/,
  error: (issue) => `${quote(issue.input)} is not an issuer URL, e.g. https://accounts.google.com`,
});

const identityMatch = strictObject({
  email: emailList.optional(),
  email_domain: emailDomain.optional(),
  group: group.optional(),
  issuer: issuer.optional(),
}).refine((match) => Object.values(match).some((value) => value !== undefined), {
  message:
    'must name at least one of email, email_domain, group, issuer (an empty match would match everyone)',
});

const identityRule = strictObject({ match: identityMatch, scopes: scopeList });

const toolRule = strictObject({ scopes: scopeList });

/**
 * The schema of one policy file (`policies/*.yaml`), strict: unknown keys, unknown scopes, a
 * non-integer version or an empty `match` are errors with a message meant for the file's author.
 * See `policies/README.md` for the format.
 *
 * @example
 * ```ts
 * const result = policySchema.safeParse(YAML.parse(text));
 * if (!result.success) console.error(result.error.issues);
 * ```
 */
export const policySchema = strictObject({
  id: z.string().regex(policyIdPattern, {
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : `${quote(issue.input)} is not a valid policy id (lower-case letters, digits, ".", "_", "-"; at most 64)`,
  }),
  version: z
    .int({
      error: (issue) =>
        issue.input === undefined
          ? undefined
          : `must be a positive integer, e.g. version: 3 (got ${describeValue(issue.input)})`,
    })
    .positive({
      error: (issue) => `must be a positive integer, e.g. version: 3 (got ${quote(issue.input)})`,
    }),
  description: z.string().optional(),
  tools: z.record(toolName, toolRule, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? `expected a mapping of tool name to { scopes: [...] }, got ${describeValue(issue.input)}`
        : undefined,
  }),
  identities: z.array(identityRule, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? `expected a list of { match, scopes } rules, got ${describeValue(issue.input)}`
        : undefined,
  }),
});

/** A policy file's content once it passed {@link policySchema}. */
export type PolicyDocument = z.output<typeof policySchema>;
