/**
 * Produces the token service's signing key set for Secret Manager, with the same code the service
 * uses to read it (services/shared/auth/signing-keys.ts).
 *
 *   node --import tsx deploy/signing-keys.ts create <dir>   new key set in <dir>/signing-keys.json
 *   node --import tsx deploy/signing-keys.ts rotate <dir>   add a new current key to an existing set;
 *                                                           the old key stays published until tokens
 *                                                           it signed have expired
 *
 * <dir> must be private (it holds private keys): use `mktemp -d` and delete it after uploading
 * (deploy/README.md, steps 4 and "Rotate the signing key").
 */
import { join } from 'node:path';
import { loadOrCreateSigningKeys, rotateSigningKey } from '../services/shared/auth/index.js';

const [command, dir] = process.argv.slice(2);
if ((command !== 'create' && command !== 'rotate') || !dir) {
  console.error('usage: node --import tsx deploy/signing-keys.ts create|rotate <dir>');
  process.exit(2);
}
const keys = command === 'create' ? await loadOrCreateSigningKeys(dir) : await rotateSigningKey(dir);
console.log(`${join(dir, 'signing-keys.json')}: current kid ${keys.current.kid} (${keys.current.alg})`);
