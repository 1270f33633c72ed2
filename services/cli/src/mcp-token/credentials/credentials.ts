import { z } from 'zod';

const accessTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  /** ISO 8601; absent when the server did not say. */
  expires_at: z.string().optional(),
  scope: z.string(),
});

/**
 * The credentials file (version 1). One login: the token service and its endpoints, the client
 * registered for this CLI, the refresh token of the grant, and the latest access token per resource
 * (the MCP server, and the token service's own APIs when one was needed).
 */
export const credentialsSchema = z.object({
  version: z.literal(1),
  /** The token service (authorization server issuer). */
  server: z.string().url(),
  /** Authorization server metadata (RFC 8414) as discovered at login, so later commands need no discovery. */
  authorization_server: z
    .object({
      issuer: z.string(),
      authorization_endpoint: z.string(),
      token_endpoint: z.string(),
      revocation_endpoint: z.string().optional(),
      authorization_response_iss_parameter_supported: z.boolean().optional(),
    })
    .passthrough(),
  /** The client registered dynamically at login (public native client, RFC 7591 / RFC 8252). */
  client: z.object({ client_id: z.string().min(1), redirect_uri: z.string() }),
  /** The MCP server's resource URL (RFC 8707): the audience of the tokens `header` prints. */
  resource: z.string().url(),
  subject: z.string().optional(),
  refresh_token: z.string().optional(),
  /** Resource URL → its latest access token. */
  access_tokens: z.record(z.string(), accessTokenSchema),
  updated_at: z.string(),
});

export type Credentials = z.infer<typeof credentialsSchema>;
export type StoredAccessToken = z.infer<typeof accessTokenSchema>;
