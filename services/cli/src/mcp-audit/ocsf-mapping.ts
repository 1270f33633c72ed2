import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';

/**
 * Audit events as OCSF 1.3.0 events (https://schema.ocsf.io/1.3.0), for SIEM ingestion.
 *
 * | event type                | OCSF class (class_uid)           | activity (activity_id)      | status          |
 * | ------------------------- | -------------------------------- | --------------------------- | --------------- |
 * | login.succeeded           | Authentication (3002)            | Logon (1)                   | Success         |
 * | login.failed              | Authentication (3002)            | Logon (1)                   | Failure         |
 * | auth.rejected             | Authentication (3002)            | Other (99): Validate Token  | Failure         |
 * | token.revoked             | Authentication (3002)            | Logoff (2)                  | Success         |
 * | token.issued              | Authorize Session (3003)         | Assign Privileges (1)       | Success         |
 * | token.refreshed           | Authorize Session (3003)         | Assign Privileges (1)       | Success         |
 * | tools.listed              | API Activity (6003)              | Read (2)                    | Success         |
 * | tool.call.allowed         | API Activity (6003)              | Other (99): Invoke Tool     | Success         |
 * | tool.call.denied          | API Activity (6003)              | Other (99): Invoke Tool     | Failure         |
 * | tool.call.completed       | API Activity (6003)              | Other (99): Invoke Tool     | by outcome      |
 * | audit.queried             | API Activity (6003)              | Read (2)                    | Success         |
 * | policy.activated          | API Activity (6003)              | Update (3)                  | Success         |
 * | audit.checkpoint.sealed   | API Activity (6003)              | Create (1)                  | Success         |
 *
 * Common to all: `time` = recorded_at (epoch ms), `metadata.original_time` = occurred_at,
 * `metadata.uid` = event_id, `metadata.event_code` = the event type, `metadata.correlation_uid`
 * = trace_id; `actor.user.uid` = subject, `actor.app_uid` = client_id, `actor.session.uid` = token
 * id (jti); `src_endpoint.ip` = source address; `http_request.user_agent`; the policy decision in
 * `policies` and `status_detail` (reason code); scopes as `privileges` (Authorize Session) or in
 * `unmapped`; everything without an OCSF attribute (position, content hash, data) in `unmapped`.
 * Severity is Informational (1) for successes and Low (2) for failures and denials; alert
 * priorities belong to the SIEM's detection rules.
 */
export interface OcsfEvent {
  readonly category_uid: number;
  readonly category_name: string;
  readonly class_uid: number;
  readonly class_name: string;
  readonly activity_id: number;
  readonly activity_name: string;
  readonly type_uid: number;
  readonly type_name: string;
  readonly time: number;
  readonly severity_id: number;
  readonly severity: string;
  readonly status_id: number;
  readonly status: string;
  readonly status_code?: string;
  readonly status_detail?: string;
  readonly message: string;
  readonly metadata: Record<string, unknown>;
  readonly actor: Record<string, unknown>;
  readonly [attribute: string]: unknown;
}

export const OCSF_VERSION = '1.3.0';

interface ClassRef {
  readonly categoryUid: number;
  readonly categoryName: string;
  readonly classUid: number;
  readonly className: string;
}

const authentication: ClassRef = {
  categoryUid: 3,
  categoryName: 'Identity & Access Management',
  classUid: 3002,
  className: 'Authentication',
};
const authorizeSession: ClassRef = { ...authentication, classUid: 3003, className: 'Authorize Session' };
const apiActivity: ClassRef = {
  categoryUid: 6,
  categoryName: 'Application Activity',
  classUid: 6003,
  className: 'API Activity',
};

const mapping: Readonly<Record<string, { cls: ClassRef; activityId: number; activityName: string }>> = {
  'login.succeeded': { cls: authentication, activityId: 1, activityName: 'Logon' },
  'login.failed': { cls: authentication, activityId: 1, activityName: 'Logon' },
  'auth.rejected': { cls: authentication, activityId: 99, activityName: 'Validate Token' },
  'token.revoked': { cls: authentication, activityId: 2, activityName: 'Logoff' },
  'token.issued': { cls: authorizeSession, activityId: 1, activityName: 'Assign Privileges' },
  'token.refreshed': { cls: authorizeSession, activityId: 1, activityName: 'Assign Privileges' },
  'tools.listed': { cls: apiActivity, activityId: 2, activityName: 'Read' },
  'tool.call.allowed': { cls: apiActivity, activityId: 99, activityName: 'Invoke Tool' },
  'tool.call.denied': { cls: apiActivity, activityId: 99, activityName: 'Invoke Tool' },
  'tool.call.completed': { cls: apiActivity, activityId: 99, activityName: 'Invoke Tool' },
  'audit.queried': { cls: apiActivity, activityId: 2, activityName: 'Read' },
  'policy.activated': { cls: apiActivity, activityId: 3, activityName: 'Update' },
  'audit.checkpoint.sealed': { cls: apiActivity, activityId: 1, activityName: 'Create' },
};

/** Whether the event reports a failure: a deny, a failed login, or a tool that failed. */
function failed(event: PublicAuditEvent): boolean {
  if (event.type === 'tool.call.completed') return event.data.outcome === 'error';
  return event.decision === 'deny' || event.type === 'login.failed' || event.type === 'auth.rejected';
}

/**
 * Maps one audit event to OCSF (see the table above).
 *
 * @example
 * toOcsf(event).class_uid; // 6003 for a tool.call.denied
 */
export function toOcsf(event: PublicAuditEvent): OcsfEvent {
  const { cls, activityId, activityName } = mapping[event.type] ?? {
    cls: apiActivity,
    activityId: 99,
    activityName: event.type,
  };
  const failure = failed(event);
  const status = failure ? { status_id: 2, status: 'Failure' } : { status_id: 1, status: 'Success' };
  const reason =
    event.reason_code ??
    (event.type === 'tool.call.completed' ? (event.data.errorCode as string | undefined) : undefined);
  const policy = event.policy_version
    ? {
        uid: event.policy_hash ?? undefined,
        name: event.policy_id ?? undefined,
        version: event.policy_version,
      }
    : undefined;
  const user = event.subject
    ? { uid: event.subject, ...(event.subject.includes('@') ? { email_addr: event.subject } : {}) }
    : undefined;

  const ocsf: Record<string, unknown> = {
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    class_uid: cls.classUid,
    class_name: cls.className,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: cls.classUid * 100 + activityId,
    type_name: `${cls.className}: ${activityName}`,
    time: Date.parse(event.recorded_at),
    severity_id: failure ? 2 : 1,
    severity: failure ? 'Low' : 'Informational',
    ...status,
    ...(reason ? { status_code: reason, status_detail: reason } : {}),
    message: describe(event),
    metadata: {
      version: OCSF_VERSION,
      product: {
        name: 'MCP authorization platform',
        vendor_name: 'mcp-authz-platform',
        feature: { name: event.service },
      },
      uid: event.event_id,
      event_code: event.type,
      original_time: event.occurred_at,
      logged_time: Date.parse(event.recorded_at),
      log_name: 'audit_events',
      ...(event.trace_id ? { correlation_uid: event.trace_id } : {}),
    },
    actor: {
      ...(user ? { user } : {}),
      ...(event.client_id ? { app_uid: event.client_id } : {}),
      ...(event.token_id ? { session: { uid: event.token_id } } : {}),
      app_name: event.service,
    },
    ...(event.source_address || event.user_agent
      ? { src_endpoint: event.source_address ? { ip: event.source_address } : {} }
      : {}),
    ...(event.user_agent ? { http_request: { user_agent: event.user_agent } } : {}),
    ...(event.decision || policy
      ? {
          policies: [
            {
              ...(policy ?? {}),
              is_applied: true,
              ...(event.decision ? { desc: `decision: ${event.decision}` } : {}),
            },
          ],
        }
      : {}),
    unmapped: {
      position: event.position,
      content_hash: event.content_hash,
      instance_id: event.instance_id,
      decision: event.decision,
      scopes_required: event.scopes_required,
      scopes_granted: event.scopes_granted,
      span_id: event.span_id,
      data: event.data,
    },
  };

  if (cls === apiActivity) {
    ocsf.api = {
      operation: event.mcp_method ?? event.type,
      ...(event.jsonrpc_id ? { request: { uid: event.jsonrpc_id } } : {}),
      service: { name: event.tool_name ?? event.service },
    };
    if (event.tool_name) ocsf.resources = [{ name: event.tool_name, type: 'MCP tool' }];
    if (!ocsf.src_endpoint) ocsf.src_endpoint = {};
  } else if (cls === authorizeSession) {
    ocsf.user = user ?? {};
    ocsf.privileges = [...((event.data.scopes as string[] | undefined) ?? event.scopes_granted)];
    ocsf.session = event.token_id ? { uid: event.token_id } : undefined;
    if (typeof event.data.audience === 'string') ocsf.dst_endpoint = { svc_name: event.data.audience };
  } else {
    ocsf.user = user ?? {};
    if (event.token_id) ocsf.session = { uid: event.token_id };
    if (typeof event.data.issuer === 'string') ocsf.auth_protocol = 'OpenID Connect';
  }
  return ocsf as OcsfEvent;
}

function describe(event: PublicAuditEvent): string {
  const who = event.subject ?? 'an unauthenticated caller';
  const what = event.tool_name ? ` ${event.tool_name}` : '';
  const why = event.reason_code && event.reason_code !== 'OK' ? ` (${event.reason_code})` : '';
  return `${event.type}${what} by ${who}${event.decision ? `: ${event.decision}` : ''}${why}`;
}
