import { describe, expect, it } from 'vitest';
import { postgresCpuMsBetween } from './postgres-cpu.js';

describe('postgresCpuMsBetween', () => {
  it('adds what each live process used since the first sample, never a negative share for one that exited', () => {
    const before = new Map([
      [10, 5000],
      [11, 3000],
    ]);
    // 10 used 200 ms more, 11 exited, 12 started and used 50.
    const after = new Map([
      [10, 5200],
      [12, 50],
    ]);
    expect(postgresCpuMsBetween(before, after)).toBe(250);
  });

  it('is undefined when no PostgreSQL process is visible', () => {
    expect(postgresCpuMsBetween(new Map(), new Map())).toBeUndefined();
  });
});
