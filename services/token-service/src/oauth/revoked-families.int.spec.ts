import type { Provider } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../shared/db/index.js';
import { AppError } from '../../../shared/errors/index.js';
import { createEventStore, type EventStore } from '../../../shared/event-store/index.js';
import { createTestDatabase, type TestDatabase } from '../../../shared/testing/test-database.js';
import { installOAuthAudit } from './oauth-audit.js';
import { PostgresAdapterStore } from './postgres-adapter.js';

let database: TestDatabase;
let handle: DatabaseHandle;
let store: PostgresAdapterStore;
let events: EventStore;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await database.open('mcp_app');
  store = new PostgresAdapterStore(handle, { sweepIntervalMs: 3_600_000 });
  events = createEventStore({ database: handle });
});

afterAll(async () => {
  store?.close();
  await events?.close();
  await database?.drop();
});

/** The audit middleware's reconciliation alone: no request goes through this stand-in provider. */
const idleProvider = { on() {}, use() {} } as unknown as Provider;

function audit(append: EventStore['append']) {
  return installOAuthAudit(idleProvider, {
    append,
    rejections: { record: () => undefined },
    instanceId: 'ts-test',
    policy: () => ({ id: 'tools', version: '2', hash: 'a'.repeat(64) }),
    families: store,
    issuerUrl: 'http://127.0.0.1:8081',
    publicJwks: () => ({ keys: [] }),
    reconcileIntervalMs: 3_600_000,
  });
}

async function member(grantId: string, tokenId: string, subject = 'alice@example.com') {
  await store.addFamilyMember({
    grantId,
    subject,
    clientId: 'c1',
    tokenId,
    expiresAtMs: Date.now() + 600_000,
  });
}

describe('token families of revoked grants', () => {
  it('are revoked by the reconciliation when their revocation was never committed, exactly once', async () => {
    // A live grant, a grant that ended normally (expired), and one revoked (its row gone) whose
    // token.revoked events never made it to the log.
    await store.factory('Grant').upsert('g-live', { accountId: 'alice@example.com' }, 600);
    await member('g-live', 'at-live');
    await store.factory('Grant').upsert('g-expired', { accountId: 'alice@example.com' }, -1);
    await member('g-expired', 'at-of-expired');
    await member('g-revoked', 'at-1', 'mallory@example.com');
    await member('g-revoked', 'at-2', 'mallory@example.com');
    await store.sweep();
    expect((await store.orphanedFamilies()).map((family) => family.grantId)).toEqual(['g-revoked']);

    // The log is down: nothing is forgotten.
    const failing = audit(() => Promise.reject(new AppError('ERR_AUDIT_UNAVAILABLE', 'down')));
    // The first round only notes it (a revocation may still be committing it), the second acts.
    expect(await failing.reconcile()).toBe(0);
    await expect(failing.reconcile()).rejects.toThrow(/down/);
    failing.stop();
    expect(await store.familyOf('g-revoked')).toMatchObject({ subject: 'mallory@example.com' });

    const working = audit(events.append);
    expect(await working.reconcile()).toBe(0);
    expect(await working.reconcile()).toBe(1);
    expect(await working.reconcile()).toBe(0);
    working.stop();
    const revoked = await events.query({ type: 'token.revoked' });
    expect(revoked.map((event) => [event.tokenId, event.data.reason]).sort()).toEqual([
      ['at-1', 'grant_revoked'],
      ['at-2', 'grant_revoked'],
    ]);
    expect(await store.familyOf('g-revoked')).toBeUndefined();
    expect(await store.familyOf('g-live')).toBeDefined();
  });

  it('record a revocation once when a commit went through but its answer was lost and it is retried', async () => {
    await member('g-twice', 'at-twice');
    const lostAnswer = audit(async (batch) => {
      await events.append(batch);
      throw new AppError('ERR_AUDIT_UNAVAILABLE', 'connection lost after the commit');
    });
    await lostAnswer.reconcile();
    await expect(lostAnswer.reconcile()).rejects.toThrow(/connection lost/);
    lostAnswer.stop();
    // Still here, so retried; the retry's events carry the same idempotency keys.
    const retry = audit(events.append);
    await retry.reconcile();
    expect(await retry.reconcile()).toBe(1);
    retry.stop();
    expect(await events.query({ type: 'token.revoked', tokenId: 'at-twice' })).toHaveLength(1);
  });

  it('keep a token added to the family after it was read (a refresh in flight), for the next round', async () => {
    await member('g-race', 'at-before');
    const read = await store.familyOf('g-race');
    await member('g-race', 'at-during');
    await store.dropFamily(read!);
    expect((await store.familyOf('g-race'))?.memberIds).toEqual(['at-during']);
    const settle = audit(events.append);
    await settle.reconcile();
    expect(await settle.reconcile()).toBe(1);
    settle.stop();
    expect(await events.query({ type: 'token.revoked', tokenId: 'at-during' })).toHaveLength(1);
  });
});
