import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from './latency-recorder.js';

describe('LatencyRecorder', () => {
  it('gives exact nearest-rank percentiles, the max and the mean', () => {
    const recorder = new LatencyRecorder();
    for (let ms = 100; ms >= 1; ms--) recorder.add(ms);
    expect(recorder.summary()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
  });

  it('grows past its initial capacity and merges another recorder', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    for (let i = 0; i < 5_000; i++) a.add(1);
    b.add(1_000);
    a.merge(b);
    expect(a.count).toBe(5_001);
    expect(a.summary().max).toBe(1_000);
    expect(a.summary().p99).toBe(1);
  });

  it('summarises nothing as zeros', () => {
    expect(new LatencyRecorder().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });
});
