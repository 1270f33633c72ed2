import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../../shared/http/index.js';

const styles = `
:root{color-scheme:light dark;--fg:#1c1f24;--muted:#5c6470;--bg:#f4f5f7;--card:#fff;--line:#dde1e6;--accent:#1a56db;--danger:#b42318}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#16181b;--card:#202327;--line:#33373d;--accent:#8ab4f8;--danger:#f28b82}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:460px;margin:48px auto;padding:28px;background:var(--card);border:1px solid var(--line);border-radius:12px}
h1{font-size:1.3rem;margin:0 0 4px}
p{margin:0 0 16px;color:var(--muted)}
.badge{display:inline-block;font-size:.75rem;padding:2px 8px;border-radius:999px;border:1px solid var(--line);color:var(--muted);margin-bottom:12px}
form{margin:0}
ul{list-style:none;margin:0 0 16px;padding:0}
li{margin:0 0 8px}
button{width:100%;text-align:left;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px;padding:10px 14px;cursor:pointer}
button:hover,button:focus-visible{border-color:var(--accent);outline:none}
button .name{display:block;font-weight:600}
button .meta{display:block;font-size:.85rem;color:var(--muted)}
button.deny{text-align:center;color:var(--danger)}
code{font-size:.85rem}
`;

// Inline styles are allowed by hash only, so the pages run under a CSP with no script at all.
const styleHash = createHash('sha256').update(styles).digest('base64');

/**
 * Security headers for every page the dev IdP renders. There is deliberately no `form-action`
 * directive: browsers apply it to the redirects that follow a form POST, and ours end at the client.
 */
export const pageHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${styleHash}'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

/** A complete HTML document; `title` is escaped here, `body` must already be safe HTML. */
export function htmlDocument(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body>
<main>
<span class="badge">Development identity provider: not for production</span>
${body}
</main>
</body>
</html>
`;
}

/** Sends a rendered page with {@link pageHeaders}. */
export function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...pageHeaders, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
