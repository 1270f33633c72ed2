import { AppError } from '../errors/index.js';
import { recordAuditCommit } from '../telemetry/index.js';
import type { AppendReceipt, StoreHealth } from './api.js';
import type { PreparedEvent } from './prepare-event.js';

/**
 * Commits one batch within `timeoutMs` (one multi-row INSERT), returning a receipt per event in
 * order (`undefined`: not recorded, see `appendEvents`). Must cancel its statement on timeout.
 */
export type CommitBatch = (
  events: readonly PreparedEvent[],
  timeoutMs: number,
) => Promise<readonly (AppendReceipt | undefined)[]>;

/** Options of {@link GroupCommitWriter}. */
export interface GroupCommitWriterOptions {
  readonly commit: CommitBatch;
  /** A cheap round trip (`SELECT 1`) used to notice that the database is back. */
  readonly probe: (timeoutMs: number) => Promise<void>;
  /** How long an append may wait for its commit before failing closed. Default 2000 ms. */
  readonly commitDeadlineMs?: number | undefined;
  /** Most events in one INSERT. Default 1000. */
  readonly maxBatchSize?: number | undefined;
  /** Most events waiting for a flush; beyond it appends are refused at once. Default 20 000. */
  readonly maxQueue?: number | undefined;
  /**
   * Flushes in flight at once. Two lets one batch accumulate while another waits on its commit
   * (WAL flush), which is where group commit wins; more let the database work on several batches
   * at once (one backend, one core each). Default 2.
   */
  readonly maxConcurrentFlushes?: number | undefined;
  /**
   * When several flush slots are free, the queue is shared among them in batches of at least this
   * many events, so a burst uses several database backends instead of one. Default 32.
   */
  readonly minSplitBatchSize?: number | undefined;
  /** Probe period while unhealthy. Default 500 ms. */
  readonly probeIntervalMs?: number | undefined;
  /** Wall clock for {@link StoreHealth.since}. */
  readonly clock?: (() => Date) | undefined;
}

interface Pending {
  readonly events: readonly PreparedEvent[];
  readonly deadline: number;
  readonly resolve: (receipts: readonly AppendReceipt[]) => void;
  readonly reject: (error: unknown) => void;
}

const retryDelaysMs = [25, 50, 100, 200, 400];

/**
 * In-process group commit: events of concurrent callers are gathered into one INSERT per flush and
 * each caller's promise settles when its own batch commits (design.md, "Write path").
 *
 * - A flush starts as soon as a flush slot is free; while all slots are busy, appends accumulate
 *   into the next batch (up to `maxBatchSize` events; one caller's events always share a batch, so
 *   an append is atomic). A queue found with several slots free is shared among them.
 * - A batch that fails is retried until the earliest deadline among its callers (idempotency keys
 *   make the retry safe); then every caller in it gets `ERR_AUDIT_UNAVAILABLE`.
 * - A full queue refuses at once with `ERR_AUDIT_OVERLOADED`, before anything is queued.
 * - A failed flush makes the writer unhealthy; a probe every `probeIntervalMs` (or the next
 *   successful flush) makes it healthy again, with no traffic needed.
 */
export class GroupCommitWriter {
  readonly #commit: CommitBatch;
  readonly #probe: (timeoutMs: number) => Promise<void>;
  readonly #deadlineMs: number;
  readonly #maxBatchSize: number;
  readonly #maxQueue: number;
  readonly #maxConcurrentFlushes: number;
  readonly #minSplitBatchSize: number;
  readonly #probeIntervalMs: number;
  readonly #clock: () => Date;

  #queue: Pending[] = [];
  #queuedEvents = 0;
  #inFlight = 0;
  #pumpScheduled = false;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #health: StoreHealth;
  #probeTimer: NodeJS.Timeout | undefined;

  /** @throws {TypeError} for a non-positive limit or deadline. */
  constructor(options: GroupCommitWriterOptions) {
    this.#commit = options.commit;
    this.#probe = options.probe;
    this.#deadlineMs = positive(options.commitDeadlineMs ?? 2_000, 'commitDeadlineMs');
    this.#maxBatchSize = positive(options.maxBatchSize ?? 1_000, 'maxBatchSize');
    this.#maxQueue = positive(options.maxQueue ?? 20_000, 'maxQueue');
    this.#maxConcurrentFlushes = positive(options.maxConcurrentFlushes ?? 2, 'maxConcurrentFlushes');
    this.#minSplitBatchSize = positive(options.minSplitBatchSize ?? 32, 'minSplitBatchSize');
    this.#probeIntervalMs = positive(options.probeIntervalMs ?? 500, 'probeIntervalMs');
    this.#clock = options.clock ?? (() => new Date());
    this.#health = { healthy: true, since: this.#clock() };
  }

  /** Resolves with one receipt per event once the batch holding them has committed. */
  write(events: readonly PreparedEvent[]): Promise<readonly AppendReceipt[]> {
    if (this.#closed) {
      return Promise.reject(new AppError('ERR_AUDIT_UNAVAILABLE', 'the event store is closed'));
    }
    if (events.length === 0) return Promise.resolve([]);
    if (this.#queuedEvents + events.length > this.#maxQueue) {
      return Promise.reject(
        new AppError(
          'ERR_AUDIT_OVERLOADED',
          `${this.#queuedEvents} events are already waiting to be committed`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, deadline: performance.now() + this.#deadlineMs, resolve, reject });
      this.#queuedEvents += events.length;
      // Deferred to the end of the current tick so that callers appending together share a flush.
      if (!this.#pumpScheduled) {
        this.#pumpScheduled = true;
        queueMicrotask(() => {
          this.#pumpScheduled = false;
          this.#pump();
        });
      }
    });
  }

  /** Current health; see {@link StoreHealth}. */
  health(): StoreHealth {
    return this.#health;
  }

  /** Refuses new appends, commits (or fails) everything already queued, stops the probe. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    if (this.#queue.length > 0 || this.#inFlight > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  #pump(): void {
    while (this.#inFlight < this.#maxConcurrentFlushes && this.#queue.length > 0) {
      // Everything queued in one INSERT would keep one backend busy while the others idle: a closed
      // loop of callers then stays one batch forever. Share the queue among the free slots instead.
      const freeSlots = this.#maxConcurrentFlushes - this.#inFlight;
      const share = Math.max(this.#minSplitBatchSize, Math.ceil(this.#queuedEvents / freeSlots));
      const batch = this.#takeBatch(Math.min(this.#maxBatchSize, share));
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
        if (this.#inFlight === 0 && this.#queue.length === 0) {
          for (const wake of this.#idleWaiters.splice(0)) wake();
        }
      });
    }
  }

  #takeBatch(limit: number): Pending[] {
    let size = 0;
    let count = 0;
    for (const pending of this.#queue) {
      if (count > 0 && size + pending.events.length > limit) break;
      size += pending.events.length;
      count++;
    }
    this.#queuedEvents -= size;
    return this.#queue.splice(0, count);
  }

  async #flush(batch: readonly Pending[]): Promise<void> {
    const deadline = Math.min(...batch.map((pending) => pending.deadline));
    const events = batch.length === 1 ? batch[0]!.events : batch.flatMap((pending) => pending.events);
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) break;
      const attemptStarted = performance.now();
      try {
        const receipts = await withDeadline(this.#commit(events, remaining), remaining);
        recordAuditCommit((performance.now() - attemptStarted) / 1000, events.length, 'committed');
        this.#markHealthy();
        settle(batch, receipts);
        return;
      } catch (error) {
        recordAuditCommit((performance.now() - attemptStarted) / 1000, events.length, 'failed');
        lastError = error;
        if (isDataError(error)) {
          // Validation should make this unreachable; if the database still rejects the batch,
          // find the caller whose event it is, so the others are not failed with it.
          await this.#isolate(batch, error);
          return;
        }
        const delay = Math.min(retryDelaysMs[attempt] ?? retryDelaysMs.at(-1)!, deadline - performance.now());
        if (delay <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    lastError ??= new Error('the deadline passed before a flush slot was free');
    this.#markUnhealthy(lastError);
    const failure = new AppError(
      'ERR_AUDIT_UNAVAILABLE',
      `not committed within ${this.#deadlineMs} ms: ${describe(lastError)}`,
      { cause: lastError },
    );
    for (const pending of batch) pending.reject(failure);
  }

  async #isolate(batch: readonly Pending[], error: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0]!.reject(
        new AppError('ERR_INTERNAL', `the database rejected an audit event: ${describe(error)}`, {
          cause: error,
        }),
      );
      return;
    }
    for (const pending of batch) await this.#flush([pending]);
  }

  #markHealthy(): void {
    if (this.#health.healthy) return;
    this.#health = { healthy: true, since: this.#clock() };
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  #markUnhealthy(error: unknown): void {
    this.#health = {
      healthy: false,
      lastError: describe(error),
      since: this.#health.healthy ? this.#clock() : this.#health.since,
    };
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#probeTimer || this.#health.healthy) return;
    this.#probeTimer = setTimeout(() => {
      this.#probe(this.#probeIntervalMs).then(
        () => {
          this.#probeTimer = undefined;
          this.#markHealthy();
        },
        (error: unknown) => {
          this.#probeTimer = undefined;
          if (this.#health.healthy) return;
          this.#health = { ...this.#health, lastError: describe(error) };
          if (!this.#closed) this.#scheduleProbe();
        },
      );
    }, this.#probeIntervalMs);
    // The probe exists for the sake of traffic; it must not keep an idle process alive.
    this.#probeTimer.unref();
  }
}

/**
 * The commit is expected to honour its timeout itself (and cancel the statement); this is the
 * backstop so that no caller can hang on a misbehaving driver.
 */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${Math.round(timeoutMs)} ms`)),
      timeoutMs + 50,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function settle(batch: readonly Pending[], receipts: readonly (AppendReceipt | undefined)[]): void {
  let offset = 0;
  for (const pending of batch) {
    const own = receipts.slice(offset, offset + pending.events.length);
    offset += pending.events.length;
    const missing = own.indexOf(undefined);
    if (missing === -1) {
      pending.resolve(own as AppendReceipt[]);
    } else {
      pending.reject(
        new AppError(
          'ERR_INTERNAL',
          `event id ${pending.events[missing]!.eventId} is already recorded under another idempotency key`,
        ),
      );
    }
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): retrying cannot help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number`);
  return value;
}
