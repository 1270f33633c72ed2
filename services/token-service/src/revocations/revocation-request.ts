/** What a revocation request asks for: one token by its `jti`, or every token of a subject issued until now. */
export type RevocationTarget =
  | { readonly kind: 'token'; readonly tokenId: string }
  | { readonly kind: 'subject'; readonly subject: string };

/** A validated body of `POST /admin/revocations`. */
export interface RevocationRequest {
  readonly target: RevocationTarget;
  /** The caller's reason, when given (at most {@link maxReasonLength} characters). */
  readonly reason: string | undefined;
}

/** The outcome of {@link parseRevocationRequest}: a request, or why the body is not one. */
export type ParsedRevocationRequest =
  | { readonly ok: true; readonly request: RevocationRequest }
  | { readonly ok: false; readonly message: string };

export const maxReasonLength = 200;
const maxIdentifierLength = 512;
const allowedFields = new Set(['token_id', 'subject', 'reason']);

/**
 * Validates the JSON body of `POST /admin/revocations`: exactly one of `token_id` (a token's `jti`)
 * and `subject`, each a non-empty string without control characters, and an optional `reason` of
 * at most 200 characters. Unknown fields are refused, so a misspelt field never silently revokes
 * less than intended. Pure.
 *
 * @example
 * parseRevocationRequest({ subject: 'alice@example.com', reason: 'laptop stolen' });
 * // { ok: true, request: { target: { kind: 'subject', subject: 'alice@example.com' }, reason: 'laptop stolen' } }
 */
export function parseRevocationRequest(body: unknown): ParsedRevocationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('the body must be a JSON object with token_id or subject');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !allowedFields.has(name));
  if (unknown.length > 0)
    return fail(`unknown field ${unknown.map((name) => JSON.stringify(name)).join(', ')}`);
  const hasTokenId = fields.token_id !== undefined;
  const hasSubject = fields.subject !== undefined;
  if (hasTokenId === hasSubject) return fail('give exactly one of token_id and subject');
  const reason = fields.reason;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > maxReasonLength)) {
    return fail(`reason must be a string of at most ${maxReasonLength} characters`);
  }
  const name = hasTokenId ? 'token_id' : 'subject';
  const value = fields[name];
  const problem = identifierProblem(value);
  if (problem !== undefined) return fail(`${name} ${problem}`);
  const target: RevocationTarget = hasTokenId
    ? { kind: 'token', tokenId: value as string }
    : { kind: 'subject', subject: value as string };
  return { ok: true, request: { target, reason: reason === '' ? undefined : reason } };
}

function identifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.trim() === '') return 'must not be empty';
  if (value.length > maxIdentifierLength) return `must be at most ${maxIdentifierLength} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

function fail(message: string): ParsedRevocationRequest {
  return { ok: false, message };
}
