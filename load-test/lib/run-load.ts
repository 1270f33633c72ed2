import { type LoadReport, type LoadSnapshot, LoadStats } from './load-stats.js';
import type { McpHttpClient } from './mcp-http-client.js';
import { createPrng } from './prng.js';
import { type Profile, pickWeighted } from './profiles.js';
import { type Ramp, usersAt } from './ramp.js';
import type { TokenPool } from './token-source.js';
import { runVirtualUser } from './virtual-user.js';

export interface RunLoadOptions {
  readonly client: McpHttpClient;
  readonly ramp: Ramp;
  /** The run stops after this long (in-flight requests finish). */
  readonly durationMs: number;
  /** …or after this many requests. */
  readonly maxRequests: number;
  readonly profiles: readonly Profile[];
  readonly tokens: TokenPool;
  readonly seed: number;
  readonly callsPerList: number;
  readonly thinkMs: number;
  readonly initialize: boolean;
  readonly progressIntervalMs?: number;
  readonly onProgress?: (snapshot: LoadSnapshot) => void;
  /** Aborting stops the run early (Ctrl-C); the report still comes. */
  readonly signal?: AbortSignal;
}

interface User {
  stopped: boolean;
  readonly done: Promise<void>;
}

/**
 * Runs virtual users against one MCP URL following a ramp, until the duration or the request budget
 * is used up (or the signal aborts), then waits for in-flight requests and reports.
 */
export async function runLoad(options: RunLoadOptions): Promise<LoadReport> {
  const profiles = options.profiles.filter(
    (p) => p.weight > 0 && (options.tokens.get(p.name)?.length ?? 0) > 0,
  );
  if (profiles.length === 0) throw new Error('no profile has both a weight and tokens');
  const stats = new LoadStats();
  const prng = createPrng(options.seed);
  const startedAt = new Date();
  const started = performance.now();
  const users: User[] = [];
  let reserved = 0;
  let peakUsers = 0;
  let stoppedBy = 'duration';
  const over = () => {
    if (options.signal?.aborted) {
      stoppedBy = 'interrupted';
      return true;
    }
    if (reserved >= options.maxRequests) {
      stoppedBy = 'max-requests';
      return true;
    }
    return performance.now() - started >= options.durationMs;
  };

  const spawn = (id: number) => {
    const profile = pickWeighted(profiles, prng.next());
    const pool = options.tokens.get(profile.name) ?? [];
    const user: { stopped: boolean; done?: Promise<void> } = { stopped: false };
    user.done = runVirtualUser({
      id,
      client: options.client,
      profile,
      token: pool[id % pool.length] ?? '',
      prng: createPrng(options.seed + id * 7919),
      stats,
      callsPerList: options.callsPerList,
      thinkMs: options.thinkMs,
      initialize: options.initialize,
      mayContinue: () => {
        if (user.stopped || over()) return false;
        reserved++;
        return true;
      },
    });
    users.push(user as User);
  };

  let nextProgress = started + (options.progressIntervalMs ?? 1_000);
  let nextId = 0;
  while (!over()) {
    const target = usersAt(options.ramp, performance.now() - started);
    const active = users.filter((u) => !u.stopped);
    for (let n = active.length; n < target; n++) spawn(nextId++);
    // Ramping down: the newest users stop after their current request.
    for (let n = active.length - 1; n >= target; n--) active[n]!.stopped = true;
    peakUsers = Math.max(peakUsers, target);
    const now = performance.now();
    if (options.onProgress && now >= nextProgress) {
      options.onProgress(
        stats.snapshot(now - started, Math.min(target, users.filter((u) => !u.stopped).length)),
      );
      nextProgress = now + (options.progressIntervalMs ?? 1_000);
    }
    const remaining = options.durationMs - (now - started);
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(100, remaining))));
  }
  for (const user of users) user.stopped = true;
  await Promise.all(users.map((u) => u.done));
  return stats.report({
    url: options.client.url,
    startedAt,
    durationMs: performance.now() - started,
    peakUsers,
    stoppedBy,
  });
}
