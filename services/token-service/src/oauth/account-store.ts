import type { Adapter } from 'oidc-provider';
import type { Identity } from '../../../shared/policy/index.js';

/** What the token service remembers about a signed-in user between authorizations. */
export interface KnownAccount {
  readonly subject: string;
  readonly identity: Identity;
  readonly email: string | undefined;
  readonly signedInAt: Date;
}

/**
 * The identities of users who signed in through the upstream IdP, by subject, kept in the shared
 * OAuth state (so any replica can refresh a token): oidc-provider looks accounts up when it issues
 * or refreshes tokens, and a later authorization in the same browser session re-evaluates policy
 * against the remembered identity. Kept as long as a refresh token can live.
 */
export class AccountStore {
  readonly #adapter: Adapter;
  readonly #ttlSeconds: number;

  constructor(adapter: Adapter, ttlSeconds: number) {
    this.#adapter = adapter;
    this.#ttlSeconds = ttlSeconds;
  }

  async remember(account: KnownAccount): Promise<void> {
    await this.#adapter.upsert(
      account.subject,
      {
        subject: account.subject,
        identity: account.identity,
        email: account.email,
        signedInAt: account.signedInAt.toISOString(),
      } as never,
      this.#ttlSeconds,
    );
  }

  async get(subject: string): Promise<KnownAccount | undefined> {
    const stored = (await this.#adapter.find(subject)) as
      | { subject: string; identity: Identity; email?: string; signedInAt: string }
      | undefined;
    if (!stored) return undefined;
    return {
      subject: stored.subject,
      identity: stored.identity,
      email: stored.email,
      signedInAt: new Date(stored.signedInAt),
    };
  }
}
