import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { ToolDefinition } from '../tools/tool-definition.js';
import { executeAllowedCall, type RecordCompleted } from './execute-allowed-call.js';
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
  readonly onCompleted: RecordCompleted;
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
        return executeAllowedCall(tool, call, options.onCompleted);
      },
    );
  }
  return server;
}
