/** One `/ready` answer. */
export interface ReadySample {
  /** Epoch milliseconds. */
  readonly at: number;
  /** HTTP status, 0 when there was no answer. */
  readonly status: number;
  readonly latencyMs: number;
}

/**
 * Polls `GET /ready` every `intervalMs` until stopped, keeping every answer, so a test can show
 * readiness went false during a fault and true again after it, and that the probe never hung.
 */
export function pollReadiness(
  baseUrl: string,
  intervalMs = 100,
): { samples: ReadySample[]; stop(): Promise<void> } {
  const samples: ReadySample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const status = await fetch(new URL('/ready', baseUrl), { signal: AbortSignal.timeout(5_000) })
        .then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => 0);
      samples.push({ at, status, latencyMs: Date.now() - at });
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Resolves once `check` returns true, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
