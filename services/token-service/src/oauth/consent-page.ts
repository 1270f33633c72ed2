import { escapeHtml, htmlDocument, htmlPageHeaders } from './html-page.js';

/**
 * The page headers with `form-action` opened for the consent form: to this service, and to where
 * the answer then redirects (browsers hold a form's redirects to `form-action` too).
 */
export function consentPageHeaders(redirectUri: string): Record<string, string> {
  const target = new URL(redirectUri);
  const destination =
    target.protocol === 'http:' || target.protocol === 'https:' ? target.origin : target.protocol;
  return {
    ...htmlPageHeaders,
    'content-security-policy': (htmlPageHeaders['content-security-policy'] ?? '').replace(
      "form-action 'none'",
      `form-action 'self' ${destination}`,
    ),
    // The form's POST then carries this origin (with no-referrer, browsers send `Origin: null`).
    'referrer-policy': 'same-origin',
  };
}

/** Asks the signed-in user whether a client may have access, naming it and where the code goes. */
export function renderConsentPage(model: {
  action: string;
  clientName: string | undefined;
  clientId: string;
  redirectUri: string;
  subject: string;
  scopes: readonly string[];
}): string {
  const target = new URL(model.redirectUri);
  const where = target.protocol === 'http:' || target.protocol === 'https:' ? target.host : target.protocol;
  const name = model.clientName
    ? `“${escapeHtml(model.clientName)}” (${escapeHtml(model.clientId)})`
    : escapeHtml(model.clientId);
  return htmlDocument(
    'Allow access?',
    `<h1>Allow access?</h1>
<p>The application ${name} asks to act as <strong>${escapeHtml(model.subject)}</strong> with these scopes:
<code>${escapeHtml(model.scopes.join(' '))}</code>.</p>
<p>If you allow it, the authorization goes to <strong>${escapeHtml(where)}</strong>
(<code>${escapeHtml(model.redirectUri)}</code>). The name above is what the application registered;
only allow it if you started this sign-in and know that address.</p>
<form method="post" action="${escapeHtml(model.action)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}
