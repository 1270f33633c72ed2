import { describe, expect, it } from 'vitest';
import { randomHex } from './random-id.js';

describe('randomHex', () => {
  it('gives lower-case hex of the asked length, distinct across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => randomHex(i % 2 === 0 ? 8 : 16));
    ids.forEach((id, i) => {
      expect(id).toMatch(i % 2 === 0 ? /^[0-9a-f]{16}$/ : /^[0-9a-f]{32}$/);
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a length it cannot serve', () => {
    expect(() => randomHex(0)).toThrow(RangeError);
    expect(() => randomHex(65)).toThrow(RangeError);
  });
});
