import * as client from 'openid-client';
import { AppError } from '../../../shared/errors/index.js';
import type { UpstreamConfig } from '../config.js';

/** What the token service keeps between sending the user to the IdP and their return. */
export interface UpstreamChallenge {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** The validated claims of the signed-in user (ID token, as OpenID Connect Core §3.1.3.7 checks it). */
export type UpstreamClaims = Readonly<Record<string, unknown>> & {
  readonly iss: string;
  readonly sub: string;
};

/** The relying party side of the upstream login (openid-client 6). */
export interface UpstreamClient {
  readonly issuer: string;
  /** A fresh state, nonce and PKCE verifier, and the authorization URL carrying them. */
  begin(redirectUri: string): Promise<{ url: URL; challenge: UpstreamChallenge }>;
  /**
   * Redeems the code of a callback URL: checks `state` and `iss` (RFC 9207), PKCE, the ID token's
   * signature, issuer, audience, expiry and `nonce`. Throws when anything does not verify.
   */
  finish(callbackUrl: URL, challenge: UpstreamChallenge): Promise<UpstreamClaims>;
}

/**
 * Creates the upstream client. Discovery happens on first use and is retried after a failure, so the
 * token service starts (and serves tokens to already signed-in clients) while the IdP is unreachable.
 */
export function createUpstreamClient(config: UpstreamConfig): UpstreamClient {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(
        new URL(config.issuer),
        config.clientId,
        undefined,
        client.ClientSecretPost(config.clientSecret),
        config.allowInsecureRequests ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        discovered = undefined;
        // Not the user's fault and not ours to hide behind a 500: say the IdP is unreachable.
        throw new AppError('ERR_LOGIN_UPSTREAM_UNAVAILABLE', `discovery of ${config.issuer} failed`, {
          cause: error,
        });
      });
    return discovered;
  };

  return {
    issuer: config.issuer,
    async begin(redirectUri) {
      const server = await configuration();
      const challenge: UpstreamChallenge = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: config.scopes.join(' '),
        state: challenge.state,
        nonce: challenge.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(challenge.codeVerifier),
        code_challenge_method: 'S256',
      };
      // Google shows only accounts of this Workspace domain; the `hd` claim is still checked after.
      if (config.hostedDomain) parameters.hd = config.hostedDomain;
      return { url: client.buildAuthorizationUrl(server, parameters), challenge };
    },
    async finish(callbackUrl, challenge) {
      const server = await configuration();
      const tokens = await client.authorizationCodeGrant(server, callbackUrl, {
        pkceCodeVerifier: challenge.codeVerifier,
        expectedState: challenge.state,
        expectedNonce: challenge.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new Error('the token response has no ID token');
      return claims as UpstreamClaims;
    },
  };
}
