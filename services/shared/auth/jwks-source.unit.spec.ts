import { describe, expect, it } from 'vitest';
import { localJwks, remoteJwks } from './jwks-source.js';
import { createFixtureKey } from './token-fixture.js';

describe('remoteJwks options', () => {
  it('accepts https and loopback http URLs', () => {
    expect(() => remoteJwks('https://auth.example.test/jwks')).not.toThrow();
    for (const host of ['127.0.0.1:8081', 'localhost:8081', '[::1]:8081']) {
      expect(() => remoteJwks(`http://${host}/jwks`)).not.toThrow();
    }
  });

  it.each([
    ['plain http to a remote host', 'http://auth.example.test/jwks'],
    ['a relative URL', '/jwks'],
    ['another scheme', 'file:///etc/jwks.json'],
  ])('throws TypeError for %s', (_name, url) => {
    expect(() => remoteJwks(url)).toThrow(TypeError);
  });

  it('accepts plain http to a remote host only with allowHttp', () => {
    expect(() => remoteJwks('http://token-service:8081/jwks', { allowHttp: true })).not.toThrow();
    expect(() => remoteJwks('file:///etc/jwks.json', { allowHttp: true })).toThrow(TypeError);
  });

  it('throws TypeError for negative or fractional durations', () => {
    expect(() => remoteJwks('https://auth.example.test/jwks', { cooldownMs: -1 })).toThrow(TypeError);
    expect(() => remoteJwks('https://auth.example.test/jwks', { timeoutMs: 1.5 })).toThrow(TypeError);
  });
});

describe('localJwks', () => {
  it('is always ready', async () => {
    const key = await createFixtureKey('ES256');
    const keys = localJwks({ keys: [key.publicJwk] });
    expect(keys.ready()).toBe(true);
    await expect(keys.warm()).resolves.toBe(true);
  });

  it('throws TypeError when given a private key', async () => {
    const key = await createFixtureKey('ES256');
    expect(() => localJwks({ keys: [{ ...key.publicJwk, d: 'secret' }] })).toThrow(TypeError);
    expect(() => localJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toThrow(TypeError);
  });
});
