import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse-policy.js';
import { PolicyError } from './policy-error.js';

describe('parsePolicy', () => {
  it('parses one document held in memory and stamps version and hash into its ref', () => {
    const policy = parsePolicy('id: demo\nversion: 3\ntools: {}\nidentities: []\n', 'demo.yaml');
    expect(policy.ref).toEqual({ id: 'demo', version: '3', hash: policy.hash });
    expect(policy.file).toBe('demo.yaml');
    expect(policy.tools.size).toBe(0);
  });

  it('throws PolicyError naming the given file, line, column and problem', () => {
    expect(() =>
      parsePolicy('id: demo\nversion: 3\ntools: {}\nidentities: []\nextra: 1\n', 'demo.yaml'),
    ).toThrow(PolicyError);
    expect(() =>
      parsePolicy('id: demo\nversion: 3\ntools: {}\nidentities: []\nextra: 1\n', 'demo.yaml'),
    ).toThrow('demo.yaml:5:1: unknown key "extra" (allowed: id, version, description, tools, identities)');
  });
});
