import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../shared/errors/index.js';
import { bearerChallenge } from '../../../shared/http/index.js';
import { decideToolCall, type FilteredTools, filterTools } from '../../../shared/policy/index.js';
import {
  annotateActiveSpan,
  telemetryAttributes as attr,
  inSpan,
  recordDecision,
  spanNames,
} from '../../../shared/telemetry/index.js';
import type { McpAppDeps } from '../app.js';
import { argumentsHmac } from '../audit/arguments-hmac.js';
import type { DecisionRecorder } from '../audit/decision-recorder.js';
import type { Authenticator } from '../auth/authenticate.js';
import { buildMcpServer } from '../mcp/build-mcp-server.js';
import { executeAllowedCall, type RecordCompleted } from '../mcp/execute-allowed-call.js';
import type { InspectedMessage, InspectResult } from '../mcp/inspect-messages.js';
import { inMcpRequestSpan } from '../mcp/mcp-request-span.js';
import type { AllowedCall, CallerContext } from '../mcp/request-context.js';
import { measureDuration } from '../mcp/request-duration.js';
import { checkTransportPreconditions } from '../mcp/transport-preconditions.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: CallerContext;
  }
}

interface McpRouteOptions {
  readonly deps: McpAppDeps;
  readonly authenticator: Authenticator;
  readonly recorder: DecisionRecorder;
  readonly resourceMetadataUrl: string;
}

/**
 * `POST /mcp`: Streamable HTTP, stateless. The token is verified before the body is parsed; the
 * `tools/list` filter and each `tools/call` decision are made and committed to the audit log here,
 * before the MCP SDK handles the request, so nothing runs or is shown without its event.
 */
export async function mcpRoute(app: FastifyInstance, options: McpRouteOptions): Promise<void> {
  const { deps, authenticator, recorder, resourceMetadataUrl } = options;
  const { policy, tools } = deps;
  const path = new URL(deps.config.resourceUrl).pathname;
  const serverToolNames = tools.map((tool) => tool.name);
  const serverToolSet = new Set(serverToolNames);

  app.post(
    path,
    {
      onRequest: (request, reply) => {
        measureDuration(request, reply);
        return authenticator.authenticate(request, reply);
      },
    },
    (request, reply) =>
      inMcpRequestSpan(request, (caller, inspected) => handlePost(request, reply, caller, inspected)),
  );

  async function handlePost(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: CallerContext,
    inspected: InspectResult,
  ): Promise<unknown> {
    // A call in a batch could be allowed and recorded, then never run because a later message of the
    // same batch is refused; MCP 2025-06-18 removed JSON-RPC batching, so calls are never batched here.
    const invalid = !inspected.ok
      ? inspected.message
      : inspected.messages.length > 1 && inspected.messages.some((m) => m.method === 'tools/call')
        ? 'tools/call cannot be sent in a JSON-RPC batch'
        : undefined;
    if (invalid !== undefined || !inspected.ok) {
      return reply.code(400).send({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: `Invalid Request: ${invalid}`,
          data: { error: 'ERR_REQUEST_INVALID' },
        },
      });
    }

    const refusal = checkTransportPreconditions(request.headers, request.body);
    if (refusal) return reply.code(refusal.status).send(refusal.body);

    // What tools/list shows and the SDK path registers; a lone tools/call answered below needs
    // only its own decision, so the whole filter is made on first use.
    let filtered: FilteredTools | undefined;
    const filter = () => {
      filtered ??= filterTools(policy, caller.scopes, serverToolNames);
      return filtered;
    };
    const allowedCalls = new Map<string, AllowedCall>();
    for (const message of inspected.messages) {
      if (message.method === 'tools/list') {
        await inSpan(spanNames.decide, { attributes: { [attr.mcpMethod]: 'tools/list' } }, () =>
          recordList(caller, message, filter()),
        );
      } else if (message.method === 'tools/call') {
        const attributes = { [attr.mcpMethod]: 'tools/call', [attr.mcpToolName]: message.toolName ?? '' };
        const refusal = await inSpan(spanNames.decide, { attributes }, () =>
          authorizeCall(caller, message, allowedCalls),
        );
        if (refusal) return refusal(reply);
      }
    }

    const recordCompleted: RecordCompleted = async (call, outcome) => {
      await recorder.record({
        type: 'tool.call.completed',
        ...recorder.envelope(caller, {
          method: 'tools/call',
          toolName: call.toolName,
          jsonRpcId: call.jsonRpcId,
        }),
        decision: 'allow',
        scopesRequired: call.requiredScopes,
        data: {
          outcome: outcome.ok ? 'ok' : 'error',
          durationMs: Math.round(outcome.durationMs * 1000) / 1000,
          allowedEventId: call.allowedEventId,
          ...(outcome.ok ? {} : { errorCode: 'ERR_TOOL_FAILED' }),
        },
      });
      // Debug: the request's access line and the audit event already say it.
      request.log.debug(
        { event: 'tool.call.completed', tool: call.toolName, outcome: outcome.ok ? 'ok' : 'error' },
        'tool call completed',
      );
    };

    // The common case, a single tools/call already allowed and recorded, is answered here: the
    // per-request McpServer the SDK needs costs more than the whole decision (load-test/bench.ts).
    // Everything else (initialize, tools/list, notifications, other methods) goes to the SDK.
    const only =
      inspected.messages.length === 1 && !Array.isArray(request.body) ? inspected.messages[0] : undefined;
    const direct = only?.method === 'tools/call' ? allowedCalls.get(String(only.id)) : undefined;
    const directTool = direct
      ? // In allowedCalls only when its decision allowed it (authorizeCall).
        tools.find((tool) => tool.name === direct.toolName)
      : undefined;
    if (only && direct && directTool) {
      const result = await executeAllowedCall(directTool, direct, recordCompleted);
      return reply.code(200).type('application/json').send({ result, jsonrpc: '2.0', id: only.id });
    }

    const { visible } = filter();
    const server = buildMcpServer({
      serverInfo: { name: 'mcp-docs', version: deps.version },
      visibleTools: tools.filter((tool) => visible.includes(tool.name)),
      allowedCalls,
      onCompleted: recordCompleted,
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    (request.raw as typeof request.raw & { auth?: unknown }).auth = {
      token: '',
      clientId: caller.actor.clientId ?? '',
      scopes: [...caller.scopes],
      extra: { subject: caller.actor.subject },
    };
    await transport.handleRequest(request.raw, reply.raw, request.body);
    return undefined;
  }

  for (const method of ['GET', 'DELETE'] as const) {
    // Stateless server: no standalone SSE stream and no sessions to delete (MCP transports §2.2, §2.5).
    app.route({
      method,
      url: path,
      handler: async (_request, reply) =>
        reply
          .code(405)
          .header('allow', 'POST')
          .send({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } }),
    });
  }

  async function recordList(
    caller: CallerContext,
    message: InspectedMessage,
    { visible, hidden }: FilteredTools,
  ): Promise<void> {
    annotateActiveSpan({
      [attr.mcpToolsVisible]: [...visible],
      [attr.mcpToolsHidden]: [...hidden],
      [attr.authzPolicyVersion]: caller.policy.version,
    });
    await recorder.record({
      type: 'tools.listed',
      ...recorder.envelope(caller, { method: 'tools/list', jsonRpcId: message.id }),
      data: { visible, hidden },
    });
  }

  async function authorizeCall(
    caller: CallerContext,
    message: InspectedMessage,
    allowedCalls: Map<string, AllowedCall>,
  ): Promise<((reply: FastifyReply) => FastifyReply) | undefined> {
    const toolName = message.toolName ?? '';
    const decision = decideToolCall(policy, caller.scopes, toolName, serverToolSet);
    const envelope = recorder.envelope(caller, { method: 'tools/call', toolName, jsonRpcId: message.id });
    let hmac: string;
    try {
      hmac = argumentsHmac(deps.hmacKey, message.toolArguments);
    } catch (error) {
      // Arguments that cannot be recorded refuse the call; the attempt is recorded all the same.
      await recorder.record({
        type: 'tool.call.denied',
        ...envelope,
        decision: 'deny',
        reasonCode: 'ERR_REQUEST_INVALID',
        scopesRequired: decision.requiredScopes,
        data: {},
      });
      throw error;
    }
    annotateActiveSpan({
      [attr.authzDecision]: decision.ok ? 'allow' : 'deny',
      [attr.authzReason]: decision.ok ? 'OK' : decision.code,
      [attr.authzPolicyId]: caller.policy.id,
      [attr.authzPolicyVersion]: caller.policy.version,
      [attr.authzScopesRequired]: [...decision.requiredScopes],
      [attr.authzScopesGranted]: [...caller.scopes].sort(),
    });
    // Unknown names are folded into one label value: the tool name comes from the caller.
    const metricTool = serverToolSet.has(toolName) ? toolName : '(unknown)';
    if (decision.ok) {
      if (message.id === undefined) return undefined;
      const allowedEventId = await recorder.record({
        type: 'tool.call.allowed',
        ...envelope,
        decision: 'allow',
        reasonCode: 'OK',
        scopesRequired: decision.requiredScopes,
        data: { argumentsHmac: hmac },
      });
      recordDecision(metricTool, 'allow', 'OK');
      allowedCalls.set(String(message.id), {
        toolName,
        jsonRpcId: String(message.id),
        allowedEventId,
        requiredScopes: decision.requiredScopes,
      });
      return undefined;
    }
    await recorder.record({
      type: 'tool.call.denied',
      ...envelope,
      decision: 'deny',
      reasonCode: decision.code,
      scopesRequired: decision.requiredScopes,
      data: { argumentsHmac: hmac },
    });
    recordDecision(metricTool, 'deny', decision.code);
    app.log.info(
      {
        event: 'tool.call.denied',
        trace_id: envelope.trace?.traceId,
        subject: caller.actor.subject,
        tool: toolName,
        reason: decision.code,
      },
      'tool call denied',
    );
    if (decision.code === 'ERR_SCOPE_INSUFFICIENT') {
      // MCP authorization, "Scope challenge handling": 403 naming the scope the call needs.
      return (reply) =>
        reply
          .code(403)
          .header(
            'www-authenticate',
            bearerChallenge({
              resourceMetadataUrl,
              error: 'insufficient_scope',
              description: decision.message,
              scope: decision.requiredScopes,
            }),
          )
          .send(new AppError('ERR_SCOPE_INSUFFICIENT', decision.message).toJSON());
    }
    // A tool that does not exist, or that the policy does not list, is reported as unknown either
    // way (JSON-RPC "Invalid params", code ERR_TOOL_UNKNOWN), so callers cannot probe for hidden
    // tools; the `tool.call.denied` event keeps the real reason.
    return (reply) =>
      reply.code(200).send({
        jsonrpc: '2.0',
        id: message.id ?? null,
        error: { code: -32602, message: `Unknown tool: ${toolName}`, data: { error: 'ERR_TOOL_UNKNOWN' } },
      });
  }
}
