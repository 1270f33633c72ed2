import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config/index.js';
import { DEFAULT_REDIRECT_URIS, DEV_CLIENT_SECRET, loadDevIdpConfig } from './config.js';

describe('loadDevIdpConfig', () => {
  it('defaults to the loopback dev IdP the token service expects', () => {
    expect(loadDevIdpConfig({})).toEqual({
      port: 8082,
      host: '127.0.0.1',
      issuer: 'http://127.0.0.1:8082',
      appEnv: 'development',
      allowNonLoopback: false,
      clients: [
        {
          client_id: 'mcp-token-service',
          client_secret: DEV_CLIENT_SECRET,
          redirect_uris: [
            'http://127.0.0.1:8081/auth/callback',
            'http://127.0.0.1:8081/oauth/upstream/callback',
          ],
        },
      ],
    });
    expect(DEFAULT_REDIRECT_URIS).toHaveLength(2);
  });

  it('reads the OIDC_* variables the token service shares', () => {
    const config = loadDevIdpConfig({
      PORT: '9100',
      OIDC_ISSUER: 'http://localhost:9100/',
      OIDC_CLIENT_ID: 'ts',
      OIDC_CLIENT_SECRET: 'other',
      OIDC_REDIRECT_URIS: ' http://127.0.0.1:9/a , http://127.0.0.1:9/b ,',
      APP_ENV: 'test',
    });
    expect(config.issuer).toBe('http://localhost:9100');
    expect(config.port).toBe(9100);
    expect(config.appEnv).toBe('test');
    expect(config.clients).toEqual([
      {
        client_id: 'ts',
        client_secret: 'other',
        redirect_uris: ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b'],
      },
    ]);
  });

  it('derives the issuer from the real port when PORT=0', () => {
    expect(loadDevIdpConfig({ PORT: '0' }).issuer).toBeUndefined();
  });

  it('names every bad variable at once', () => {
    let failure: unknown;
    try {
      loadDevIdpConfig({ PORT: 'x', OIDC_REDIRECT_URIS: 'not-a-url', APP_ENV: 'prod', HOST: '0.0.0.0' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/OIDC_REDIRECT_URIS/);
    expect(problems).toMatch(/APP_ENV/);
    expect(problems).toMatch(/OIDC_ISSUER is required when HOST=0\.0\.0\.0/);
  });
});
