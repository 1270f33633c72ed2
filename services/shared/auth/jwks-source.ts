import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';

/**
 * A key resolver for {@link createAccessTokenVerifier} that can also say whether its keys are
 * loaded, for a server's `/ready`.
 */
export interface JwksSource {
  (protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /** Loads the keys now (ignoring the cooldown). Resolves `true` when they loaded; never rejects. */
  warm(): Promise<boolean>;
  /** Whether keys are loaded and the last attempt to load them did not fail. */
  ready(): boolean;
}

/** Options of {@link remoteJwks}. */
export interface RemoteJwksOptions {
  /** After a fetch, how long an unknown `kid` waits before it may trigger another. Default 30 s. */
  readonly cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again. Default 10 min. */
  readonly cacheMaxAgeMs?: number;
  /** Timeout of one JWKS request. Default 5 s. */
  readonly timeoutMs?: number;
  /**
   * Accept `http:` on any host, for a cluster-internal URL whose transport is protected elsewhere
   * (service mesh mTLS). Default `false`: only `https:`, or `http:` on a loopback host.
   */
  readonly allowHttp?: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The token service's JWKS over HTTP(S), cached (jose `createRemoteJWKSet`): a token whose `kid` is
 * not in the cache triggers a refetch (a key was rotated in), at most once per `cooldownMs`. The URL
 * must be `https:`, or `http:` on a loopback host (or anywhere with `allowHttp`). Keys come from this
 * URL only, never from a token. Bad options throw `TypeError`.
 *
 * @example
 * ```ts
 * const keys = remoteJwks(`${config.tokenIssuerUrl}/jwks`);
 * await keys.warm();
 * const verifier = createAccessTokenVerifier({ keys, issuer, audience });
 * app.get('/ready', () => ({ keys: keys.ready() }));
 * ```
 */
export function remoteJwks(url: string | URL, options: RemoteJwksOptions = {}): JwksSource {
  const target = parseJwksUrl(url, options.allowHttp === true);
  const { cooldownMs = 30_000, cacheMaxAgeMs = 600_000, timeoutMs = 5_000 } = options;
  for (const [name, value] of Object.entries({ cooldownMs, cacheMaxAgeMs, timeoutMs })) {
    if (!Number.isInteger(value) || value < 0)
      throw new TypeError(`"${name}" must be a non-negative integer`);
  }
  const set = createRemoteJWKSet(target, {
    cooldownDuration: cooldownMs,
    cacheMaxAge: cacheMaxAgeMs,
    timeoutDuration: timeoutMs,
  });
  let lastLoadFailed = false;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  const retryAfterMs = 1000;

  const warm = async (): Promise<boolean> => {
    try {
      await set.reload();
      lastLoadFailed = false;
      return true;
    } catch {
      lastLoadFailed = true;
      return false;
    }
  };

  const resolve = async (
    protectedHeader: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    try {
      const key = await set(protectedHeader, token);
      lastLoadFailed = false;
      return key;
    } catch (error) {
      if (!isKeySelectionError(error)) lastLoadFailed = true;
      throw error;
    }
  };

  return Object.assign(resolve, {
    warm,
    ready: (): boolean => {
      const loaded = set.jwks() !== undefined;
      // An idle server's cache goes stale: refresh it in the background so /ready notices an outage.
      // Never loaded (the issuer was not up yet when this server started): keep trying from the
      // readiness probe, or a replica without traffic would never become ready to receive any.
      if ((!loaded || !set.fresh) && !set.reloading && Date.now() - lastAttempt >= retryAfterMs) {
        lastAttempt = Date.now();
        void warm();
      }
      return loaded && !lastLoadFailed;
    },
  });
}

/**
 * A fixed JWKS (jose `createLocalJWKSet`), for tests and for a token service verifying its own
 * tokens. It must hold public keys only; a private key member throws `TypeError`.
 *
 * @example
 * ```ts
 * const keys = await loadOrCreateSigningKeys(dataDir);
 * const verifier = createAccessTokenVerifier({ keys: localJwks(keys.publicJwks()), issuer, audience });
 * ```
 */
export function localJwks(jwks: JSONWebKeySet): JwksSource {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    throw new TypeError('"jwks" must be a JSON Web Key Set ({ keys: [...] })');
  }
  for (const key of jwks.keys) {
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'priv'].some((member) => member in key)) {
      throw new TypeError(`"jwks" must hold public keys only (kid ${JSON.stringify(key.kid ?? null)})`);
    }
  }
  const set = createLocalJWKSet(jwks);
  return Object.assign(
    (protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput) => set(protectedHeader, token),
    {
      warm: async () => true,
      ready: () => true,
    },
  );
}

function parseJwksUrl(url: string | URL, allowHttp: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`"url" must be an absolute URL, got ${JSON.stringify(String(url))}`);
  }
  const http = parsed.protocol === 'http:' && (allowHttp || LOOPBACK_HOSTS.has(parsed.hostname));
  if (parsed.protocol !== 'https:' && !http) {
    throw new TypeError('"url" must use https (http only on a loopback host, or with "allowHttp")');
  }
  return parsed;
}

function isKeySelectionError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}
