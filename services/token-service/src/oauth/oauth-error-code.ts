import type { ErrorCode } from '../../../shared/errors/index.js';

const codes: Readonly<Record<string, ErrorCode>> = {
  invalid_request: 'ERR_OAUTH_INVALID_REQUEST',
  invalid_client: 'ERR_OAUTH_INVALID_CLIENT',
  invalid_grant: 'ERR_OAUTH_INVALID_GRANT',
  invalid_redirect_uri: 'ERR_OAUTH_INVALID_REDIRECT_URI',
  invalid_client_metadata: 'ERR_OAUTH_INVALID_CLIENT_METADATA',
  invalid_scope: 'ERR_OAUTH_INVALID_SCOPE',
  invalid_target: 'ERR_OAUTH_INVALID_TARGET',
  access_denied: 'ERR_OAUTH_ACCESS_DENIED',
  unsupported_grant_type: 'ERR_OAUTH_UNSUPPORTED',
  unsupported_response_type: 'ERR_OAUTH_UNSUPPORTED',
  unauthorized_client: 'ERR_OAUTH_INVALID_CLIENT',
};

/**
 * The registry code recorded for an OAuth error response (RFC 6749 §4.1.2.1 and §5.2, RFC 7591
 * §3.2.2, RFC 8707 §2); unknown error strings map to `ERR_OAUTH_REJECTED`.
 */
export function oauthErrorCode(error: string): ErrorCode {
  return codes[error] ?? 'ERR_OAUTH_REJECTED';
}
