import type { EnvReader } from './env-reader.js';

/** Settings of a service that answers callers directly: who forwards for them, and revocations. */
export interface EdgeConfig {
  /** Addresses or CIDRs of proxies (the ingress) trusted for X-Forwarded-For; empty trusts none. */
  readonly trustProxy: readonly string[];
  /** Revocation feed catch-up poll period (the LISTEN/NOTIFY wake-up makes it faster in practice). */
  readonly revocationPollIntervalMs: number;
  /** A replica whose revocation feed has not synced for this long refuses requests. */
  readonly revocationMaxStalenessMs: number;
}

/** Reads {@link EdgeConfig} (`TRUST_PROXY`, `REVOCATION_*`), the same for the MCP server and the token service. */
export function readEdgeConfig(env: EnvReader): EdgeConfig {
  const config: EdgeConfig = {
    trustProxy: env.list('TRUST_PROXY'),
    revocationPollIntervalMs: env.integer('REVOCATION_POLL_INTERVAL_MS', 1000, { min: 50, max: 60_000 }),
    revocationMaxStalenessMs: env.integer('REVOCATION_MAX_STALENESS_MS', 5000, { min: 200, max: 300_000 }),
  };
  if (config.revocationMaxStalenessMs <= config.revocationPollIntervalMs) {
    env.problem('REVOCATION_MAX_STALENESS_MS must be greater than REVOCATION_POLL_INTERVAL_MS');
  }
  return config;
}
