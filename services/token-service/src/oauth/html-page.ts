import { escapeHtml } from '../../../shared/http/index.js';

export { escapeHtml };

/** Headers for every HTML page of the token service: no script, no framing, no referrer, no caching. */
export const htmlPageHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
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
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px}pre,textarea{width:100%;white-space:pre-wrap;word-break:break-all;font-size:.85rem}code{font-size:.85rem}.error{color:#b42318}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
