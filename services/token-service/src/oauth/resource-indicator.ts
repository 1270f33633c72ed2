/**
 * Whether a `resource` parameter (RFC 8707 §2) names the MCP server this authorization server
 * protects. Real clients differ in whether they add a trailing slash to the path, so one trailing
 * slash is tolerated; anything else (another host, path, port, a query) is a different resource.
 *
 * @example
 * matchesResource('http://127.0.0.1:8080/mcp/', 'http://127.0.0.1:8080/mcp'); // true
 * matchesResource('http://127.0.0.1:8080/other', 'http://127.0.0.1:8080/mcp'); // false
 */
export function matchesResource(indicator: string, resourceUrl: string): boolean {
  const requested = URL.parse(indicator);
  const expected = URL.parse(resourceUrl);
  if (requested === null || expected === null || requested.hash !== '') return false;
  return withoutTrailingSlash(requested.href) === withoutTrailingSlash(expected.href);
}

function withoutTrailingSlash(href: string): string {
  return href.endsWith('/') ? href.slice(0, -1) : href;
}
