import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { AppError } from '../../../shared/errors/index.js';
import {
  telemetryAttributes as attr,
  inSpan,
  recordSpanError,
  spanNames,
} from '../../../shared/telemetry/index.js';
import type { ToolDefinition } from '../tools/tool-definition.js';
import type { AllowedCall } from './request-context.js';

// One validator for all per-request servers: building Ajv per request costs ~110 µs (stack.md).
const sharedValidator = new AjvJsonSchemaValidator();

export interface BuildMcpServerOptions {
  readonly serverInfo: { name: string; version: string };
  /** The tools this caller may see; nothing else is registered. */
  readonly visibleTools: readonly ToolDefinition[];
  /** Calls already authorized and recorded at the HTTP layer, by JSON-RPC id. */
  readonly allowedCalls: ReadonlyMap<string, AllowedCall>;
  /** Records `tool.call.completed`; the result is returned only after it resolves. */
  readonly onCompleted: (call: AllowedCall, outcome: { ok: boolean; durationMs: number }) => Promise<void>;
}

/**
 * A fresh MCP server for one stateless request, registering only the tools the caller may see.
 * Each tool handler checks again that its call was authorized and recorded (defence in depth) and
 * records the outcome before the result leaves.
 */
export function buildMcpServer(options: BuildMcpServerOptions): McpServer {
  const server = new McpServer(options.serverInfo, {
    capabilities: { tools: { listChanged: false } },
    jsonSchemaValidator: sharedValidator,
  });
  if (options.visibleTools.length === 0) {
    // McpServer only installs its tools/list handler once a tool is registered; a caller that may see
    // nothing still gets a well-formed empty list rather than "method not found".
    server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [] }));
    return server;
  }
  for (const tool of options.visibleTools) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, annotations: { readOnlyHint: true } },
      async (extra): Promise<CallToolResult> => {
        const call = options.allowedCalls.get(String(extra.requestId));
        if (!call || call.toolName !== tool.name) {
          throw new McpError(ErrorCode.InvalidRequest, 'tool call was not authorized');
        }
        const attributes = { [attr.mcpToolName]: tool.name, [attr.mcpJsonRpcId]: call.jsonRpcId };
        return inSpan(spanNames.toolExecute, { attributes }, async (span) => {
          const started = performance.now();
          let result: CallToolResult;
          let ok = true;
          try {
            result = await tool.run();
          } catch (error) {
            ok = false;
            recordSpanError(span, error);
            result = {
              isError: true,
              content: [{ type: 'text', text: 'The tool failed (ERR_TOOL_FAILED)' }],
            };
          }
          span.setAttribute(attr.mcpToolOutcome, ok ? 'ok' : 'error');
          // The outcome event is committed inside this span: `audit.append` is its child.
          try {
            await options.onCompleted(call, { ok, durationMs: performance.now() - started });
          } catch (error) {
            // The tool ran but its outcome is not recorded: withhold the result. Thrown on, the SDK
            // would send the error's message (database details, "nothing was executed") to the caller.
            recordSpanError(span, error);
            const code = error instanceof AppError ? error.code : 'ERR_AUDIT_UNAVAILABLE';
            return {
              isError: true,
              content: [{ type: 'text', text: `The outcome of this call could not be recorded (${code})` }],
            };
          }
          return result;
        });
      },
    );
  }
  return server;
}
