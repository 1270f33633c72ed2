/**
 * The one registry of stable error codes. The same code lands in the HTTP body, the log line and the
 * audit event's `reason_code`, so operators can search for it everywhere.
 */
export const errorCodes = {
  ERR_TOKEN_MISSING: { status: 401, message: 'No bearer token was presented' },
  ERR_TOKEN_IN_QUERY: { status: 401, message: 'Access tokens are not accepted in the query string' },
  ERR_TOKEN_TOO_LARGE: { status: 401, message: 'The access token exceeds the maximum accepted size' },
  ERR_TOKEN_MALFORMED: { status: 401, message: 'The access token is not a well-formed JWT' },
  ERR_TOKEN_ALG_NOT_ALLOWED: { status: 401, message: 'The token signing algorithm is not allowed' },
  ERR_TOKEN_TYPE_INVALID: { status: 401, message: 'The token is not an RFC 9068 access token (typ at+jwt)' },
  ERR_TOKEN_KEY_UNKNOWN: { status: 401, message: 'The token was signed with an unknown key' },
  ERR_TOKEN_SIGNATURE_INVALID: { status: 401, message: 'The token signature does not verify' },
  ERR_TOKEN_EXPIRED: { status: 401, message: 'The access token has expired' },
  ERR_TOKEN_NOT_YET_VALID: { status: 401, message: 'The access token is not yet valid' },
  ERR_TOKEN_CLAIM_INVALID: { status: 401, message: 'A required token claim is missing or invalid' },
  ERR_TOKEN_ISSUER_INVALID: { status: 401, message: 'The token was not issued by the trusted issuer' },
  ERR_TOKEN_AUDIENCE_INVALID: { status: 401, message: 'The token is not intended for this resource' },
  ERR_TOKEN_SCOPE_INVALID: { status: 401, message: 'The token scope claim is not a string' },
  ERR_TOKEN_REVOKED: { status: 401, message: 'The access token has been revoked' },
  ERR_REVOCATION_FEED_STALE: {
    status: 503,
    message: 'The revocation feed is stale; requests are refused until it catches up',
  },
  ERR_KEYS_UNAVAILABLE: { status: 503, message: 'The token verification keys are unavailable' },
  ERR_SCOPE_INSUFFICIENT: { status: 403, message: 'The token does not grant the scope this call requires' },
  ERR_TOOL_NOT_IN_POLICY: { status: 403, message: 'The tool is not allowed by the active policy' },
  ERR_TOOL_UNKNOWN: { status: 404, message: 'No such tool' },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'The request Origin is not allowed' },
  ERR_HOST_NOT_ALLOWED: { status: 403, message: 'The request Host is not allowed' },
  ERR_REQUEST_INVALID: { status: 400, message: 'The request is not a valid MCP JSON-RPC message' },
  ERR_REQUEST_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  ERR_POLICY_INVALID: { status: 500, message: 'A policy file is invalid' },
  ERR_CONFIG_INVALID: { status: 500, message: 'The configuration is invalid' },
  ERR_AUDIT_UNAVAILABLE: {
    status: 503,
    message: 'The audit log could not record this decision in time; nothing was executed',
  },
  ERR_AUDIT_OVERLOADED: {
    status: 503,
    message: 'The audit log is overloaded; the request was refused before anything was executed',
  },
  ERR_LOGIN_STATE_MISSING: {
    status: 400,
    message: 'The sign-in has no pending login in this browser (expired, already used, or started elsewhere)',
  },
  ERR_LOGIN_STATE_MISMATCH: {
    status: 400,
    message: 'The sign-in response does not belong to the login started here',
  },
  ERR_LOGIN_UPSTREAM_DENIED: { status: 403, message: 'The identity provider did not sign the user in' },
  ERR_LOGIN_UPSTREAM_INVALID: { status: 502, message: 'The identity provider response failed validation' },
  ERR_LOGIN_UPSTREAM_UNAVAILABLE: {
    status: 503,
    message: 'The identity provider cannot be reached; try again shortly',
  },
  ERR_LOGIN_HOSTED_DOMAIN: { status: 403, message: 'The account does not belong to the allowed domain' },
  ERR_LOGIN_NO_POLICY_MATCH: { status: 403, message: 'No access policy grants this identity any scope' },
  ERR_LOGIN_SCOPE_NOT_ALLOWED: {
    status: 403,
    message: 'Policy grants none of the requested scopes to this identity',
  },
  ERR_LOGIN_EXPIRED: {
    status: 400,
    message: 'The authorization request expired before the sign-in finished',
  },
  ERR_LOGIN_CONSENT_DENIED: {
    status: 403,
    message: 'The user did not allow the application access',
  },
  ERR_OAUTH_INVALID_REQUEST: { status: 400, message: 'The OAuth request is invalid' },
  ERR_OAUTH_INVALID_CLIENT: { status: 401, message: 'The OAuth client is unknown or failed to authenticate' },
  ERR_OAUTH_INVALID_GRANT: {
    status: 400,
    message: 'The authorization code or refresh token is invalid, expired, used, or issued to another client',
  },
  ERR_OAUTH_INVALID_REDIRECT_URI: {
    status: 400,
    message: 'The redirect URI is not registered for this client',
  },
  ERR_OAUTH_INVALID_CLIENT_METADATA: {
    status: 400,
    message: 'The client registration metadata is not acceptable',
  },
  ERR_OAUTH_INVALID_SCOPE: { status: 400, message: 'The requested scope is invalid' },
  ERR_OAUTH_INVALID_TARGET: {
    status: 400,
    message: 'The requested resource is not served by this authorization server',
  },
  ERR_OAUTH_ACCESS_DENIED: { status: 403, message: 'The authorization request was denied' },
  ERR_OAUTH_UNSUPPORTED: {
    status: 400,
    message: 'The OAuth request uses an unsupported grant, response type or parameter',
  },
  ERR_OAUTH_REJECTED: { status: 400, message: 'The OAuth request was rejected' },
  ERR_OAUTH_RATE_LIMITED: {
    status: 429,
    message: 'Too many requests to this endpoint from this address (or in all) for now; retry later',
  },
  ERR_AUDIT_QUERY_INVALID: { status: 400, message: 'The audit query is invalid' },
  ERR_AUDIT_QUERY_UNAVAILABLE: { status: 503, message: 'The audit query API has no database access here' },
  ERR_TOOL_FAILED: { status: 500, message: 'The tool failed' },
  ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
