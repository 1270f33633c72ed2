/**
 * Span and metric attribute names, in one place (emmett's habit): spans, metrics, dashboards and
 * tests refer to these constants, never to string literals. Where OpenTelemetry semantic conventions
 * define a name (`enduser.id`, `http.response.status_code`, `error.type`) it is used as is.
 */
export const telemetryAttributes = {
  mcpMethod: 'mcp.method',
  mcpToolName: 'mcp.tool.name',
  mcpJsonRpcId: 'mcp.jsonrpc.id',
  /** `header` (W3C traceparent on the HTTP request), `meta` (MCP `params._meta`) or absent. */
  mcpTraceContinuedFrom: 'mcp.trace.continued_from',
  mcpToolOutcome: 'mcp.tool.outcome',
  mcpToolsVisible: 'mcp.tools.visible',
  mcpToolsHidden: 'mcp.tools.hidden',
  authzDecision: 'authz.decision',
  authzReason: 'authz.reason',
  authzPolicyId: 'authz.policy.id',
  authzPolicyVersion: 'authz.policy.version',
  authzScopesRequired: 'authz.scopes.required',
  authzScopesGranted: 'authz.scopes.granted',
  authTokenId: 'auth.token.id',
  authResult: 'auth.result',
  enduserId: 'enduser.id',
  oauthClientId: 'oauth.client.id',
  tokenIssuedVia: 'token.issued_via',
  tokenScopes: 'token.scopes',
  tokenTtlSeconds: 'token.ttl_seconds',
  auditEventType: 'audit.event.type',
  auditEventId: 'audit.event.id',
  auditEventCount: 'audit.event.count',
  auditGlobalPosition: 'audit.global_position',
  auditOutcome: 'audit.outcome',
  errorType: 'error.type',
  httpResponseStatusCode: 'http.response.status_code',
} as const;

/** Names of the spans this codebase starts itself (the rest come from instrumentations). */
export const spanNames = {
  /** The MCP request as seen by the route (child of the HTTP span, or continued from `_meta`). */
  mcpRequest: 'mcp.request',
  verifyToken: 'auth.verify_token',
  /** One policy decision: a `tools/call` allow or deny, or the `tools/list` filter. */
  decide: 'authz.decide',
  /** Appending events and awaiting their commit. */
  auditAppend: 'audit.append',
  toolExecute: 'mcp.tool.execute',
  tokenIssue: 'token.issue',
} as const;

/** Metric instrument names (OpenTelemetry naming; Prometheus turns `.` into `_` and adds units). */
export const metricNames = {
  /** Counter: `tools/call` decisions, by tool, decision and reason. */
  decisions: 'mcp.authz.decisions',
  /** Histogram (s): `/mcp` requests from arrival to the last byte, by method and status. */
  requestDuration: 'mcp.server.request.duration',
  /** Histogram (s): one group-commit flush (INSERT + COMMIT), by outcome. */
  auditCommitDuration: 'audit.commit.duration',
  /** Histogram ({event}): events per group-commit flush. */
  auditCommitBatchSize: 'audit.commit.batch_size',
  /** Counter: access tokens issued, by how they were obtained. */
  tokensIssued: 'auth.tokens.issued',
  /** Gauge (s): how far behind the log this replica's revocation set is. */
  revocationFeedLag: 'mcp.revocation.feed.lag',
} as const;

/** The instrumentation scope of every tracer and meter of this codebase. */
export const instrumentationScope = 'mcp-authz-platform';
