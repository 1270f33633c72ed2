import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  anchorObjectName,
  type CheckpointBody,
  checkpointHash,
  checkpointMessage,
  GENESIS_HASH,
  parseCheckpoint,
  sequenceOfAnchorObject,
  serializeCheckpoint,
} from './checkpoint.js';
import { crc32c } from './crc32c.js';
import { eventLeafHash, leafInput } from './leaf-hash.js';
import { decodeLeafPositions, LeafPositionsEncoder } from './leaf-positions.js';
import { isoFromMicros } from './micros.js';
import { signerKeyOf, verifySignature } from './signature-algorithm.js';

const ed25519 = generateKeyPairSync('ed25519');
const key = signerKeyOf(ed25519.publicKey);
const body: CheckpointBody = {
  version: 1,
  sequence: 1,
  after: { transactionId: '0', globalPosition: '0' },
  last: { transactionId: '742', globalPosition: '3' },
  treeSize: 3,
  leafPositions: '1+3',
  rootHash: 'ab'.repeat(32),
  cumulativeSize: 3,
  previousHash: GENESIS_HASH,
  keyId: key.keyId,
  algorithm: key.algorithm,
  publicKey: key.publicKey,
  createdAt: '2026-01-02T03:04:05.678Z',
};

describe('leaf encoding', () => {
  const fields = { globalPosition: '42', contentHash: 'cd'.repeat(32), recordedAtMicros: '1767323045678901' };

  it('is 66 fixed-width bytes: tag, position, content hash, recorded_at in microseconds', () => {
    const input = leafInput(fields);
    expect(input).toHaveLength(66);
    expect(input.subarray(0, 18).toString('ascii')).toBe('mcp-audit-event-v1');
    expect(input.readBigUInt64BE(18)).toBe(42n);
    expect(input.subarray(26, 58).toString('hex')).toBe(fields.contentHash);
    expect(input.readBigInt64BE(58)).toBe(1767323045678901n);
  });

  it('changes with each bound field, down to one microsecond', () => {
    const leaf = eventLeafHash(fields).toString('hex');
    expect(eventLeafHash({ ...fields, globalPosition: '43' }).toString('hex')).not.toBe(leaf);
    expect(eventLeafHash({ ...fields, contentHash: 'ce'.repeat(32) }).toString('hex')).not.toBe(leaf);
    expect(eventLeafHash({ ...fields, recordedAtMicros: '1767323045678902' }).toString('hex')).not.toBe(leaf);
  });

  it('refuses malformed input', () => {
    expect(() => leafInput({ ...fields, contentHash: 'CD'.repeat(32) })).toThrow(TypeError);
    expect(() => leafInput({ ...fields, globalPosition: '-1' })).toThrow(TypeError);
  });
});

describe('leaf positions', () => {
  it('encodes positions in leaf order as runs and decodes them back', () => {
    const encoder = new LeafPositionsEncoder();
    for (const position of ['5', '6', '3', '4', '9', '10', '11', '20']) encoder.push(position);
    const encoded = encoder.toString();
    expect(encoded).toBe('5+2,3+2,9+3,20+1');
    expect([...decodeLeafPositions(encoded, 8)]).toEqual(['5', '6', '3', '4', '9', '10', '11', '20']);
  });

  it('refuses a malformed or oversized list', () => {
    expect(() => [...decodeLeafPositions('1+3,', 10)]).toThrow(TypeError);
    expect(() => [...decodeLeafPositions('1+0', 10)]).toThrow(TypeError);
    expect(() => [...decodeLeafPositions('1+1000000000', 10)]).toThrow(/more than 10/);
  });
});

describe('checkpoint encoding', () => {
  it('signs a 32-byte digest of the canonical body, independent of key order', () => {
    const message = checkpointMessage(body);
    expect(message).toHaveLength(32);
    const reordered = Object.fromEntries(Object.entries(body).reverse()) as unknown as CheckpointBody;
    expect(checkpointMessage(reordered)).toEqual(message);
    expect(checkpointMessage({ ...body, treeSize: 4 })).not.toEqual(message);
  });

  it('verifies an Ed25519 and a P-256 signature and rejects another key or message', () => {
    const message = checkpointMessage(body);
    const signature = sign(null, message, ed25519.privateKey);
    expect(verifySignature(key, message, signature)).toBe(true);
    expect(verifySignature(key, checkpointMessage({ ...body, sequence: 2 }), signature)).toBe(false);
    const other = signerKeyOf(generateKeyPairSync('ed25519').publicKey);
    expect(verifySignature(other, message, signature)).toBe(false);
    expect(verifySignature({ ...key, keyId: other.keyId }, message, signature)).toBe(false);

    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecKey = signerKeyOf(p256.publicKey);
    expect(ecKey.algorithm).toBe('ecdsa-p256-sha256');
    expect(verifySignature(ecKey, message, sign('sha256', message, p256.privateKey))).toBe(true);
    expect(verifySignature(ecKey, message, signature)).toBe(false);
  });

  it('serialises to one canonical line that parses back, and chains by its hash', () => {
    const signed = { ...body, signature: 'c2ln' };
    const text = serializeCheckpoint(signed);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    expect(parseCheckpoint(text)).toEqual(signed);
    expect(checkpointHash(signed)).toMatch(/^[0-9a-f]{64}$/);
    expect(checkpointHash({ ...signed, signature: 'c2lo' })).not.toBe(checkpointHash(signed));
    expect(() => parseCheckpoint('{"version":2}')).toThrow(/format version/);
  });

  it('names anchor objects so that they sort in sequence order', () => {
    expect(anchorObjectName(97)).toBe('checkpoint-000000000097.json');
    expect(sequenceOfAnchorObject('checkpoint-000000000097.json')).toBe(97);
    expect(sequenceOfAnchorObject('notes.txt')).toBeUndefined();
    expect(anchorObjectName(9) < anchorObjectName(10)).toBe(true);
  });
});

describe('helpers', () => {
  it('computes CRC32C (RFC 3720 check value)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('writes microsecond timestamps like toISOString, keeping sub-millisecond digits visible', () => {
    expect(isoFromMicros('1767323045678000')).toBe('2026-01-02T03:04:05.678Z');
    expect(isoFromMicros('1767323045678901')).toBe('2026-01-02T03:04:05.678901Z');
  });
});
