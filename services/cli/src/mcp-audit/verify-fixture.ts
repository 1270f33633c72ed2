import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, vi } from 'vitest';
import {
  type AuditSealer,
  type CheckpointAnchor,
  type CheckpointSigner,
  createAuditSealer,
  createDirectoryAnchor,
  type LocalSigner,
  loadOrCreateLocalSigner,
  processLocalSealerLock,
} from '../../../shared/audit-seal/index.js';
import type { DatabaseHandle } from '../../../shared/db/index.js';
import { createEventStore, type EventStore } from '../../../shared/event-store/index.js';
import { sampleAllowed, sampleDenied } from '../../../shared/testing/sample-events.js';
import { createTestDatabase, type TestDatabase } from '../../../shared/testing/test-database.js';
import { runVerify, type VerifyIo } from './verify-command.js';

/** A sealed test log in its own database, an anchor directory and a way to tamper as superuser. */
export interface SealedLog {
  readonly testDb: TestDatabase;
  readonly database: DatabaseHandle;
  readonly store: EventStore;
  readonly dir: string;
  readonly anchorDir: string;
  readonly signer: LocalSigner;
  readonly sealer: AuditSealer;
  /** Appends `count` events as several group-commit batches (several transactions). */
  append(count: number): Promise<void>;
  /**
   * Seals until every row but the sealer's own trailing events is in a checkpoint, with this log's
   * sealer or `using` (another one: a restarted leader, say).
   */
  sealAll(using?: AuditSealer): Promise<void>;
  /** Runs SQL as the owner with triggers off (`session_replication_role = replica`), as an attacker with superuser would. */
  tamper<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The same tampering connection, shaped like a database handle (for the module's SQL helpers). */
  readonly owner: Pick<DatabaseHandle, 'execute'>;
  /** `mcp-audit verify` against this log. */
  verify(args?: string[], env?: Record<string, string>, io?: Partial<VerifyIo>): Promise<VerifyRun>;
  close(): Promise<void>;
}

export interface VerifyRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function createSealedLog(
  options: { signer?: CheckpointSigner; anchor?: CheckpointAnchor } = {},
): Promise<SealedLog> {
  const testDb = await createTestDatabase();
  const database = await testDb.open();
  const store = createEventStore({ database });
  const dir = await mkdtemp(join(tmpdir(), 'mcp-verify-'));
  const anchorDir = join(dir, 'anchor');
  const signer = await loadOrCreateLocalSigner(join(dir, 'audit-seal'));
  const sealer = createAuditSealer({
    database,
    lock: processLocalSealerLock(),
    signer: options.signer ?? signer,
    anchor: options.anchor ?? createDirectoryAnchor(anchorDir),
    append: store.append,
    service: 'test',
    instanceId: 'sealer-test',
  });
  const owner = new pg.Client({ connectionString: testDb.url });
  owner.on('error', () => {});
  await owner.connect();
  await owner.query('SET session_replication_role = replica');
  let counter = 0;

  return {
    testDb,
    database,
    store,
    dir,
    anchorDir,
    signer,
    sealer,
    async append(count) {
      const batches: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const n = counter++;
        const event =
          n % 3 === 0
            ? sampleDenied({ actor: { subject: `user${n}@example.com` }, request: { jsonRpcId: String(n) } })
            : sampleAllowed({
                reasonCode: `OK-${n}`,
                request: { toolName: 'get_public_info', jsonRpcId: String(n) },
              });
        batches.push(store.append(event));
        if (batches.length === 25) await Promise.all(batches.splice(0));
      }
      await Promise.all(batches);
    },
    async sealAll(using = sealer) {
      // The snapshot xmin is cluster-wide: another suite's open transaction can hold rows back. Wait
      // until every row is below it, so that one round seals them all in one checkpoint.
      await vi.waitFor(
        async () => {
          const [row] = await database.execute<{ visible: boolean | null }>(
            `SELECT (SELECT transaction_id FROM audit_events ORDER BY transaction_id DESC LIMIT 1)
                    < pg_snapshot_xmin(pg_current_snapshot()) AS visible`,
          );
          expect(row?.visible).not.toBe(false);
        },
        { timeout: 20_000, interval: 50 },
      );
      await using.sealOnce();
      const [row] = await database.execute<{ pending: string }>(
        `SELECT count(*)::text AS pending FROM audit_events
         WHERE event_type <> 'audit.checkpoint.sealed'
           AND (transaction_id, global_position) > (
             SELECT t, p FROM (
               SELECT last_transaction_id AS t, last_global_position AS p, sequence AS s FROM audit_checkpoints
               UNION ALL SELECT '0'::xid8, 0::bigint, 0::bigint
             ) c ORDER BY s DESC LIMIT 1)`,
      );
      expect(row?.pending).toBe('0');
    },
    async tamper<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      return (await owner.query<R>(sql, params)).rows;
    },
    owner: {
      execute: async <R>(sql: string, params: readonly unknown[] = []) =>
        (await owner.query(sql, [...params])).rows as R[],
    },
    async verify(args = ['--quiet'], env = {}, io = {}) {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runVerify(args, {
        env: { DATABASE_URL: testDb.url, DATA_DIR: dir, AUDIT_ANCHOR_DIR: anchorDir, ...env },
        stdout: (text) => stdout.push(text),
        stderr: (text) => stderr.push(text),
        ...io,
      });
      return { code, stdout: stdout.join(''), stderr: stderr.join('') };
    },
    async close() {
      await sealer.stop();
      await store.close();
      await owner.end().catch(() => {});
      await testDb.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
