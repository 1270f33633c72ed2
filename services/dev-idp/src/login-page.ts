import { escapeHtml } from '../../shared/http/index.js';
import type { DevUser } from './dev-users.js';
import { htmlDocument } from './html-page.js';

/** What the login page shows. */
export interface LoginPageModel {
  /** The interaction's uid: the form posts back to `/interaction/<uid>`. */
  readonly uid: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly users: readonly DevUser[];
}

/**
 * The login page: one POST form with a button per dev user (`user=<email>`) and a Deny button
 * (`action=deny`). Every value that reaches the page is escaped. The form carries no separate CSRF
 * token: the interaction uid in the URL must match oidc-provider's `SameSite=Lax` interaction cookie
 * and is accepted once.
 */
export function renderLoginPage(model: LoginPageModel): string {
  const action = `/interaction/${encodeURIComponent(model.uid)}`;
  const users = model.users
    .map(
      (user) =>
        `<li><button type="submit" name="user" value="${escapeHtml(user.email)}">` +
        `<span class="name">${escapeHtml(user.name)}</span>` +
        `<span class="meta">${escapeHtml(user.email)} · ${escapeHtml(user.description)}` +
        `${user.emailVerified ? '' : ' · email unverified'}` +
        `${user.groups.length > 0 ? ` · groups: ${escapeHtml(user.groups.join(', '))}` : ''}</span>` +
        `</button></li>`,
    )
    .join('\n');
  return htmlDocument(
    'Sign in: dev IdP',
    `<h1>Sign in</h1>
<p>to <code>${escapeHtml(model.clientId)}</code>, which asks for <code>${escapeHtml(model.scopes.join(' '))}</code>. Choose a dev user.</p>
<form method="post" action="${escapeHtml(action)}">
<ul>
${users}
</ul>
<button class="deny" type="submit" name="action" value="deny">Deny</button>
</form>`,
  );
}

/** A page for a request the dev IdP refuses (the message is escaped). */
export function renderErrorPage(title: string, message: string): string {
  return htmlDocument(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
