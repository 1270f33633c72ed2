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

/** The resources this authorization server issues tokens for. */
export interface ResourceServers {
  /** The MCP server's canonical resource URL. */
  readonly mcp: string;
  /** The token service itself (its issuer URL): the audience of audit and revocation API tokens. */
  readonly tokenService: string;
}

/** A resource server a `resource` indicator resolved to: the token's audience and the scopes it may carry. */
export interface ResolvedResourceServer {
  readonly audience: string;
  readonly scopes: readonly string[];
}

/** Scopes a token for the token service's own APIs may carry (the rest are the MCP server's business). */
export const tokenServiceApiScopes: readonly string[] = Object.freeze(['audit:read', 'tokens:revoke']);

/**
 * Resolves a `resource` indicator (RFC 8707) to the resource server it names: the MCP server (every
 * contract scope) or the token service's own APIs (`audit:read`, `tokens:revoke` only); undefined for
 * anything else. Which of those scopes a user gets is still decided by policy. Pure.
 *
 * @example
 * resolveResourceServer('http://127.0.0.1:8081/', { mcp: 'http://127.0.0.1:8080/mcp', tokenService: 'http://127.0.0.1:8081' }, allScopes);
 * // { audience: 'http://127.0.0.1:8081', scopes: ['audit:read', 'tokens:revoke'] }
 */
export function resolveResourceServer(
  indicator: string,
  servers: ResourceServers,
  mcpScopes: readonly string[],
): ResolvedResourceServer | undefined {
  if (matchesResource(indicator, servers.mcp)) return { audience: servers.mcp, scopes: mcpScopes };
  if (matchesResource(indicator, servers.tokenService)) {
    return { audience: servers.tokenService, scopes: tokenServiceApiScopes };
  }
  return undefined;
}

function withoutTrailingSlash(href: string): string {
  return href.endsWith('/') ? href.slice(0, -1) : href;
}
