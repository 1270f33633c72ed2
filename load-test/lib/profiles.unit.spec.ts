import { describe, expect, it } from 'vitest';
import { defaultProfiles, parseMix, pickWeighted } from './profiles.js';

describe('profiles', () => {
  it('applies --mix weights to the default profiles and refuses unknown names', () => {
    const mixed = parseMix('reader=1,none=0');
    expect(mixed.map((p) => [p.name, p.weight])).toEqual([
      ['reader', 1],
      ['strategist', 2],
      ['none', 0],
    ]);
    expect(() => parseMix('admin=1')).toThrow(/unknown profile/);
    expect(() => parseMix('reader=0,strategist=0,none=0')).toThrow(/weight 0/);
  });

  it('picks by weight and never an item of weight 0', () => {
    const items = [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 0 },
      { name: 'c', weight: 3 },
    ];
    expect(pickWeighted(items, 0).name).toBe('a');
    expect(pickWeighted(items, 0.2499).name).toBe('a');
    expect(pickWeighted(items, 0.25).name).toBe('c');
    expect(pickWeighted(items, 0.9999).name).toBe('c');
  });

  it('keeps denied calls in the default mix: a reader sometimes asks for the confidential tool', () => {
    const reader = defaultProfiles.find((p) => p.name === 'reader')!;
    expect(reader.scopes).toEqual(['public:read']);
    expect(reader.calls.map((c) => c.tool)).toContain('get_confidential_info');
  });
});
