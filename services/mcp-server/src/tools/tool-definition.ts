import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool this server can run. Which callers may see or call it is the policy's business, not the tool's. */
export interface ToolDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  run(): Promise<CallToolResult>;
}
