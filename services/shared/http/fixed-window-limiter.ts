/** Options of {@link FixedWindowLimiter}. */
export interface FixedWindowLimiterOptions {
  /** Most takes per key per window. */
  readonly perKey: number;
  /** Most takes per window over all keys, so many sources together are bounded too. */
  readonly total: number;
  readonly windowMs: number;
  /** Distinct keys tracked per window; beyond it the new ones share one count. Default 100 000. */
  readonly maxKeys?: number;
  /** Milliseconds clock. Default `Date.now`. */
  readonly now?: () => number;
}

/** The outcome of {@link FixedWindowLimiter.take}. */
export type LimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Counts takes per key (a client address) in fixed windows, in memory, and refuses beyond the
 * per-key or the total limit until the window ends. Bounds what a flood can make a replica do
 * (create rows, say); refused takes are not counted, so they never extend a refusal.
 */
export class FixedWindowLimiter {
  readonly #options: FixedWindowLimiterOptions;
  readonly #now: () => number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #counts = new Map<string, number>();
  #total = 0;

  /** @throws {TypeError} for a limit or window that is not a positive integer. */
  constructor(options: FixedWindowLimiterOptions) {
    for (const name of ['perKey', 'total', 'windowMs'] as const) {
      if (!Number.isInteger(options[name]) || options[name] < 1) {
        throw new TypeError(`${name} must be a positive integer, got ${options[name]}`);
      }
    }
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  take(key: string): LimitDecision {
    const now = this.#now();
    if (now >= this.#windowStart + this.#options.windowMs) {
      this.#windowStart = now;
      this.#counts = new Map();
      this.#total = 0;
    }
    const bucket =
      this.#counts.has(key) || this.#counts.size < (this.#options.maxKeys ?? 100_000) ? key : '\0overflow';
    const count = this.#counts.get(bucket) ?? 0;
    if (count >= this.#options.perKey || this.#total >= this.#options.total) {
      return { allowed: false, retryAfterMs: this.#windowStart + this.#options.windowMs - now };
    }
    this.#counts.set(bucket, count + 1);
    this.#total += 1;
    return { allowed: true };
  }
}
