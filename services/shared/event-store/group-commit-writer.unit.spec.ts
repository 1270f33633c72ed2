import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../errors/index.js';
import { sampleAllowed } from '../testing/sample-events.js';
import type { AppendReceipt } from './api.js';
import { type CommitBatch, GroupCommitWriter, type GroupCommitWriterOptions } from './group-commit-writer.js';
import { type PreparedEvent, prepareEvent } from './prepare-event.js';

function events(count: number): PreparedEvent[] {
  return Array.from({ length: count }, () => prepareEvent(sampleAllowed(), new Date()));
}

/** A fake database: records each batch, numbers rows, can be held, failed or made to hang. */
function fakeCommit() {
  const batches: string[][] = [];
  let position = 0;
  let gate: Promise<void> | undefined;
  let failuresLeft = 0;
  let hang = false;
  const commit: CommitBatch = async (batch) => {
    batches.push(batch.map((event) => event.idempotencyKey));
    if (gate) await gate;
    if (hang) return new Promise<never>(() => {});
    if (failuresLeft > 0) {
      failuresLeft--;
      throw Object.assign(new Error('Connection terminated unexpectedly'), {});
    }
    return batch.map(
      (event): AppendReceipt => ({ eventId: event.eventId, globalPosition: String(++position) }),
    );
  };
  return {
    commit,
    batches,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
    failNext(count: number) {
      failuresLeft = count;
    },
    setHang(value: boolean) {
      hang = value;
    },
  };
}

function writer(commit: CommitBatch, options: Partial<GroupCommitWriterOptions> = {}): GroupCommitWriter {
  return new GroupCommitWriter({ commit, probe: async () => {}, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('GroupCommitWriter', () => {
  it('gathers callers that arrive while a flush is in flight into one batch', async () => {
    const db = fakeCommit();
    const w = writer(db.commit, { maxConcurrentFlushes: 1 });
    const release = db.hold();
    const first = w.write(events(1));
    await vi.waitFor(() => expect(db.batches).toHaveLength(1));
    const rest = Array.from({ length: 30 }, () => w.write(events(2)));
    release();
    await Promise.all([first, ...rest]);
    expect(db.batches.map((batch) => batch.length)).toEqual([1, 60]);
  });

  it("gives every caller its own events' receipts, in order", async () => {
    const db = fakeCommit();
    const w = writer(db.commit);
    const inputs = [events(3), events(1), events(5)];
    const receipts = await Promise.all(inputs.map((input) => w.write(input)));
    receipts.forEach((own, i) => {
      expect(own.map((receipt) => receipt.eventId)).toEqual(inputs[i]!.map((event) => event.eventId));
    });
  });

  it('never splits one caller across batches, and caps the others at maxBatchSize', async () => {
    const db = fakeCommit();
    const w = writer(db.commit, { maxBatchSize: 10, maxConcurrentFlushes: 1 });
    await Promise.all([w.write(events(4)), w.write(events(4)), w.write(events(25)), w.write(events(1))]);
    expect(db.batches.map((batch) => batch.length)).toEqual([8, 25, 1]);
  });

  it('shares a queue found with several free slots among them, in batches no smaller than minSplitBatchSize', async () => {
    const db = fakeCommit();
    const w = writer(db.commit, { maxConcurrentFlushes: 2, minSplitBatchSize: 8 });
    await Promise.all(Array.from({ length: 40 }, () => w.write(events(1))));
    expect(db.batches.map((batch) => batch.length)).toEqual([20, 20]);

    db.batches.length = 0;
    await Promise.all(Array.from({ length: 12 }, () => w.write(events(1))));
    expect(db.batches.map((batch) => batch.length)).toEqual([8, 4]);
  });

  it('refuses at once with ERR_AUDIT_OVERLOADED when the queue is full, queueing nothing', async () => {
    const db = fakeCommit();
    const w = writer(db.commit, { maxQueue: 10, maxConcurrentFlushes: 1 });
    const release = db.hold();
    const inFlight = w.write(events(1));
    await vi.waitFor(() => expect(db.batches).toHaveLength(1));
    const queued = w.write(events(10));
    const refused = await rejection(w.write(events(1)));
    expect(refused.code).toBe('ERR_AUDIT_OVERLOADED');
    release();
    await Promise.all([inFlight, queued]);
    expect(db.batches.flat()).toHaveLength(11);
  });

  it('retries a failed batch with the same events within the deadline', async () => {
    const db = fakeCommit();
    const w = writer(db.commit);
    db.failNext(2);
    const input = events(3);
    const receipts = await w.write(input);
    expect(receipts).toHaveLength(3);
    expect(db.batches).toHaveLength(3);
    expect(new Set(db.batches.map((batch) => batch.join()))).toEqual(
      new Set([input.map((e) => e.idempotencyKey).join()]),
    );
  });

  it('fails closed with ERR_AUDIT_UNAVAILABLE at the deadline even if the commit never answers', async () => {
    const db = fakeCommit();
    db.setHang(true);
    const w = writer(db.commit, { commitDeadlineMs: 200 });
    const started = performance.now();
    const error = await rejection(w.write(events(1)));
    expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(600);
    expect(w.health().healthy).toBe(false);
  });

  it('turns healthy again through the probe, with no traffic', async () => {
    const db = fakeCommit();
    let databaseUp = false;
    const w = writer(db.commit, {
      commitDeadlineMs: 100,
      probeIntervalMs: 20,
      probe: async () => {
        if (!databaseUp) throw new Error('ECONNREFUSED');
      },
    });
    db.failNext(1_000);
    await rejection(w.write(events(1)));
    const down = w.health();
    expect(down.healthy).toBe(false);
    expect(down.lastError).toMatch(/ECONNREFUSED|Connection terminated/);
    databaseUp = true;
    await vi.waitFor(() => expect(w.health().healthy).toBe(true));
    expect(w.health().since.getTime()).toBeGreaterThanOrEqual(down.since.getTime());
  });

  it('fails only the caller whose event the database rejects as invalid', async () => {
    const good = events(2);
    const bad = events(1);
    const badKey = bad[0]!.idempotencyKey;
    const commit: CommitBatch = async (batch) => {
      if (batch.some((event) => event.idempotencyKey === badKey)) {
        throw Object.assign(new Error('new row violates check constraint'), { code: '23514' });
      }
      return batch.map((event, i) => ({ eventId: event.eventId, globalPosition: String(i + 1) }));
    };
    const w = writer(commit);
    const [ok, failed] = await Promise.allSettled([w.write(good), w.write(bad)]);
    expect(ok.status).toBe('fulfilled');
    expect(failed.status === 'rejected' && (failed.reason as AppError).code).toBe('ERR_INTERNAL');
    expect(w.health().healthy).toBe(true);
  });

  it('commits what is queued on close, then refuses new appends', async () => {
    const db = fakeCommit();
    const w = writer(db.commit, { maxConcurrentFlushes: 1 });
    const pending = [w.write(events(1)), w.write(events(1)), w.write(events(1))];
    await w.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(3);
    expect((await rejection(w.write(events(1)))).code).toBe('ERR_AUDIT_UNAVAILABLE');
  });

  it('rejects invalid limits at construction', () => {
    expect(() => writer(fakeCommit().commit, { maxQueue: 0 })).toThrow(TypeError);
    expect(() => writer(fakeCommit().commit, { commitDeadlineMs: -1 })).toThrow(TypeError);
  });
});
