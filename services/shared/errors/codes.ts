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
  ERR_TOOL_FAILED: { status: 500, message: 'The tool failed' },
  ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
