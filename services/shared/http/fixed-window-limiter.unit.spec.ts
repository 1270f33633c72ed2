import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from './fixed-window-limiter.js';

function limiter(options: { perKey: number; total: number; maxKeys?: number }) {
  let now = 1_000_000;
  const limit = new FixedWindowLimiter({ ...options, windowMs: 60_000, now: () => now });
  return { limit, advance: (ms: number) => (now += ms) };
}

const allowed = (decisions: { allowed: boolean }[]) => decisions.map((decision) => decision.allowed);

describe('FixedWindowLimiter', () => {
  it('allows perKey takes per key per window, then says how long until the window ends', () => {
    const { limit, advance } = limiter({ perKey: 2, total: 100 });
    expect(allowed([limit.take('a'), limit.take('a'), limit.take('b')])).toEqual([true, true, true]);
    advance(15_000);
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterMs: 45_000 });
    // Refusals do not count: a new window allows the key again.
    advance(45_000);
    expect(allowed([limit.take('a'), limit.take('a'), limit.take('a')])).toEqual([true, true, false]);
  });

  it('bounds all keys together, and keys beyond maxKeys share one count', () => {
    const { limit } = limiter({ perKey: 2, total: 3 });
    expect(allowed(['a', 'b', 'c', 'd'].map((key) => limit.take(key)))).toEqual([true, true, true, false]);

    const many = limiter({ perKey: 2, total: 100, maxKeys: 2 }).limit;
    expect(allowed(['a', 'b', 'c', 'd', 'e', 'a'].map((key) => many.take(key)))).toEqual([
      true,
      true,
      true,
      true,
      false,
      true,
    ]);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new FixedWindowLimiter({ perKey: 0, total: 1, windowMs: 1 })).toThrow(/perKey/);
    expect(() => new FixedWindowLimiter({ perKey: 1, total: 1.5, windowMs: 1 })).toThrow(/total/);
  });
});
