import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { crc32c } from './crc32c.js';

/** A request the fake received. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A local stand-in for the three Google endpoints the sealer uses (metadata server token, Cloud KMS
 * `publicKey` / `asymmetricSign`, Cloud Storage JSON API upload / download / list), answering as
 * their documentation describes. For tests only: real Google is not reachable here.
 */
export interface FakeGoogle {
  readonly url: string;
  /** `host:port`, for `GCE_METADATA_HOST`. */
  readonly host: string;
  readonly requests: RecordedRequest[];
  /** Objects by full name. */
  readonly objects: Map<string, string>;
  /** The KMS key's private half (to check signatures). */
  readonly kmsPrivateKey: KeyObject;
  /** Answer the next `count` API requests (not token requests) with this status. */
  failNext(status: number, count?: number): void;
  /** Tamper with what KMS returns from now on. */
  corrupt(what: 'signature' | 'signature-crc' | 'unverified' | 'none'): void;
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  readonly keyVersion: string;
  readonly kmsAlgorithm: 'EC_SIGN_P256_SHA256' | 'EC_SIGN_ED25519';
  readonly bucket: string;
  readonly token?: string;
  /** Objects per list page. Default 2 (so pagination is exercised). */
  readonly pageSize?: number;
}

export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const token = options.token ?? 'fake-access-token';
  const pair =
    options.kmsAlgorithm === 'EC_SIGN_ED25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const requests: RecordedRequest[] = [];
  const objects = new Map<string, string>();
  let failures: { status: number; count: number } | undefined;
  let corruption: 'signature' | 'signature-crc' | 'unverified' | 'none' = 'none';
  const kmsBase = `/v1/${options.keyVersion}`;

  const handle = (request: RecordedRequest, response: ServerResponse) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body));
    };
    const path = request.url.pathname;
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (request.headers['metadata-flavor'] !== 'Google')
        return json(403, { error: 'Missing Metadata-Flavor' });
      return json(
        200,
        { access_token: token, expires_in: 3599, token_type: 'Bearer' },
        { 'metadata-flavor': 'Google' },
      );
    }
    if (request.headers.authorization !== `Bearer ${token}`) {
      return json(401, { error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    }
    if (failures && failures.count > 0) {
      failures.count--;
      return json(failures.status, { error: { code: failures.status, message: 'injected failure' } });
    }
    if (request.method === 'GET' && path === `${kmsBase}/publicKey`) {
      return json(200, {
        pem,
        algorithm: options.kmsAlgorithm,
        pemCrc32c: String(crc32c(Buffer.from(pem))),
        name: options.keyVersion,
        protectionLevel: 'HSM',
      });
    }
    if (request.method === 'POST' && path === `${kmsBase}:asymmetricSign`) {
      const body = JSON.parse(request.body) as {
        digest?: { sha256?: string };
        digestCrc32c?: string;
        data?: string;
        dataCrc32c?: string;
      };
      let signature: Buffer;
      let verified: Record<string, boolean>;
      if (options.kmsAlgorithm === 'EC_SIGN_ED25519') {
        const data = Buffer.from(body.data ?? '', 'base64');
        signature = sign(null, data, pair.privateKey);
        verified = { verifiedDataCrc32c: body.dataCrc32c === String(crc32c(data)) };
      } else {
        const digest = Buffer.from(body.digest?.sha256 ?? '', 'base64');
        if (digest.length !== 32)
          return json(400, { error: { code: 400, message: 'digest must be 32 bytes' } });
        // KMS signs the given digest as is: ECDSA over a prehashed SHA-256 value.
        signature = signDigest(digest, pair.privateKey);
        verified = { verifiedDigestCrc32c: body.digestCrc32c === String(crc32c(digest)) };
      }
      if (corruption === 'signature')
        signature = Buffer.from(signature.map((byte, i) => (i === 10 ? byte ^ 1 : byte)));
      if (corruption === 'unverified') verified = {};
      const crc = corruption === 'signature-crc' ? crc32c(signature) ^ 1 : crc32c(signature);
      return json(200, {
        signature: signature.toString('base64'),
        signatureCrc32c: String(crc),
        name: options.keyVersion,
        protectionLevel: 'HSM',
        ...verified,
      });
    }
    const bucketPath = `/storage/v1/b/${encodeURIComponent(options.bucket)}/o`;
    if (request.method === 'POST' && path === `/upload${bucketPath}`) {
      const name = request.url.searchParams.get('name') ?? '';
      if (request.url.searchParams.get('uploadType') !== 'media')
        return json(400, { error: { message: 'uploadType' } });
      if (request.url.searchParams.get('ifGenerationMatch') === '0' && objects.has(name)) {
        return json(412, {
          error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.' },
        });
      }
      objects.set(name, request.body);
      return json(200, {
        kind: 'storage#object',
        name,
        bucket: options.bucket,
        generation: String(Date.now()),
      });
    }
    if (request.method === 'GET' && path.startsWith(`${bucketPath}/`)) {
      const name = decodeURIComponent(path.slice(bucketPath.length + 1));
      const content = objects.get(name);
      if (request.url.searchParams.get('alt') !== 'media')
        return json(400, { error: { message: 'alt=media' } });
      if (content === undefined) return json(404, { error: { code: 404, message: 'No such object' } });
      response.writeHead(200, { 'content-type': 'application/json' }).end(content);
      return;
    }
    if (request.method === 'GET' && path === bucketPath) {
      const prefix = request.url.searchParams.get('prefix') ?? '';
      const names = [...objects.keys()].filter((name) => name.startsWith(prefix)).sort();
      const start = Number(request.url.searchParams.get('pageToken') ?? '0');
      const pageSize = options.pageSize ?? 2;
      const page = names.slice(start, start + pageSize);
      const next = start + pageSize < names.length ? String(start + pageSize) : undefined;
      return json(200, {
        ...(page.length ? { items: page.map((name) => ({ name })) } : {}),
        ...(next ? { nextPageToken: next } : {}),
      });
    }
    return json(404, { error: { code: 404, message: `no route ${request.method} ${path}` } });
  };

  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = {
        method: incoming.method ?? 'GET',
        url: new URL(incoming.url ?? '/', 'http://fake'),
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handle(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Google did not bind');
  return {
    url: `http://127.0.0.1:${address.port}`,
    host: `127.0.0.1:${address.port}`,
    requests,
    objects,
    kmsPrivateKey: pair.privateKey,
    failNext(status, count = 1) {
      failures = { status, count };
    },
    corrupt(what) {
      corruption = what;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * ECDSA P-256 over a given SHA-256 digest, which is what KMS does with `digest.sha256` (FIPS 186-4
 * §6.4). Node's `crypto.sign` always hashes its input, so the fake computes the signature itself;
 * slow and not constant-time, which is fine for a test double.
 */
function signDigest(digest: Buffer, privateKey: KeyObject): Buffer {
  const d = BigInt(`0x${Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex')}`);
  const z = BigInt(`0x${digest.toString('hex')}`);
  for (;;) {
    const k = (BigInt(`0x${randomBytes(40).toString('hex')}`) % (curve.n - 1n)) + 1n;
    const r = multiply(k, curve.g)!.x % curve.n;
    const s = (inverse(k, curve.n) * (z + r * d)) % curve.n;
    if (r !== 0n && s !== 0n) return derSignature(r, s);
  }
}

const curve = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  g: {
    x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
};
type Point = { x: bigint; y: bigint } | undefined;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(a: Point, b: Point): Point {
  if (!a) return b;
  if (!b) return a;
  const { p } = curve;
  if (a.x === b.x && mod(a.y + b.y, p) === 0n) return undefined;
  const slope =
    a.x === b.x
      ? mod((3n * a.x * a.x - 3n) * inverse(2n * a.y, p), p)
      : mod((b.y - a.y) * inverse(b.x - a.x, p), p);
  const x = mod(slope * slope - a.x - b.x, p);
  return { x, y: mod(slope * (a.x - x) - a.y, p) };
}
function multiply(k: bigint, point: Point): Point {
  let result: Point;
  let addend = point;
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}
function derSignature(r: bigint, s: bigint): Buffer {
  const integer = (value: bigint) => {
    let bytes = Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
    while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes = bytes.subarray(1);
    if (bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
