import { type ErrorCode, errorCodes } from '../errors/codes.js';

/** What {@link extractBearerToken} reads from a request. */
export interface BearerTokenRequest {
  /** The `Authorization` header value(s), as Node.js or a framework hands them over. */
  readonly authorization?: string | readonly string[] | undefined;
  /** The request target (`/mcp?x=1`) or an absolute URL; only its query string is read. */
  readonly url: string;
}

/** The failure codes {@link extractBearerToken} can return. */
export type BearerTokenErrorCode = Extract<
  ErrorCode,
  'ERR_TOKEN_MISSING' | 'ERR_TOKEN_IN_QUERY' | 'ERR_TOKEN_MALFORMED'
>;

/** The outcome of {@link extractBearerToken}. */
export type BearerTokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly code: BearerTokenErrorCode; readonly message: string };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token (the scheme is case-insensitive, RFC 9110 §11.1)
const BEARER = /^Bearer +(.*)$/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Takes the access token from the `Authorization: Bearer` header (RFC 6750 §2.1), the only place
 * this platform accepts one. A token in the query string (RFC 6750 §2.3) is refused with
 * `ERR_TOKEN_IN_QUERY` even when a header is also present, since the URL has already leaked it to
 * logs; no header, an empty one or another scheme is `ERR_TOKEN_MISSING`; several `Authorization`
 * headers or a token that is not a `b64token` is `ERR_TOKEN_MALFORMED`.
 *
 * @example
 * ```ts
 * const result = extractBearerToken({ authorization: request.headers.authorization, url: request.url });
 * if (!result.ok) return reply.code(401).send({ error: result.code });
 * ```
 */
export function extractBearerToken(request: BearerTokenRequest): BearerTokenResult {
  if (hasQueryToken(request.url)) {
    return failure(
      'ERR_TOKEN_IN_QUERY',
      'remove access_token from the URL and send it in the Authorization header',
    );
  }
  let header = request.authorization;
  if (Array.isArray(header)) {
    if (header.length > 1) return failure('ERR_TOKEN_MALFORMED', 'more than one Authorization header');
    header = header[0];
  }
  if (typeof header !== 'string' || header.trim() === '') return failure('ERR_TOKEN_MISSING');
  const match = BEARER.exec(header.trim());
  if (!match) return failure('ERR_TOKEN_MISSING', 'the Authorization header does not use the Bearer scheme');
  const token = match[1] ?? '';
  if (token === '') return failure('ERR_TOKEN_MISSING', 'the Bearer credentials are empty');
  if (!B64TOKEN.test(token))
    return failure('ERR_TOKEN_MALFORMED', 'the Bearer credentials are not a b64token');
  return { ok: true, token };
}

function hasQueryToken(url: string): boolean {
  const start = url.indexOf('?');
  if (start === -1) return false;
  const end = url.indexOf('#', start);
  return new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end)).has('access_token');
}

function failure(code: BearerTokenErrorCode, detail?: string): BearerTokenResult {
  const base = errorCodes[code].message;
  return { ok: false, code, message: detail ? `${base}: ${detail}` : base };
}
