/**
 * The protected resource metadata URL for a resource (RFC 9728 §3.1): the well-known suffix is
 * inserted between the host and the resource's path.
 *
 * @example resourceMetadataUrl('https://mcp.example.com/mcp') // https://mcp.example.com/.well-known/oauth-protected-resource/mcp
 */
export function resourceMetadataUrl(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}
