import type { EventAppender } from '../event-store/api.js';
import type { AuthRejected, LoginFailed } from '../event-store/events.js';
import { discardActiveRequestSpans } from '../telemetry/index.js';

/** An `auth.rejected` event as a service reports it; the recorder adds its `count`. */
export type AuthRejection = Omit<AuthRejected, 'data'> & { readonly data: { readonly detail?: string } };
/** A `login.failed` event as the token service reports it; the recorder adds its `count`. */
export type LoginFailure = Omit<LoginFailed, 'data'> & {
  readonly data: { readonly issuer?: string; readonly email?: string; readonly detail?: string };
};
/** What a {@link RefusalRecorder} records. */
export type Refusal = AuthRejection | LoginFailure;

interface Bucket {
  individual: number;
  folded: number;
  windowStartedAt: Date;
  sample: Refusal | undefined;
}

export interface RefusalRecorderOptions {
  readonly append: EventAppender['append'];
  /**
   * Individual events per (source, event type, reason) per window; later ones are folded into one
   * counted event.
   */
  readonly burst: number;
  /** Individual events per window over all sources, so many sources cannot flood the store either. */
  readonly globalBurst: number;
  readonly windowMs: number;
  /** Distinct (source, event type, reason) keys tracked; beyond it all sources share one bucket. */
  readonly maxKeys?: number;
  readonly clock?: () => Date;
  readonly onError: (error: unknown) => void;
  /**
   * Told, when a window closes, how many refusals of one source, type and reason were folded into
   * one event: a summary for the service's log, which then needs no line per refusal in a flood.
   */
  readonly onFolded?: (folded: FoldedRefusals) => void;
}

/** The refusals of one source, event type and reason folded into one event over a window. */
export interface FoldedRefusals {
  readonly type: Refusal['type'];
  readonly source: string | undefined;
  readonly reasonCode: string | undefined;
  readonly count: number;
  readonly windowStartedAt: Date;
}

/**
 * Records refusals of callers not (yet) authenticated, `auth.rejected` and `login.failed`, without
 * letting a flood exhaust the event store: the first refusals from a source are individual events
 * (durable before the answer goes out); beyond the burst they are counted and written as one event
 * per source, type and reason per window, so every refusal is accounted for in the log while its
 * size stays bounded.
 */
export class RefusalRecorder {
  readonly #options: RefusalRecorderOptions;
  readonly #clock: () => Date;
  #buckets = new Map<string, Bucket>();
  #globalIndividual = 0;
  #timer: NodeJS.Timeout;

  constructor(options: RefusalRecorderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.#timer = setInterval(() => void this.flush(), options.windowMs);
    this.#timer.unref();
  }

  /**
   * Records one rejection. Returns the commit promise when it is written individually (await it
   * before answering), or `undefined` when it was folded into the window's count. A folded rejection
   * other than the window's sample is not traced either: the spans of its request are dropped before
   * export (so call this inside the request, before its spans end), and a flood costs no more traces
   * than it costs events.
   */
  record(rejection: Refusal): Promise<unknown> | undefined {
    const key = this.#keyFor(rejection);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { individual: 0, folded: 0, windowStartedAt: this.#clock(), sample: undefined };
      this.#buckets.set(key, bucket);
    }
    if (bucket.individual < this.#options.burst && this.#globalIndividual < this.#options.globalBurst) {
      bucket.individual += 1;
      this.#globalIndividual += 1;
      return this.#options.append({ ...rejection, data: { ...rejection.data, count: 1 } } as
        | AuthRejected
        | LoginFailed);
    }
    bucket.folded += 1;
    // The first folded rejection is the window's sample: the counted event carries its trace id, so
    // its trace is kept. The others leave no trace, as they leave no event of their own.
    if (bucket.sample) discardActiveRequestSpans();
    else bucket.sample = rejection;
    return undefined;
  }

  /** Writes the folded counts of the window that just ended and starts a new window. */
  async flush(): Promise<void> {
    const buckets = this.#buckets;
    this.#buckets = new Map();
    this.#globalIndividual = 0;
    const events: (AuthRejected | LoginFailed)[] = [];
    for (const bucket of buckets.values()) {
      if (bucket.folded === 0 || !bucket.sample) continue;
      this.#options.onFolded?.({
        type: bucket.sample.type,
        source: bucket.sample.source?.address,
        reasonCode: bucket.sample.reasonCode,
        count: bucket.folded,
        windowStartedAt: bucket.windowStartedAt,
      });
      const { eventId: _id, idempotencyKey: _key, occurredAt: _at, ...sample } = bucket.sample;
      events.push({
        ...sample,
        occurredAt: this.#clock(),
        data: { ...sample.data, count: bucket.folded, windowStartedAt: bucket.windowStartedAt.toISOString() },
      } as AuthRejected | LoginFailed);
    }
    if (events.length === 0) return;
    try {
      await this.#options.append(events);
    } catch (error) {
      // An event refused for its content (TypeError, before anything is queued) must not take the
      // other counts with it; any other failure (the store down) is not retried event by event.
      if (!(error instanceof TypeError) || events.length === 1) {
        this.#options.onError(error);
        return;
      }
      for (const event of events) {
        try {
          await this.#options.append(event);
        } catch (eventError) {
          this.#options.onError(eventError);
        }
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #keyFor(rejection: Refusal): string {
    const kind = `${rejection.type}|${rejection.reasonCode ?? '?'}`;
    const key = `${rejection.source?.address ?? '?'}|${kind}`;
    if (this.#buckets.has(key) || this.#buckets.size < (this.#options.maxKeys ?? 10_000)) return key;
    return `*|${kind}`;
  }
}
