import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../shared/db/index.js';
import { createTestDatabase, type TestDatabase } from '../../../shared/testing/test-database.js';
import { PostgresAdapterStore } from './postgres-adapter.js';

let database: TestDatabase;
let handle: DatabaseHandle;
let store: PostgresAdapterStore;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await database.open('mcp_app');
  store = new PostgresAdapterStore(handle);
});

afterAll(async () => {
  store?.close();
  await database?.drop();
});

describe('oidc-provider storage in Postgres', () => {
  it('stores and finds a record per model, as the application role', async () => {
    const clients = store.factory('Client');
    await clients.upsert('c1', { client_id: 'c1', redirect_uris: ['http://127.0.0.1/cb'] });
    expect(await clients.find('c1')).toMatchObject({ client_id: 'c1' });
    expect(await store.factory('Session').find('c1')).toBeUndefined();
  });

  it('hides a record once it has expired, and the sweep deletes it', async () => {
    const codes = store.factory('AuthorizationCode');
    await codes.upsert('expired', { grantId: 'g0' }, -1);
    await codes.upsert('fresh', { grantId: 'g0' }, 600);
    expect(await codes.find('expired')).toBeUndefined();
    expect(await codes.find('fresh')).toMatchObject({ grantId: 'g0' });
    expect(await store.sweep()).toBeGreaterThanOrEqual(1);
  });

  it('finds sessions by uid', async () => {
    const sessions = store.factory('Session');
    await sessions.upsert('s1', { uid: 'u-1', accountId: 'alice' }, 600);
    expect(await sessions.findByUid('u-1')).toMatchObject({ accountId: 'alice' });
  });

  it('marks a record consumed so a second redemption is detected', async () => {
    const codes = store.factory('AuthorizationCode');
    await codes.upsert('code-1', { grantId: 'g1' }, 600);
    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toEqual(expect.any(Number));
  });

  it('revokes every record of a grant, on every model, and nothing else', async () => {
    await store.factory('RefreshToken').upsert('rt', { grantId: 'g2' }, 600);
    await store.factory('AccessToken').upsert('at', { grantId: 'g2' }, 600);
    await store.factory('RefreshToken').upsert('other', { grantId: 'g3' }, 600);
    await store.factory('RefreshToken').revokeByGrantId('g2');
    expect(await store.factory('RefreshToken').find('rt')).toBeUndefined();
    expect(await store.factory('AccessToken').find('at')).toBeUndefined();
    expect(await store.factory('RefreshToken').find('other')).toBeDefined();
  });

  it('destroys one record', async () => {
    const interactions = store.factory('Interaction');
    await interactions.upsert('i1', { kind: 'Interaction' }, 600);
    await interactions.destroy('i1');
    expect(await interactions.find('i1')).toBeUndefined();
  });
});
