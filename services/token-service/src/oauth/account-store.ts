import type { Identity } from '../../../shared/policy/index.js';

/** What the token service remembers about a signed-in user between authorizations. */
export interface KnownAccount {
  readonly subject: string;
  readonly identity: Identity;
  readonly email: string | undefined;
  readonly signedInAt: Date;
}

/**
 * The identities of users who signed in through the upstream IdP, by subject: oidc-provider looks
 * accounts up when it issues or refreshes tokens, and a later authorization in the same browser
 * session re-evaluates policy against the remembered identity. In memory, like the adapter (see
 * `MemoryAdapterStore`): after a restart users sign in again.
 */
export class AccountStore {
  readonly #accounts = new Map<string, KnownAccount>();

  remember(account: KnownAccount): void {
    this.#accounts.set(account.subject, account);
  }

  get(subject: string): KnownAccount | undefined {
    return this.#accounts.get(subject);
  }
}
