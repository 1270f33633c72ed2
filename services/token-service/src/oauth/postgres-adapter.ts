import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { DatabaseHandle } from '../../../shared/db/index.js';

/** Models whose records belong to a grant (revoked together by `revokeByGrantId`). */
const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

type Execute = DatabaseHandle['execute'];

/** The access tokens issued under one grant, revoked together when the grant is. */
export interface TokenFamily {
  readonly grantId: string;
  readonly subject: string;
  readonly clientId: string;
  /** Token id → expiry (epoch ms), for tokens not yet expired. */
  readonly tokens: ReadonlyMap<string, number>;
  /** Every member row read, expired ones included: what {@link PostgresAdapterStore.dropFamily} deletes. */
  readonly memberIds: readonly string[];
}

const familyModel = 'TokenFamilyMember';

/**
 * oidc-provider's storage in the `oauth_state` table, shared by every token service replica, so a
 * login started on one replica finishes on another and refresh tokens survive restarts. Expired rows
 * are invisible at once and deleted by a periodic sweep (any replica; idempotent).
 */
export class PostgresAdapterStore {
  readonly #execute: Execute;
  readonly #sweeper: NodeJS.Timeout;

  constructor(database: Pick<DatabaseHandle, 'execute'>, options: { sweepIntervalMs?: number } = {}) {
    this.#execute = database.execute.bind(database);
    this.#sweeper = setInterval(() => void this.sweep().catch(() => {}), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  /** The `adapter` option of oidc-provider: one adapter per model name. */
  readonly factory = (model: string): Adapter => new PostgresModelAdapter(this.#execute, model);

  /**
   * Deletes expired rows; returns how many. A grant that expired ended normally: the family of its
   * still-valid access tokens goes with it, so that {@link orphanedFamilies} sees only the families
   * of grants that were revoked.
   */
  async sweep(): Promise<number> {
    const rows = await this.#execute<{ n: string }>(
      `WITH gone AS (
         DELETE FROM oauth_state
          WHERE expires_at <= now()
             OR (model = $1 AND grant_id IN (
                   SELECT id FROM oauth_state WHERE model = 'Grant' AND expires_at <= now()))
         RETURNING 1)
       SELECT count(*)::text AS n FROM gone`,
      [familyModel],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Ends everything a subject holds here: its grants (with their refresh tokens and codes) and its
   * sessions, so nothing can be refreshed and the next authorization goes back to the IdP.
   */
  async revokeAccount(accountId: string): Promise<{ grantIds: string[]; sessions: number }> {
    const grants = await this.#execute<{ grant_id: string }>(
      `SELECT id AS grant_id FROM oauth_state WHERE model = 'Grant' AND payload->>'accountId' = $1
       UNION
       SELECT DISTINCT grant_id FROM oauth_state
        WHERE grant_id IS NOT NULL AND model <> $2 AND payload->>'accountId' = $1`,
      [accountId, familyModel],
    );
    const grantIds = grants.map((row) => row.grant_id);
    const deleted = await this.#execute<{ model: string }>(
      `DELETE FROM oauth_state
        WHERE (model <> $3 AND grant_id = ANY($1::text[]))
           OR (model = 'Grant' AND id = ANY($1::text[]))
           OR (model = 'Session' AND payload->>'accountId' = $2)
       RETURNING model`,
      [grantIds, accountId, familyModel],
    );
    return { grantIds, sessions: deleted.filter((row) => row.model === 'Session').length };
  }

  /** Remembers that an access token belongs to a grant's family, until the token expires. */
  async addFamilyMember(member: {
    grantId: string;
    subject: string;
    clientId: string;
    tokenId: string;
    expiresAtMs: number;
  }): Promise<void> {
    await this.#execute(
      `INSERT INTO oauth_state (model, id, payload, grant_id, expires_at)
       VALUES ($1, $2, $3::jsonb, $4, to_timestamp($5::double precision / 1000))
       ON CONFLICT (model, id) DO NOTHING`,
      [
        familyModel,
        member.tokenId,
        JSON.stringify({ subject: member.subject, clientId: member.clientId }),
        member.grantId,
        member.expiresAtMs,
      ],
    );
  }

  /**
   * A grant's family (its unexpired tokens), or undefined if none is known. Read only: the family is
   * dropped with {@link dropFamily} once the revocation of its tokens is committed, so a failed
   * commit leaves it for {@link orphanedFamilies} to find again.
   */
  async familyOf(grantId: string): Promise<TokenFamily | undefined> {
    return (await this.#families('grant_id = $2', [grantId]))[0];
  }

  /**
   * Forgets the members of a family that were read (their revocation is committed). A token added to
   * the grant's family since (a refresh in flight while the grant was revoked) stays, for
   * {@link orphanedFamilies} to find.
   */
  async dropFamily(family: Pick<TokenFamily, 'grantId' | 'memberIds'>): Promise<void> {
    await this.#execute(
      'DELETE FROM oauth_state WHERE model = $1 AND grant_id = $2 AND id = ANY($3::text[])',
      [familyModel, family.grantId, family.memberIds],
    );
  }

  /**
   * Families whose grant is gone (revoked) but which are still here: their revocation was never
   * committed (the audit log was down, or the process died in between). At most `limit` grants.
   */
  async orphanedFamilies(limit = 100): Promise<TokenFamily[]> {
    return this.#families(
      `grant_id IN (SELECT DISTINCT f.grant_id FROM oauth_state f
                     WHERE f.model = $1
                       AND NOT EXISTS (SELECT 1 FROM oauth_state g WHERE g.model = 'Grant' AND g.id = f.grant_id)
                     LIMIT $2)`,
      [limit],
    );
  }

  async #families(where: string, parameters: unknown[]): Promise<TokenFamily[]> {
    const rows = await this.#execute<{
      id: string;
      grant_id: string;
      payload: { subject: string; clientId: string } | string;
      expires_ms: string;
    }>(
      `SELECT id, grant_id, payload, (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires_ms
         FROM oauth_state WHERE model = $1 AND ${where} ORDER BY grant_id, id`,
      [familyModel, ...parameters],
    );
    const families = new Map<string, TokenFamily & { tokens: Map<string, number>; memberIds: string[] }>();
    const now = Date.now();
    for (const row of rows) {
      let family = families.get(row.grant_id);
      if (!family) {
        const owner = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
        family = {
          grantId: row.grant_id,
          subject: owner.subject,
          clientId: owner.clientId,
          tokens: new Map(),
          memberIds: [],
        };
        families.set(row.grant_id, family);
      }
      family.memberIds.push(row.id);
      const expiry = Number(row.expires_ms);
      if (expiry > now) family.tokens.set(row.id, expiry);
    }
    return [...families.values()];
  }

  /** Drops one token from its family (it was revoked on its own). */
  async forgetFamilyMember(tokenId: string): Promise<void> {
    await this.#execute('DELETE FROM oauth_state WHERE model = $1 AND id = $2', [familyModel, tokenId]);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}

const live = '(expires_at IS NULL OR expires_at > now())';

class PostgresModelAdapter implements Adapter {
  readonly #execute: Execute;
  readonly #model: string;

  constructor(execute: Execute, model: string) {
    this.#execute = execute;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#execute(
      `INSERT INTO oauth_state (model, id, payload, grant_id, uid, user_code, expires_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
       ON CONFLICT (model, id) DO UPDATE
         SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
             user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
      [
        this.#model,
        id,
        JSON.stringify(payload),
        grantable.has(this.#model) && typeof payload.grantId === 'string' ? payload.grantId : null,
        typeof payload.uid === 'string' ? payload.uid : null,
        typeof payload.userCode === 'string' ? payload.userCode : null,
        expiresIn ?? null,
      ],
    );
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#one(`SELECT payload FROM oauth_state WHERE model = $1 AND id = $2 AND ${live}`, [
      this.#model,
      id,
    ]);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#one(`SELECT payload FROM oauth_state WHERE model = $1 AND uid = $2 AND ${live}`, [
      this.#model,
      uid,
    ]);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#one(`SELECT payload FROM oauth_state WHERE model = $1 AND user_code = $2 AND ${live}`, [
      this.#model,
      userCode,
    ]);
  }

  async consume(id: string): Promise<void> {
    // `consumed` is how oidc-provider detects a second redemption of a code or refresh token.
    await this.#execute(
      `UPDATE oauth_state SET payload = jsonb_set(payload, '{consumed}', to_jsonb(extract(epoch FROM now())::bigint))
        WHERE model = $1 AND id = $2`,
      [this.#model, id],
    );
  }

  async destroy(id: string): Promise<void> {
    await this.#execute('DELETE FROM oauth_state WHERE model = $1 AND id = $2', [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Token family members outlive the grant: the audit hook reads them to record each revocation.
    await this.#execute('DELETE FROM oauth_state WHERE grant_id = $1 AND model <> $2', [
      grantId,
      familyModel,
    ]);
  }

  async #one(sql: string, params: readonly unknown[]): Promise<AdapterPayload | undefined> {
    const rows = await this.#execute<{ payload: AdapterPayload | string }>(sql, params);
    const payload = rows[0]?.payload;
    if (payload === undefined) return undefined;
    return typeof payload === 'string' ? (JSON.parse(payload) as AdapterPayload) : payload;
  }
}
