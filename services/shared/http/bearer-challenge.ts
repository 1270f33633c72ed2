/**
 * A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3) carrying the protected resource metadata
 * URL (RFC 9728 §5.1) so clients can discover the authorization server.
 */
export function bearerChallenge(params: {
  resourceMetadataUrl: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  scope?: readonly string[];
}): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error="${params.error}"`);
  if (params.description) parts.push(`error_description="${quote(params.description)}"`);
  if (params.scope && params.scope.length > 0) parts.push(`scope="${quote(params.scope.join(' '))}"`);
  parts.push(`resource_metadata="${quote(params.resourceMetadataUrl)}"`);
  return `Bearer ${parts.join(', ')}`;
}

// RFC 6750 §3: error_description uses %x20-21 / %x23-5B / %x5D-7E only.
function quote(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}
