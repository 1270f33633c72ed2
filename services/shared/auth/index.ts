export {
  type BearerTokenErrorCode,
  type BearerTokenRequest,
  type BearerTokenResult,
  extractBearerToken,
} from './bearer-token.js';
export { type JwksSource, localJwks, type RemoteJwksOptions, remoteJwks } from './jwks-source.js';
export { isScope, parseScopeClaim, type Scope, type ScopeClaimResult, scopes } from './scopes.js';
export {
  type AccessTokenInput,
  type AccessTokenSigningKey,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  type SigningAlgorithm,
  signAccessToken,
} from './sign-access-token.js';
export {
  type JsonWebKeySet,
  type LoadSigningKeysOptions,
  loadOrCreateSigningKeys,
  type RotateSigningKeyOptions,
  rotateSigningKey,
  SIGNING_KEYS_FILE_NAME,
  type SigningKey,
  type SigningKeys,
} from './signing-keys.js';
export { cacheVerifiedTokens, type VerifiedTokenCacheOptions } from './verified-token-cache.js';
export {
  type AccessTokenClaims,
  type AccessTokenErrorCode,
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type VerifyResult,
} from './verify-access-token.js';
