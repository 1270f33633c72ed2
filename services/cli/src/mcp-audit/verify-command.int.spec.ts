import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CheckpointRow,
  checkpointFromRow,
  insertCheckpoint,
} from '../../../shared/audit-seal/checkpoint-rows.js';
import { startFakeGoogle } from '../../../shared/audit-seal/fake-google-server.js';
import {
  anchorObjectName,
  checkpointMessage,
  createAuditSealer,
  createDirectoryAnchor,
  createGcsAnchor,
  createKmsSigner,
  eventLeafHash,
  loadOrCreateLocalSigner,
  merkleRoot,
  processLocalSealerLock,
  type SignedCheckpoint,
  signerKeyOf,
  staticAccessToken,
  verifyInclusion,
} from '../../../shared/audit-seal/index.js';
import { readVerifiableRows } from '../../../shared/audit-seal/log-rows.js';
import { openDatabase } from '../../../shared/db/index.js';
import {
  contentHash,
  createEventStore,
  hashedFieldsOf,
  prepareEvent,
  toStoredEvent,
} from '../../../shared/event-store/index.js';
import type { AuditEventRow } from '../../../shared/event-store/stored-event.js';
import { sampleAllowed } from '../../../shared/testing/sample-events.js';
import { runVerify } from './verify-command.js';
import { createSealedLog, type SealedLog } from './verify-fixture.js';

let log: SealedLog | undefined;
afterEach(async () => {
  await log?.close();
  log = undefined;
});

/**
 * A log of 60 events sealed as two checkpoints, 10 more unsealed; the sealer's note of checkpoint 2
 * (`audit.checkpoint.sealed`) is unsealed too, until real events follow it.
 */
async function twoCheckpoints(): Promise<SealedLog> {
  log = await createSealedLog();
  await log.append(40);
  await log.sealAll();
  await log.append(20);
  await log.sealAll();
  await log.append(10);
  return log;
}

async function checkpointRows(sealed: SealedLog): Promise<SignedCheckpoint[]> {
  const rows = await sealed.tamper<CheckpointRow & pg.QueryResultRow>(
    `SELECT sequence::text AS sequence, format_version, after_transaction_id::text AS after_transaction_id,
            after_global_position::text AS after_global_position, last_transaction_id::text AS last_transaction_id,
            last_global_position::text AS last_global_position, tree_size::text AS tree_size, leaf_positions,
            root_hash, cumulative_size::text AS cumulative_size, previous_hash, key_id, algorithm, public_key,
            (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint::text AS created_at_us, signature
     FROM audit_checkpoints ORDER BY audit_checkpoints.sequence`,
  );
  return rows.map(checkpointFromRow);
}

/** Rows of one checkpoint's range, in catch-up order. */
async function rowsOf(sealed: SealedLog, checkpoint: SignedCheckpoint) {
  return readVerifiableRows(sealed.owner, checkpoint.after, 100_000, checkpoint.last);
}

async function rowCount(sealed: SealedLog): Promise<number> {
  const [row] = await sealed.tamper<{ n: string }>('SELECT count(*)::text AS n FROM audit_events');
  return Number(row!.n);
}

describe('mcp-audit verify', () => {
  it('passes on an untouched log: counts events and checkpoints, reports unsealed ones, exit 0', async () => {
    const sealed = await twoCheckpoints();
    const total = await rowCount(sealed);
    const run = await sealed.verify([]);
    expect(run.stdout).toBe(`ok: ${total} events, 2 checkpoints (11 unsealed)\n`);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`key ${(await sealed.signer.key()).keyId}: trusted (anchored checkpoint 1)`);
    expect(run.stderr).toContain('newest anchored checkpoint 2');
  });

  it('groups thousands in the summary', async () => {
    log = await createSealedLog();
    await log.append(1000);
    await log.sealAll();
    const total = await rowCount(log);
    expect(total).toBeGreaterThanOrEqual(1000);
    const run = await log.verify();
    // One checkpoint, or more when another suite's open transaction held part of the rows back.
    const grouped = String(total).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
    expect(run.stdout).toMatch(
      new RegExp(`^ok: ${grouped} events, (1 checkpoint|\\d+ checkpoints) \\(1 unsealed\\)\n$`),
    );
    expect(grouped).toMatch(/^1 0\d\d$/);
  });

  it('fails naming the position when a field of a sealed row is changed', async () => {
    const sealed = await twoCheckpoints();
    const [target] = await sealed.tamper<{ p: string }>(
      "SELECT global_position::text AS p FROM audit_events WHERE event_type = 'tool.call.denied' ORDER BY global_position OFFSET 3 LIMIT 1",
    );
    await sealed.tamper(
      "UPDATE audit_events SET subject = 'mallory@example.com' WHERE global_position = $1",
      [target!.p],
    );
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `FAILED [CONTENT_HASH_MISMATCH]: position ${target!.p}: the content hash does not match the row (a field was changed)\n`,
    );
  });

  it('fails naming the position when an unsealed row is changed', async () => {
    const sealed = await twoCheckpoints();
    const [target] = await sealed.tamper<{ p: string }>(
      'SELECT global_position::text AS p FROM audit_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    );
    await sealed.tamper(`UPDATE audit_events SET data = '{"argumentsHmac":"x"}' WHERE global_position = $1`, [
      target!.p,
    ]);
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`[CONTENT_HASH_MISMATCH]: position ${target!.p} (unsealed)`);
  });

  it('fails when a row is rewritten together with a recomputed content hash, or its recorded_at moves', async () => {
    const sealed = await twoCheckpoints();
    const [first] = await checkpointRows(sealed);
    const rows = await rowsOf(sealed, first!);
    const victim = rows[7]!;
    const edited = { ...toStoredEvent(victim as AuditEventRow), reasonCode: 'ALTERED' };
    await sealed.tamper(
      'UPDATE audit_events SET reason_code = $2, content_hash = $3 WHERE global_position = $1',
      [victim.global_position, 'ALTERED', contentHash(hashedFieldsOf(edited))],
    );
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAILED \[ROOT_MISMATCH\]: checkpoint 1 \(positions \d+ to \d+ in catch-up order\)/,
    );

    await sealed.tamper(
      'UPDATE audit_events SET content_hash = $2, reason_code = $3 WHERE global_position = $1',
      [victim.global_position, victim.content_hash, victim.reason_code],
    );
    expect((await sealed.verify()).code).toBe(0);
    await sealed.tamper(
      "UPDATE audit_events SET recorded_at = recorded_at + interval '1 microsecond' WHERE global_position = $1",
      [victim.global_position],
    );
    expect((await sealed.verify()).stdout).toMatch(/^FAILED \[ROOT_MISMATCH\]: checkpoint 1 /);
  });

  it('fails naming the position when a sealed row is deleted', async () => {
    const sealed = await twoCheckpoints();
    const [, second] = await checkpointRows(sealed);
    const victim = (await rowsOf(sealed, second!))[4]!;
    await sealed.tamper('DELETE FROM audit_events WHERE global_position = $1', [victim.global_position]);
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `FAILED [ROW_MISSING]: position ${victim.global_position}: sealed by checkpoint 2 but missing (deleted)\n`,
    );
  });

  it('fails naming the position when a forged row with a correct content hash is inserted into sealed history', async () => {
    const sealed = await twoCheckpoints();
    const [first] = await checkpointRows(sealed);
    const anchorRow = (await rowsOf(sealed, first!))[2]!;
    const prepared = prepareEvent(
      sampleAllowed({ reasonCode: 'FORGED', actor: { subject: 'mallory@example.com' } }),
      new Date(),
    );
    const forgedPosition = String(BigInt(anchorRow.global_position) + 1_000_000n);
    // Backdated into the first checkpoint's range: the same transaction as a sealed row, a free position.
    await sealed.tamper(
      `INSERT INTO audit_events (global_position, transaction_id, recorded_at, event_id, idempotency_key, event_type,
         schema_version, occurred_at, service, instance_id, subject, client_id, token_id, mcp_method, tool_name,
         jsonrpc_id, decision, reason_code, policy_id, policy_version, policy_hash, scopes_required, scopes_granted,
         trace_id, span_id, source_address, user_agent, data, content_hash)
       SELECT $2::bigint, $3::xid8, $4::timestamptz, "eventId", "idempotencyKey", "type", "schemaVersion", "occurredAt",
         "service", "instanceId", "subject", "clientId", "tokenId", "mcpMethod", "toolName", "jsonRpcId", "decision",
         "reasonCode", "policyId", "policyVersion", "policyHash", "scopesRequired", "scopesGranted", "traceId", "spanId",
         "sourceAddress", "userAgent", "data", "contentHash"
       FROM json_to_recordset($1::json) AS e("eventId" uuid, "idempotencyKey" text, "type" text, "schemaVersion" integer,
         "occurredAt" timestamptz, "service" text, "instanceId" text, "subject" text, "clientId" text, "tokenId" text,
         "mcpMethod" text, "toolName" text, "jsonRpcId" text, "decision" text, "reasonCode" text, "policyId" text,
         "policyVersion" text, "policyHash" text, "scopesRequired" text[], "scopesGranted" text[], "traceId" text,
         "spanId" text, "sourceAddress" text, "userAgent" text, "data" jsonb, "contentHash" text)`,
      [
        `[{"contentHash":"${prepared.contentHash}",${prepared.canonical.slice(1)}]`,
        forgedPosition,
        anchorRow.transaction_id,
        anchorRow.recorded_at,
      ],
    );
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `FAILED [ROW_UNEXPECTED]: position ${forgedPosition}: a row checkpoint 1 never sealed sits inside its range (inserted)\n`,
    );
  });

  it('catches a truncated tail (newest rows and their checkpoint removed) through the anchor', async () => {
    const sealed = await twoCheckpoints();
    const [first, second] = await checkpointRows(sealed);
    await sealed.tamper(
      'DELETE FROM audit_events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)',
      [first!.last.transactionId, first!.last.globalPosition],
    );
    await sealed.tamper('DELETE FROM audit_checkpoints WHERE sequence >= $1', [second!.sequence]);
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `FAILED [ANCHOR_AHEAD]: dir:${sealed.anchorDir} holds checkpoint 2 but the database ends at checkpoint 1: ` +
        `the newest rows and checkpoints were removed (everything after position ${first!.last.globalPosition} in catch-up order)\n`,
    );
  });

  it('fails when history is rewritten and re-sealed with the real key, even once the newest checkpoint matches its anchor', async () => {
    const sealed = await twoCheckpoints();
    const [, second] = await checkpointRows(sealed);
    // An attacker with the database rewrites a row sealed by checkpoint 2 (content hash recomputed),
    // deletes checkpoint 2, and lets a restarted sealer (the real key) seal it again and go on
    // anchoring. Checkpoint 1, the first the key signed, is untouched and matches its anchored copy.
    const victim = (await rowsOf(sealed, second!))[2]!;
    const edited = { ...toStoredEvent(victim as AuditEventRow), subject: 'mallory@example.com' };
    await sealed.tamper(
      'UPDATE audit_events SET subject = $2, content_hash = $3 WHERE global_position = $1',
      [victim.global_position, 'mallory@example.com', contentHash(hashedFieldsOf(edited))],
    );
    await sealed.tamper('DELETE FROM audit_checkpoints WHERE sequence >= 2');
    const restarted = createAuditSealer({
      database: sealed.database,
      lock: processLocalSealerLock(),
      signer: sealed.signer,
      anchor: createDirectoryAnchor(sealed.anchorDir),
      append: sealed.store.append,
      service: 'test',
      instanceId: 'sealer-restarted',
    });
    for (let round = 0; round < 3; round++) {
      await sealed.append(5);
      await sealed.sealAll(restarted);
    }
    const [newest] = (await checkpointRows(sealed)).slice(-1);
    expect(newest!.sequence).toBeGreaterThan(3);
    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAILED \[ANCHOR_MISMATCH\]: checkpoint 2 differs from its anchored copy/);
  });

  it('a running sealer refuses to seal again when checkpoints it anchored vanish from the database', async () => {
    const sealed = await twoCheckpoints();
    await sealed.sealer.sealOnce(); // seals and anchors whatever is still pending
    const anchoredThrough = (await checkpointRows(sealed)).length;
    await sealed.sealer.sealOnce();
    await sealed.tamper('DELETE FROM audit_checkpoints WHERE sequence >= 2');
    await sealed.append(5);
    expect(await sealed.sealer.sealOnce()).toEqual({ status: 'refused', anchoredThrough });
    expect((await checkpointRows(sealed)).map((row) => row.sequence)).toEqual([1]);
  });

  it('fails when a checkpoint is replaced by one re-signed with another key', async () => {
    const sealed = await twoCheckpoints();
    const [, second] = await checkpointRows(sealed);
    // The attacker rewrites a row of checkpoint 2, recomputes its tree and signs with a key of their own.
    const rows = await rowsOf(sealed, second!);
    const victim = rows[3]!;
    const edited = { ...toStoredEvent(victim as AuditEventRow), subject: 'mallory@example.com' };
    const newHash = contentHash(hashedFieldsOf(edited));
    await sealed.tamper(
      'UPDATE audit_events SET subject = $2, content_hash = $3 WHERE global_position = $1',
      [victim.global_position, 'mallory@example.com', newHash],
    );
    const leaves = (await rowsOf(sealed, second!)).map((row) =>
      eventLeafHash({
        globalPosition: row.global_position,
        contentHash: row.content_hash,
        recordedAtMicros: row.recorded_at_us,
      }),
    );
    const attacker = generateKeyPairSync('ed25519');
    const attackerKey = signerKeyOf(attacker.publicKey);
    const forgedBody = { ...second!, rootHash: merkleRoot(leaves).toString('hex'), ...attackerKey };
    const forged: SignedCheckpoint = {
      ...forgedBody,
      signature: sign(null, checkpointMessage(forgedBody), attacker.privateKey).toString('base64'),
    };
    await sealed.tamper('DELETE FROM audit_checkpoints WHERE sequence = $1', [second!.sequence]);
    await insertCheckpoint(sealed.owner, forged);

    const run = await sealed.verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `FAILED [ANCHOR_MISMATCH]: checkpoint 2 differs from its anchored copy in dir:${sealed.anchorDir} (replaced or altered in the database)\n`,
    );
    // With the sealer's key pinned, the forged signature is refused whatever the anchor says.
    const pinned = await sealed.verify([
      '--quiet',
      '--public-key',
      sealed.signer.publicKeyFile,
      '--anchor',
      'none',
    ]);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(
      /^FAILED \[KEY_UNTRUSTED\]: checkpoint 2 is signed by key [0-9a-f]{16}…, which is not among the --public-key keys\n$/,
    );
    // Pinning the attacker's key instead still fails: checkpoint 1 was signed by the real key.
    const attackerPem = join(sealed.dir, 'attacker.pub.pem');
    await writeFile(attackerPem, attacker.publicKey.export({ format: 'pem', type: 'spki' }));
    expect((await sealed.verify(['--quiet', '--public-key', attackerPem])).stdout).toMatch(
      /^FAILED \[KEY_UNTRUSTED\]: checkpoint 1 /,
    );
  });

  it('fails when a checkpoint is dropped from the middle of the chain or its signature is altered', async () => {
    const sealed = await twoCheckpoints();
    const [first] = await checkpointRows(sealed);
    const flipped = Buffer.from(first!.signature, 'base64');
    flipped[5]! ^= 1;
    await sealed.tamper('UPDATE audit_checkpoints SET signature = $1 WHERE sequence = 1', [
      flipped.toString('base64'),
    ]);
    expect((await sealed.verify(['--quiet', '--public-key', sealed.signer.publicKeyFile])).stdout).toMatch(
      /^FAILED \[SIGNATURE_INVALID\]: checkpoint 1: the signature does not verify/,
    );
    await sealed.tamper('UPDATE audit_checkpoints SET signature = $2 WHERE sequence = $1', [
      1,
      first!.signature,
    ]);
    await sealed.tamper('DELETE FROM audit_checkpoints WHERE sequence = 1');
    expect((await sealed.verify()).stdout).toBe(
      'FAILED [CHAIN_BROKEN]: checkpoint 2: checkpoint 1 is missing (the chain jumps from 0 to 2)\n',
    );
  });

  it('prints an inclusion proof for an event that verifies against the signed checkpoint root', async () => {
    const sealed = await twoCheckpoints();
    const [, second] = await checkpointRows(sealed);
    const target = (await rowsOf(sealed, second!))[5]!;
    const run = await sealed.verify(['--proof', target.event_id]);
    expect(run.code).toBe(0);
    const proof = JSON.parse(run.stdout) as {
      leafIndex: number;
      treeSize: number;
      leafInput: string;
      leafHash: string;
      auditPath: string[];
      rootHash: string;
      checkpoint: SignedCheckpoint;
      globalPosition: string;
      verified: { key: string };
    };
    expect(proof).toMatchObject({
      leafIndex: 5,
      treeSize: second!.treeSize,
      rootHash: second!.rootHash,
      globalPosition: target.global_position,
    });
    expect(proof.checkpoint.sequence).toBe(2);
    expect(proof.verified.key).toBe('anchored checkpoint 2');
    const leafHash = createHash('sha256')
      .update(Buffer.from([0]))
      .update(Buffer.from(proof.leafInput, 'hex'))
      .digest();
    expect(leafHash.toString('hex')).toBe(proof.leafHash);
    const path = proof.auditPath.map((hex) => Buffer.from(hex, 'hex'));
    expect(
      verifyInclusion(leafHash, proof.leafIndex, proof.treeSize, path, Buffer.from(proof.rootHash, 'hex')),
    ).toBe(true);

    const byPosition = await sealed.verify(['--proof', target.global_position]);
    expect(JSON.parse(byPosition.stdout)).toEqual(proof);

    const [unsealed] = await sealed.tamper<{ p: string }>(
      'SELECT global_position::text AS p FROM audit_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    );
    const pending = await sealed.verify(['--proof', unsealed!.p]);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/^FAILED \[UNSEALED\]: position \d+ is not sealed yet/);
  });

  it('refuses to prove an event whose fields were changed while its content hash was kept', async () => {
    const sealed = await twoCheckpoints();
    const [, second] = await checkpointRows(sealed);
    const target = (await rowsOf(sealed, second!))[5]!;
    await sealed.tamper(
      "UPDATE audit_events SET subject = 'mallory@example.com' WHERE global_position = $1",
      [target.global_position],
    );
    const run = await sealed.verify(['--proof', target.event_id]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAILED \[EVENT_ALTERED\]: event [0-9a-f-]+: the content hash does not match/,
    );
  });

  it('works connected as a login role that can only SELECT (mcp_reader)', async () => {
    const sealed = await twoCheckpoints();
    const role = `verify_reader_${randomBytes(4).toString('hex')}`;
    await sealed.tamper(`CREATE ROLE ${role} LOGIN IN ROLE mcp_reader`);
    try {
      const url = new URL(sealed.testDb.url);
      url.username = role;
      url.password = '';
      const reader = new pg.Client({ connectionString: url.toString() });
      await reader.connect();
      await expect(
        reader.query('INSERT INTO audit_checkpoints (sequence) VALUES (99)'),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(reader.query('SELECT count(*) FROM audit_checkpoints')).resolves.toBeDefined();
      await reader.end();

      const run = await sealed.verify(['--quiet'], { DATABASE_URL: url.toString() });
      expect(run.stdout).toMatch(/^ok: \d+ events, 2 checkpoints \(11 unsealed\)\n$/);
      expect(run.code).toBe(0);
    } finally {
      await sealed.tamper(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    }
  });

  it('seals with the KMS signer and verifies against the GCS anchor (local fakes of both APIs)', async () => {
    const keyVersion =
      'projects/acme/locations/europe-west1/keyRings/audit/cryptoKeys/checkpoints/cryptoKeyVersions/1';
    const google = await startFakeGoogle({
      keyVersion,
      kmsAlgorithm: 'EC_SIGN_P256_SHA256',
      bucket: 'acme-audit',
    });
    try {
      const accessToken = staticAccessToken('fake-access-token');
      log = await createSealedLog({
        signer: createKmsSigner({ keyVersion, endpoint: google.url, accessToken }),
        anchor: createGcsAnchor({ bucket: 'acme-audit', endpoint: google.url, accessToken }),
      });
      await log.append(30);
      await log.sealAll();
      expect([...google.objects.keys()]).toContain(`checkpoints/${anchorObjectName(1)}`);
      const run = await log.verify(
        [],
        { AUDIT_ANCHOR: 'gcs:acme-audit', GOOGLE_OAUTH_ACCESS_TOKEN: 'fake-access-token' },
        { google: { storageEndpoint: google.url } },
      );
      expect(run.stdout).toMatch(/^ok: \d+ events, 1 checkpoint \(1 unsealed\)\n$/);
      expect(run.stderr).toContain('anchor gs://acme-audit/checkpoints/: newest anchored checkpoint 1');
      expect(run.code).toBe(0);
    } finally {
      await google.close();
    }
  });

  it('verifies the embedded database under DATA_DIR, and says so when a server holds it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mcp-verify-pglite-'));
    try {
      const database = await openDatabase({ dataDir, migrate: true });
      const store = createEventStore({ database });
      const sealer = createAuditSealer({
        database,
        lock: processLocalSealerLock(),
        signer: await loadOrCreateLocalSigner(join(dataDir, 'audit-seal')),
        anchor: createDirectoryAnchor(join(dataDir, 'anchor')),
        append: store.append,
        service: 'test',
        instanceId: 'pglite',
      });
      await Promise.all(
        Array.from({ length: 15 }, (_, i) => store.append(sampleAllowed({ reasonCode: `p${i}` }))),
      );
      expect((await sealer.sealOnce()).status).toBe('sealed');
      const io = (out: string[]) => ({
        env: { DATA_DIR: dataDir },
        stdout: (t: string) => void out.push(t),
        stderr: (t: string) => void out.push(t),
      });
      const held: string[] = [];
      expect(await runVerify(['--quiet'], io(held))).toBe(2);
      expect(held.join('')).toMatch(
        /is in use by process \d+ \(npm start\?\): stop it, or verify through DATABASE_URL/,
      );
      await sealer.stop();
      await store.close();
      await database.close();

      const out: string[] = [];
      expect(await runVerify(['--quiet'], io(out))).toBe(0);
      expect(out.join('')).toBe('ok: 16 events, 1 checkpoint (1 unsealed)\n');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad command line with exit 2 and the usage', async () => {
    const io = { env: {}, stdout: () => {}, stderr: (text: string) => void errors.push(text) };
    const errors: string[] = [];
    expect(await runVerify(['--anchor', 'none'], io)).toBe(2);
    expect(errors.join('')).toContain('--anchor none needs --public-key');
    expect(await runVerify(['--bogus'], io)).toBe(2);
    expect(await runVerify(['--proof', 'nope'], io)).toBe(2);
    expect(await runVerify([], { ...io, env: { DATA_DIR: '/nonexistent/mcp' } })).toBe(2);
    expect(errors.join('')).toContain('no DATABASE_URL and no embedded database under /nonexistent/mcp');
  });
});
