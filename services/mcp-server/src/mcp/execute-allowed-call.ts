import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../../shared/errors/index.js';
import {
  telemetryAttributes as attr,
  inSpan,
  recordSpanError,
  spanNames,
} from '../../../shared/telemetry/index.js';
import type { ToolDefinition } from '../tools/tool-definition.js';
import type { AllowedCall } from './request-context.js';

/** Records `tool.call.completed`; the result is returned only after it resolves. */
export type RecordCompleted = (
  call: AllowedCall,
  outcome: { ok: boolean; durationMs: number },
) => Promise<void>;

/**
 * Runs a tool whose `tool.call.allowed` is committed, then commits its outcome before the result
 * may leave. A tool failure is an error result (`ERR_TOOL_FAILED`); an outcome that cannot be
 * recorded withholds the result.
 */
export function executeAllowedCall(
  tool: ToolDefinition,
  call: AllowedCall,
  recordCompleted: RecordCompleted,
): Promise<CallToolResult> {
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
      result = { isError: true, content: [{ type: 'text', text: 'The tool failed (ERR_TOOL_FAILED)' }] };
    }
    span.setAttribute(attr.mcpToolOutcome, ok ? 'ok' : 'error');
    // The outcome event is committed inside this span: `audit.append` is its child.
    try {
      await recordCompleted(call, { ok, durationMs: performance.now() - started });
    } catch (error) {
      // The tool ran but its outcome is not recorded: withhold the result. Thrown on, the SDK would
      // send the error's message (database details, "nothing was executed") to the caller.
      recordSpanError(span, error);
      const code = error instanceof AppError ? error.code : 'ERR_AUDIT_UNAVAILABLE';
      return {
        isError: true,
        content: [{ type: 'text', text: `The outcome of this call could not be recorded (${code})` }],
      };
    }
    return result;
  });
}
