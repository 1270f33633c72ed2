import { errorCodes } from '../../../shared/errors/index.js';
import { escapeHtml, htmlDocument } from '../oauth/html-page.js';
import type { LoginFailureCode } from './login-flow.js';

/** The page a user sees when signing in gave them no token, saying why (every value escaped). */
export function renderLoginFailedPage(failure: {
  code: LoginFailureCode;
  message: string;
  /** Where to go back to, e.g. the MCP client that is waiting (it receives `access_denied`). */
  returnTo?: string | undefined;
}): string {
  const back = failure.returnTo
    ? `<p><a href="${escapeHtml(failure.returnTo)}">Return to the application</a></p>`
    : '<p><a href="/auth/login">Sign in again</a></p>';
  return htmlDocument(
    'Sign-in refused',
    `<h1 class="error">No access</h1>
<p>${escapeHtml(errorCodes[failure.code].message)}.</p>
<p>${escapeHtml(failure.message)}</p>
<p>Reason code: <code>${escapeHtml(failure.code)}</code></p>
${back}`,
  );
}

/** The browser flow's result: the token and how to give it to Claude Code (every value escaped). */
export function renderTokenPage(model: {
  subject: string;
  scopes: readonly string[];
  policyVersion: string;
  expiresAt: Date;
  accessToken: string;
  mcpUrl: string;
  next: string | undefined;
}): string {
  const command = `claude mcp add --transport http docs ${model.mcpUrl} --header "Authorization: Bearer ${model.accessToken}"`;
  return htmlDocument(
    'Your access token',
    `<h1>Signed in as ${escapeHtml(model.subject)}</h1>
<p>Scopes: <code>${escapeHtml(model.scopes.join(' '))}</code> (policy version ${escapeHtml(model.policyVersion)}).
Expires at ${escapeHtml(model.expiresAt.toISOString())}.</p>
<h2>Access token</h2>
<textarea readonly rows="6">${escapeHtml(model.accessToken)}</textarea>
<h2>Use it with Claude Code</h2>
<pre>${escapeHtml(command)}</pre>
<p>The token expires; <code>claude mcp login docs</code> (OAuth) gets and refreshes tokens by itself.</p>
${model.next ? `<p><a href="${escapeHtml(model.next)}">Continue</a></p>` : ''}`,
  );
}
