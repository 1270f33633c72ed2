import { randomUUID } from 'node:crypto';
import { scopes as knownScopes, type SigningKeys, signAccessToken } from '../../../shared/auth/index.js';
import { AppError } from '../../../shared/errors/index.js';
import type { EventAppender } from '../../../shared/event-store/api.js';
import type { PolicyRef, SourceRef, TokenIssued, TraceRef } from '../../../shared/event-store/events.js';
import {
  activeTraceRef,
  telemetryAttributes as attr,
  inSpan,
  recordTokenIssued,
  spanNames,
} from '../../../shared/telemetry/index.js';

export interface IssueAccessTokenInput {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly clientId: string;
  readonly ttlSeconds: number;
  /** How the token came to be (`dev-token-command`, `authorization_code`, …), for the audit log. */
  readonly issuedVia: string;
  readonly trace?: TraceRef;
  readonly source?: SourceRef;
}

export interface IssuerContext {
  readonly keys: SigningKeys;
  readonly issuerUrl: string;
  readonly audience: string;
  readonly policy: PolicyRef;
  readonly append: EventAppender['append'];
  readonly instanceId: string;
  readonly now?: () => Date;
}

export interface IssuedAccessToken {
  readonly accessToken: string;
  readonly tokenId: string;
  readonly expiresAt: Date;
  readonly scopes: readonly string[];
}

/**
 * Signs an RFC 9068 access token and records `token.issued`; the token is returned only once the
 * event is committed, so no token exists that the audit log does not know about.
 */
export function issueAccessToken(
  context: IssuerContext,
  input: IssueAccessTokenInput,
): Promise<IssuedAccessToken> {
  const attributes = {
    [attr.enduserId]: input.subject,
    [attr.oauthClientId]: input.clientId,
    [attr.tokenIssuedVia]: input.issuedVia,
    [attr.tokenTtlSeconds]: input.ttlSeconds,
    [attr.authzPolicyVersion]: context.policy.version,
  };
  return inSpan(spanNames.tokenIssue, { attributes }, async (span) => {
    const issued = await issue(context, input);
    span.setAttributes({ [attr.authTokenId]: issued.tokenId, [attr.tokenScopes]: [...issued.scopes] });
    recordTokenIssued(input.issuedVia);
    return issued;
  });
}

async function issue(context: IssuerContext, input: IssueAccessTokenInput): Promise<IssuedAccessToken> {
  if (input.subject.trim() === '') throw new AppError('ERR_REQUEST_INVALID', 'subject must not be empty');
  const unknown = input.scopes.filter((scope) => !(knownScopes as readonly string[]).includes(scope));
  if (unknown.length > 0) {
    throw new AppError(
      'ERR_REQUEST_INVALID',
      `unknown scope ${unknown.join(', ')} (known: ${knownScopes.join(', ')})`,
    );
  }
  const granted = [...new Set(input.scopes)].sort();
  const now = context.now?.() ?? new Date();
  const tokenId = randomUUID();
  const accessToken = await signAccessToken(
    {
      subject: input.subject,
      scopes: granted,
      clientId: input.clientId,
      audience: context.audience,
      issuer: context.issuerUrl,
      ttlSeconds: input.ttlSeconds,
      policyVersion: context.policy.version,
      jti: tokenId,
      now,
    },
    context.keys.current,
  );
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + input.ttlSeconds * 1000);
  const event: TokenIssued = {
    type: 'token.issued',
    service: 'token-service',
    instanceId: context.instanceId,
    actor: { subject: input.subject, clientId: input.clientId, tokenId },
    decision: 'allow',
    policy: context.policy,
    scopesGranted: granted,
    // The `token.issue` span when traced, so the event and the span share one trace id.
    trace: activeTraceRef(input.trace),
    source: input.source,
    data: {
      audience: context.audience,
      expiresAt: expiresAt.toISOString(),
      issuedVia: input.issuedVia,
      scopes: granted,
    },
  };
  await inSpan(spanNames.auditAppend, { attributes: { [attr.auditEventType]: event.type } }, async (span) => {
    const [receipt] = await context.append(event);
    if (receipt) span.setAttribute(attr.auditGlobalPosition, receipt.globalPosition);
  });
  return { accessToken, tokenId, expiresAt, scopes: granted };
}
