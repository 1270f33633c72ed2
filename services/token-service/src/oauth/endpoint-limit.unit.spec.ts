import { describe, expect, it } from 'vitest';
import { routesTo, sourceKey } from './endpoint-limit.js';

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

describe('sourceKey', () => {
  it('counts IPv4 addresses one by one and IPv6 addresses by their /64', () => {
    expect(sourceKey('198.51.100.7')).toBe('198.51.100.7');
    for (const address of ['::ffff:198.51.100.7', '64:ff9b::198.51.100.7', '0:0:0:0:0:ffff:198.51.100.7'])
      expect(sourceKey(address)).toBe('198.51.100.7');
    for (const address of ['2001:db8:1:2::1', '2001:DB8:1:2:ffff:ffff:ffff:fffe', '2001:0db8:0001:0002::'])
      expect(sourceKey(address)).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('2001:db8:1:3::1')).not.toBe(sourceKey('2001:db8:1:2::1'));
  });
});
