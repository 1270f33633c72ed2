/**
 * The real MCP server (`startMcpServer`, exactly as `server.ts` runs it) whose document tools also
 * append one line per run to `FAULT_MARK_FILE`: the side effect outside the database that proves what actually ran. Each
 * line names the request (trace id and JSON-RPC id) and the mark id, which the tool also returns as
 * the last content item so a client can tie what it saw to what ran. For fault-injection tests only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { startMcpServer } from '../mcp-server/src/server.js';
import type { ToolDefinition } from '../mcp-server/src/tools/tool-definition.js';
import { runUntilSignal } from '../shared/runtime/run-until-signal.js';

/** One line of the mark file. */
export interface Mark {
  readonly markId: string;
  readonly tool: string;
  readonly traceId: string | undefined;
  readonly jsonRpcId: string | undefined;
  /** Epoch milliseconds when the tool ran. */
  readonly at: number;
  readonly pid: number;
}

const markFile = process.env.FAULT_MARK_FILE;
if (!markFile) throw new Error('FAULT_MARK_FILE is required');
// A tool that takes this long (FAULT_SLOW_TOOL=name, FAULT_SLOW_TOOL_MS=ms) lets a test break the
// store between a call's allow and its outcome.
const slowTool = process.env.FAULT_SLOW_TOOL;
const slowToolMs = Number(process.env.FAULT_SLOW_TOOL_MS || 0);
const requestContext = new AsyncLocalStorage<{
  traceId: string | undefined;
  jsonRpcId: string | undefined;
}>();

function marking(tool: ToolDefinition, file: string): ToolDefinition {
  return {
    ...tool,
    run: async () => {
      const context = requestContext.getStore();
      const mark: Mark = {
        markId: randomUUID(),
        tool: tool.name,
        traceId: context?.traceId,
        jsonRpcId: context?.jsonRpcId,
        at: Date.now(),
        pid: process.pid,
      };
      // Synchronous: the line is in the kernel's hands before the tool returns, so it survives kill -9.
      appendFileSync(file, `${JSON.stringify(mark)}\n`);
      if (tool.name === slowTool && slowToolMs > 0)
        await new Promise((resolve) => setTimeout(resolve, slowToolMs));
      const result = await tool.run();
      return { ...result, content: [...result.content, { type: 'text', text: `mark:${mark.markId}` }] };
    },
  };
}

await runUntilSignal('marking-mcp-server', () =>
  startMcpServer({
    env: process.env,
    version: 'fault-injection',
    tools: (tools) => tools.map((tool) => marking(tool, markFile)),
    beforeListen: (app) => {
      app.addHook('preHandler', (request, _reply, done) => {
        const body = request.body as { id?: unknown } | undefined;
        const id = body && typeof body === 'object' && !Array.isArray(body) ? body.id : undefined;
        requestContext.run(
          {
            traceId: request.caller?.trace.traceId,
            jsonRpcId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
          },
          done,
        );
      });
    },
  }),
);
