import { describe, expect, it } from 'vitest';
import { scopes } from '../auth/scopes.js';
import { knownScopes } from './known-scopes.js';

describe('knownScopes', () => {
  it('is the same contract as the scopes tokens are issued and checked with', () => {
    expect([...knownScopes]).toEqual([...scopes]);
  });
});
