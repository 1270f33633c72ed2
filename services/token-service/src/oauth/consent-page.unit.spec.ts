import { describe, expect, it } from 'vitest';
import { consentPageHeaders, renderConsentPage } from './consent-page.js';

describe('consent page', () => {
  it('lets the form post here and redirect to the client, and nowhere else', () => {
    expect(consentPageHeaders('https://client.example/cb?x=1')['content-security-policy']).toMatch(
      /form-action 'self' https:\/\/client\.example$/,
    );
    expect(consentPageHeaders('com.example.app:/cb')['content-security-policy']).toMatch(
      /form-action 'self' com\.example\.app:$/,
    );
    expect(consentPageHeaders('https://client.example/cb')['content-security-policy']).toContain(
      "default-src 'none'",
    );
  });

  it('escapes everything the client registered', () => {
    const html = renderConsentPage({
      action: '/oauth/interaction/u/consent',
      clientName: '<script>alert(1)</script>',
      clientId: 'c"1',
      redirectUri: 'https://evil.example/cb?a=<b>',
      subject: 'alice@example.com',
      scopes: ['public:read'],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('evil.example');
    expect(html).not.toContain('a=<b>');
  });
});
