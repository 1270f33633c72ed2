import { CookieJar } from './cookie-jar.js';
import { clickButton, type FormSubmission, type HtmlForm, parseHtmlForms } from './html-forms.js';

/**
 * Where a scripted login stops: a URL (or string) matches on origin and path, ignoring the query;
 * a function decides for itself. The matching URL is returned, never fetched, so it may be the
 * loopback callback of a CLI that is not listening.
 */
export type StopAt = string | URL | ((url: URL) => boolean);

/** A page the script landed on (status 200, HTML). */
export interface ScriptedPage {
  readonly url: URL;
  readonly status: number;
  readonly html: string;
  readonly forms: readonly HtmlForm[];
}

interface ScriptedLoginCommon {
  readonly stopAt: StopAt;
  /** Cookies carried across calls (one browser profile); a fresh jar per call by default. */
  readonly cookies?: CookieJar;
  readonly fetch?: typeof globalThis.fetch;
  /** Requests before giving up; default 30. */
  readonly maxSteps?: number;
  /**
   * Handles a page the script does not know (e.g. a consent page of the token service): return the
   * submission to make, or undefined to fall back to the dev IdP login form.
   */
  readonly onPage?: (page: ScriptedPage) => FormSubmission | undefined;
}

/** Options of {@link scriptedLogin}: sign in as `user`, or press Deny. */
export type ScriptedLoginOptions = ScriptedLoginCommon &
  ({ readonly user: string; readonly deny?: never } | { readonly deny: true; readonly user?: never });

/** Why a scripted login stopped early; `trail` lists every request made, in order. */
export class ScriptedLoginError extends Error {
  readonly code: 'ERR_LOGIN_UNEXPECTED_RESPONSE' | 'ERR_LOGIN_NO_CHOICE' | 'ERR_LOGIN_TOO_MANY_STEPS';
  readonly trail: readonly string[];
  readonly status: number | undefined;

  constructor(code: ScriptedLoginError['code'], message: string, trail: readonly string[], status?: number) {
    super(`${message}\n  trail:\n    ${trail.join('\n    ')}`);
    this.name = 'ScriptedLoginError';
    this.code = code;
    this.trail = trail;
    this.status = status;
  }
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Does what a person in a browser does: opens `authorizationUrl`, follows redirects across any
 * number of hosts (a token service in the middle included), carries cookies as a browser does
 * ({@link CookieJar}), and on the dev IdP login page clicks the button of `user` (or Deny), until it
 * reaches a URL matching `stopAt`, which it returns without fetching.
 *
 * @throws ScriptedLoginError on an error page, a page with no matching button, or a redirect loop.
 *
 * @example
 * const callback = await scriptedLogin(authorizationUrl, {
 *   user: 'alice@example.com',
 *   stopAt: 'http://127.0.0.1:8081/auth/callback',
 * });
 * callback.searchParams.get('code');
 */
export async function scriptedLogin(
  authorizationUrl: string | URL,
  options: ScriptedLoginOptions,
): Promise<URL> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const jar = options.cookies ?? new CookieJar();
  const maxSteps = options.maxSteps ?? 30;
  const stop = stopPredicate(options.stopAt);
  const trail: string[] = [];
  let url = new URL(authorizationUrl);
  let method: 'GET' | 'POST' = 'GET';
  let body: URLSearchParams | undefined;
  let origin: string | undefined;

  for (let step = 0; step < maxSteps; step += 1) {
    if (stop(url)) return url;
    const headers = new Headers({
      accept: 'text/html,application/xhtml+xml',
      'user-agent': 'dev-idp-scripted-login',
    });
    const cookie = jar.cookieHeader(url);
    if (cookie !== undefined) headers.set('cookie', cookie);
    if (method === 'POST') {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      // Browsers send Origin on a form POST; servers use it against cross-site submissions.
      if (origin !== undefined) headers.set('origin', origin);
    }
    const response = await doFetch(url, { method, headers, body, redirect: 'manual' });
    trail.push(`${method} ${url.href} -> ${response.status}`);
    jar.storeFrom(url, response.headers);

    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) {
        throw new ScriptedLoginError('ERR_LOGIN_UNEXPECTED_RESPONSE', 'redirect without Location', trail);
      }
      url = new URL(location, url);
      // Fetch §4.4 (HTTP-redirect fetch): 303, and 301/302 after a POST, become a GET.
      if (response.status === 303 || (method === 'POST' && response.status < 307)) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }

    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !contentType.includes('html')) {
      throw new ScriptedLoginError(
        'ERR_LOGIN_UNEXPECTED_RESPONSE',
        `${response.status} from ${url.href}: ${pageText(text)}`,
        trail,
        response.status,
      );
    }
    const page: ScriptedPage = { url, status: response.status, html: text, forms: parseHtmlForms(text, url) };
    const submission = options.onPage?.(page) ?? choose(page, options);
    origin = url.origin;
    url = new URL(submission.action);
    if (submission.method === 'GET') {
      for (const [name, value] of submission.fields) url.searchParams.append(name, value);
      method = 'GET';
      body = undefined;
    } else {
      method = 'POST';
      body = new URLSearchParams();
      for (const [name, value] of submission.fields) body.append(name, value);
    }
  }
  throw new ScriptedLoginError(
    'ERR_LOGIN_TOO_MANY_STEPS',
    `no URL matched stopAt within ${maxSteps} requests`,
    trail,
  );

  function choose(page: ScriptedPage, choice: ScriptedLoginOptions): FormSubmission {
    const [name, value] = choice.deny ? ['action', 'deny'] : ['user', choice.user];
    const submission = clickButton(page.forms, name, value);
    if (submission) return submission;
    const offered = page.forms.flatMap((form) => form.buttons.map((b) => `${b.name}=${b.value}`));
    throw new ScriptedLoginError(
      'ERR_LOGIN_NO_CHOICE',
      `no button ${name}=${value} on ${page.url.href} (buttons: ${offered.join(', ') || 'none'}): ${pageText(page.html)}`,
      trail,
      page.status,
    );
  }
}

/**
 * A {@link StopAt} as a predicate. A URL or string matches on origin and path; a loopback callback
 * of a native app (RFC 8252 §7.3) is matched on its exact port too, so pass a function to accept any.
 */
export function stopPredicate(stopAt: StopAt): (url: URL) => boolean {
  if (typeof stopAt === 'function') return stopAt;
  const target = new URL(stopAt);
  return (url) => url.origin === target.origin && url.pathname === target.pathname;
}

function pageText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
