import { describe, expect, it } from 'vitest';
import { routesTo } from './endpoint-limit.js';

describe('routesTo', () => {
  it('matches every spelling oidc-provider routes to a static path, with or without a query', () => {
    for (const url of [
      '/oauth/register',
      '/oauth/register/',
      '/OAUTH/Register',
      '/oauth/register?x=1',
      '/oauth/register//',
    ])
      expect(routesTo(url, '/oauth/register')).toBe(true);
  });

  it('does not match other paths', () => {
    for (const url of [
      '/oauth/registers',
      '/oauth/token',
      '/oauth',
      '/',
      '/oauth/register/x',
      '/xoauth/register',
    ])
      expect(routesTo(url, '/oauth/register')).toBe(false);
  });
});
