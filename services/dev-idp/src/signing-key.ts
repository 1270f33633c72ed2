import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';

/**
 * A fresh RS256 signing key as a private JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use`.
 * RS256 because it is what Google signs ID tokens with, so the token service is exercised with the
 * same algorithm locally as in production. The key lives only in memory: every start has a new one.
 */
export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}
