import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models whose records belong to a grant (revoked together by `revokeByGrantId`). */
const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

interface Entry {
  readonly payload: AdapterPayload;
  /** Epoch milliseconds; `Infinity` for records without expiry (registered clients). */
  readonly expiresAt: number;
}

/**
 * The storage oidc-provider keeps its clients, grants, sessions, interactions, codes and refresh
 * tokens in, held in this process's memory.
 *
 * This is the storage for a single token service replica only: a restart forgets every registered
 * client, session and refresh token (clients then register and sign in again), and several replicas
 * would need sticky sessions or a shared (Postgres) adapter. The audit source of truth is the event
 * log, not this store. Unlike oidc-provider's bundled LRU adapter it never evicts live records under
 * load, so a busy instance cannot silently drop a refresh token family; expired records are swept.
 */
export class MemoryAdapterStore {
  readonly #records = new Map<string, Entry>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #uids = new Map<string, string>();
  readonly #userCodes = new Map<string, string>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { now?: () => number; sweepIntervalMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  /** The `adapter` option of oidc-provider: one adapter per model name, sharing this store. */
  readonly factory = (model: string): Adapter => new ModelAdapter(this, model);

  get(key: string): AdapterPayload | undefined {
    const entry = this.#records.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, key: string, payload: AdapterPayload, expiresInSeconds: number | undefined): void {
    this.delete(key);
    const expiresAt =
      expiresInSeconds === undefined ? Number.POSITIVE_INFINITY : this.#now() + expiresInSeconds * 1000;
    this.#records.set(key, { payload, expiresAt });
    if (grantable.has(model) && typeof payload.grantId === 'string') {
      const members = this.#grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.#grants.set(payload.grantId, members);
    }
    if (model === 'Session' && typeof payload.uid === 'string') this.#uids.set(payload.uid, key);
    if (typeof payload.userCode === 'string') this.#userCodes.set(payload.userCode, key);
  }

  delete(key: string): void {
    const entry = this.#records.get(key);
    if (entry === undefined) return;
    this.#records.delete(key);
    const { grantId, uid, userCode } = entry.payload;
    if (typeof grantId === 'string') {
      const members = this.#grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.#grants.delete(grantId);
    }
    if (typeof uid === 'string' && this.#uids.get(uid) === key) this.#uids.delete(uid);
    if (typeof userCode === 'string' && this.#userCodes.get(userCode) === key)
      this.#userCodes.delete(userCode);
  }

  keyByUid(uid: string): string | undefined {
    return this.#uids.get(uid);
  }

  keyByUserCode(userCode: string): string | undefined {
    return this.#userCodes.get(userCode);
  }

  revokeGrant(grantId: string): void {
    for (const key of [...(this.#grants.get(grantId) ?? [])]) this.delete(key);
    this.#grants.delete(grantId);
  }

  /**
   * Revokes every grant of `accountId` (the grant record and its codes, access and refresh tokens)
   * and deletes its sessions. Grants are found by their own record and by the refresh tokens and
   * codes that name the account, so a grant whose record has already expired is not missed.
   */
  revokeAccount(accountId: string): { grantIds: string[]; sessions: number } {
    const grantIds = new Set<string>();
    const sessions: string[] = [];
    for (const [key, { payload }] of this.#records) {
      if (payload.accountId !== accountId) continue;
      const model = key.slice(0, key.indexOf(':'));
      if (model === 'Grant') grantIds.add(key.slice(model.length + 1));
      else if (model === 'Session') sessions.push(key);
      else if (grantable.has(model) && typeof payload.grantId === 'string') grantIds.add(payload.grantId);
    }
    for (const grantId of grantIds) {
      this.revokeGrant(grantId);
      this.delete(`Grant:${grantId}`);
    }
    for (const key of sessions) this.delete(key);
    return { grantIds: [...grantIds], sessions: sessions.length };
  }

  /** Removes expired records (also done lazily on read). */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#records) if (entry.expiresAt <= now) this.delete(key);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}

class ModelAdapter implements Adapter {
  readonly #store: MemoryAdapterStore;
  readonly #model: string;

  constructor(store: MemoryAdapterStore, model: string) {
    this.#store = store;
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.#store.set(this.#model, this.#key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyByUid(uid);
    return key === undefined ? undefined : this.#store.get(key);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyByUserCode(userCode);
    return key === undefined ? undefined : this.#store.get(key);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#store.revokeGrant(grantId);
  }
}
