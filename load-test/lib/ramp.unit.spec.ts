import { describe, expect, it } from 'vitest';
import { parseDuration, parseRamp, usersAt } from './ramp.js';

describe('ramp', () => {
  it('parses durations with units, a bare number being seconds', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5')).toBe(1_500);
    expect(() => parseDuration('5 minutes')).toThrow(TypeError);
  });

  it('parses FROM:TO:DURATION and a constant count', () => {
    expect(parseRamp('10:100:5m')).toEqual({ from: 10, to: 100, durationMs: 300_000 });
    expect(parseRamp('8')).toEqual({ from: 8, to: 8, durationMs: 0 });
    expect(() => parseRamp('10:100')).toThrow(/FROM:TO:DURATION/);
    expect(() => parseRamp('-1:5:1s')).toThrow(/user count/);
    expect(() => parseRamp('1:20000:1s')).toThrow(/user count/);
  });

  it('interpolates linearly and then holds the target, up or down', () => {
    const up = parseRamp('10:100:10s');
    expect(usersAt(up, 0)).toBe(10);
    expect(usersAt(up, 5_000)).toBe(55);
    expect(usersAt(up, 10_000)).toBe(100);
    expect(usersAt(up, 60_000)).toBe(100);
    const down = parseRamp('100:10:10s');
    expect(usersAt(down, 5_000)).toBe(55);
    expect(usersAt(parseRamp('7'), 1_000)).toBe(7);
  });
});
