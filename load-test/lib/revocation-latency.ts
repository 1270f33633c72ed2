import type { EventStore } from '../../services/shared/event-store/index.js';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import type { McpHttpClient } from './mcp-http-client.js';

/** Revocation propagation: from the commit of `token.revoked` until every replica refuses the token. */
export interface RevocationLatencyResult {
  readonly revocations: number;
  /** Commit acknowledged → last replica refuses. */
  readonly afterCommitMs: LatencySummary;
  /** Append called → last replica refuses (includes the commit). */
  readonly afterAppendMs: LatencySummary;
  /** Revocations not seen by every replica within the timeout. */
  readonly missed: number;
}

// Authenticated but not a JSON-RPC message: the server answers 400 without writing an event, so a
// tight poll costs a token verification and nothing in the log; once revoked it answers 401.
const probeBody = '{}';

/**
 * Measures, `count` times: mint a token, check every replica accepts it, append its `token.revoked`
 * event, then poll every replica back to back until each refuses it (401 `ERR_TOKEN_REVOKED`).
 */
export async function measureRevocationLatency(options: {
  count: number;
  replicas: readonly McpHttpClient[];
  store: Pick<EventStore, 'append'>;
  mint: (n: number) => Promise<{ token: string; tokenId: string }>;
  timeoutMs?: number;
}): Promise<RevocationLatencyResult> {
  const afterCommit = new LatencyRecorder();
  const afterAppend = new LatencyRecorder();
  let missed = 0;
  const timeoutMs = options.timeoutMs ?? 5_000;
  for (let n = 0; n < options.count; n++) {
    const { token, tokenId } = await options.mint(n);
    for (const replica of options.replicas) {
      const before = await replica.send(probeBody, { token });
      if (before.status !== 400)
        throw new Error(`replica ${replica.url} refused a fresh token: ${before.label}`);
    }
    const appendAt = performance.now();
    await options.store.append({
      type: 'token.revoked',
      service: 'token-service',
      instanceId: 'bench',
      actor: { subject: 'security@example.com' },
      data: { revokedTokenId: tokenId, reason: 'bench' },
    });
    const committedAt = performance.now();
    const refusedAt = await Promise.all(
      options.replicas.map(async (replica) => {
        const deadline = committedAt + timeoutMs;
        while (performance.now() < deadline) {
          const outcome = await replica.send(probeBody, { token });
          if (outcome.status === 401 && outcome.errorBody?.error === 'ERR_TOKEN_REVOKED')
            return performance.now();
        }
        return undefined;
      }),
    );
    if (refusedAt.some((t) => t === undefined)) {
      missed++;
      continue;
    }
    const last = Math.max(...(refusedAt as number[]));
    afterCommit.add(last - committedAt);
    afterAppend.add(last - appendAt);
  }
  return {
    revocations: options.count,
    afterCommitMs: afterCommit.summary(),
    afterAppendMs: afterAppend.summary(),
    missed,
  };
}
