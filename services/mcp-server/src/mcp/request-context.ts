import type { Actor, PolicyRef, SourceRef, TraceRef } from '../../../shared/event-store/events.js';

/** What is known about an authenticated `/mcp` request once its token has been verified. */
export interface CallerContext {
  readonly actor: Actor;
  readonly scopes: ReadonlySet<string>;
  readonly trace: TraceRef;
  readonly source: SourceRef;
  readonly policy: PolicyRef;
}

/** A `tools/call` whose `tool.call.allowed` event is committed, keyed by JSON-RPC id. */
export interface AllowedCall {
  readonly toolName: string;
  readonly jsonRpcId: string;
  readonly allowedEventId: string;
  readonly requiredScopes: readonly string[];
}
