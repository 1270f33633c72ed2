import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { UpstreamChallenge } from './upstream-client.js';

/** Which flow a login belongs to: an MCP client's authorization, or the simple browser flow. */
export type LoginKind = 'interaction' | 'browser';

/** A login in progress, kept in an encrypted cookie of the browser that started it. */
export interface LoginTransaction extends UpstreamChallenge {
  readonly kind: LoginKind;
  /** The oidc-provider interaction to finish (`interaction` logins). */
  readonly uid?: string | undefined;
  /** The OAuth client the user is signing in for (`interaction` logins). */
  readonly clientId?: string | undefined;
  /** A same-origin path to offer after the browser flow. */
  readonly next?: string | undefined;
}

/**
 * Seals login transactions into cookie values (JWE, `dir` + A256GCM, with an expiry) and opens them.
 * Keeping state, nonce and PKCE verifier in the browser's own cookie binds the IdP's response to the
 * browser that started the login (RFC 6749 §10.12) without server-side storage.
 */
export class LoginTransactionCodec {
  readonly #key: Uint8Array;
  readonly #ttlSeconds: number;

  constructor(secret: Buffer, ttlSeconds = 600) {
    this.#key = new Uint8Array(hkdfSync('sha256', secret, '', 'login-transaction', 32));
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  seal(transaction: LoginTransaction): Promise<string> {
    return new EncryptJWT({ tx: transaction })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .encrypt(this.#key);
  }

  /** The transaction, or undefined when the value is not one of ours or has expired. */
  async open(value: string): Promise<LoginTransaction | undefined> {
    try {
      const { payload } = await jwtDecrypt(value, this.#key);
      const tx = payload.tx as Partial<LoginTransaction> | undefined;
      if (
        tx === undefined ||
        (tx.kind !== 'interaction' && tx.kind !== 'browser') ||
        typeof tx.state !== 'string' ||
        typeof tx.nonce !== 'string' ||
        typeof tx.codeVerifier !== 'string'
      ) {
        return undefined;
      }
      return tx as LoginTransaction;
    } catch {
      return undefined;
    }
  }
}
