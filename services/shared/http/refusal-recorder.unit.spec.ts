import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../event-store/events.js';
import { type FoldedRefusals, RefusalRecorder } from './refusal-recorder.js';

function recorder(burst: number, globalBurst = 1_000) {
  const appended: AuditEvent[] = [];
  const folded: FoldedRefusals[] = [];
  const errors: unknown[] = [];
  const rejections = new RefusalRecorder({
    append: async (events) => {
      appended.push(...(Array.isArray(events) ? events : [events]));
      return [];
    },
    burst,
    globalBurst,
    windowMs: 60_000,
    clock: () => new Date('2026-11-29T12:00:00.000Z'),
    onError: (error) => errors.push(error),
    onFolded: (summary) => folded.push(summary),
  });
  return { rejections, appended, folded, errors };
}

const rejection = (address: string, reasonCode: string) =>
  ({
    type: 'auth.rejected',
    service: 'mcp-server',
    instanceId: 'mcp-1',
    actor: {},
    request: { method: 'POST /mcp' },
    decision: 'deny',
    reasonCode,
    source: { address },
    data: { detail: 'bad token' },
  }) as const;

describe('RefusalRecorder', () => {
  it('writes the first rejections of a source and reason one by one, then counts the rest', async () => {
    const { rejections, appended, folded } = recorder(2);
    const answers = Array.from({ length: 5 }, () =>
      rejections.record(rejection('10.0.0.1', 'ERR_TOKEN_EXPIRED')),
    );
    expect(answers.map((pending) => pending !== undefined)).toEqual([true, true, false, false, false]);
    await Promise.all(answers);
    expect(appended.map((event) => event.data)).toEqual([
      { detail: 'bad token', count: 1 },
      { detail: 'bad token', count: 1 },
    ]);

    await rejections.close();
    expect(appended).toHaveLength(3);
    expect(appended[2]).toMatchObject({
      reasonCode: 'ERR_TOKEN_EXPIRED',
      source: { address: '10.0.0.1' },
      data: { count: 3, windowStartedAt: '2026-11-29T12:00:00.000Z' },
    });
    expect(folded).toEqual([
      {
        type: 'auth.rejected',
        source: '10.0.0.1',
        reasonCode: 'ERR_TOKEN_EXPIRED',
        count: 3,
        windowStartedAt: new Date('2026-11-29T12:00:00.000Z'),
      },
    ]);
  });

  it('keeps sources and reasons apart, caps individual events over all sources, and starts a new window', async () => {
    const { rejections, appended, folded } = recorder(1, 2);
    rejections.record(rejection('10.0.0.1', 'ERR_TOKEN_EXPIRED'));
    rejections.record(rejection('10.0.0.1', 'ERR_TOKEN_MALFORMED'));
    // The global burst (2) is spent: a third source is folded at once.
    expect(rejections.record(rejection('10.0.0.2', 'ERR_TOKEN_EXPIRED'))).toBeUndefined();
    await rejections.flush();
    expect(appended.map((event) => (event.data as { count?: number }).count)).toEqual([1, 1, 1]);
    expect(folded.map((summary) => [summary.source, summary.count])).toEqual([['10.0.0.2', 1]]);

    // A new window: individual again, and nothing left to fold.
    expect(rejections.record(rejection('10.0.0.2', 'ERR_TOKEN_EXPIRED'))).toBeDefined();
    await rejections.close();
    expect(folded).toHaveLength(1);
  });

  it('folds login failures apart from token rejections of the same source and reason', async () => {
    const { rejections, appended, folded } = recorder(1);
    const loginFailure = {
      type: 'login.failed',
      service: 'token-service',
      instanceId: 'ts-1',
      actor: {},
      decision: 'deny',
      reasonCode: 'ERR_LOGIN_STATE_MISSING',
      source: { address: '10.0.0.1' },
      data: { issuer: 'https://accounts.google.com', detail: 'no sign-in was started' },
    } as const;
    expect(rejections.record(rejection('10.0.0.1', 'ERR_LOGIN_STATE_MISSING'))).toBeDefined();
    expect(rejections.record(loginFailure)).toBeDefined();
    expect(rejections.record(loginFailure)).toBeUndefined();
    expect(rejections.record(loginFailure)).toBeUndefined();
    await rejections.close();
    expect(appended.map((event) => [event.type, (event.data as { count?: number }).count])).toEqual([
      ['auth.rejected', 1],
      ['login.failed', 1],
      ['login.failed', 2],
    ]);
    expect(appended[2]).toMatchObject({
      data: { issuer: 'https://accounts.google.com', detail: 'no sign-in was started', count: 2 },
    });
    expect(folded.map((summary) => [summary.type, summary.reasonCode, summary.count])).toEqual([
      ['login.failed', 'ERR_LOGIN_STATE_MISSING', 2],
    ]);
  });

  it('writes the other counts when the store refuses one of them', async () => {
    const appended: AuditEvent[] = [];
    const errors: unknown[] = [];
    const rejections = new RefusalRecorder({
      append: async (events) => {
        const batch = Array.isArray(events) ? events : [events];
        if (batch.some((event) => event.reasonCode === 'ERR_POISONED')) throw new TypeError('not storable');
        appended.push(...batch);
        return [];
      },
      burst: 1,
      globalBurst: 1_000,
      windowMs: 60_000,
      onError: (error) => errors.push(error),
    });
    for (const reason of ['ERR_TOKEN_EXPIRED', 'ERR_POISONED', 'ERR_TOKEN_MALFORMED'])
      for (let i = 0; i < 3; i++) await rejections.record(rejection('10.0.0.1', reason))?.catch(() => {});
    appended.length = 0;
    await rejections.close();
    expect(appended.map((event) => [event.reasonCode, (event.data as { count: number }).count])).toEqual([
      ['ERR_TOKEN_EXPIRED', 2],
      ['ERR_TOKEN_MALFORMED', 2],
    ]);
    expect(errors).toHaveLength(1);
  });
});
