import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolDefinition } from './tool-definition.js';

const documentTools = [
  {
    name: 'get_public_info',
    title: 'Public company information',
    description: 'Returns the public company information document (products, leadership, pricing, support).',
    file: 'public.md',
  },
  {
    name: 'get_confidential_info',
    title: 'Confidential company strategy',
    description: 'Returns the confidential strategy document (roadmap, financials, M&A). Restricted.',
    file: 'confidential.md',
  },
] as const;

/**
 * The document tools, with their documents read once at start-up: a missing document stops the
 * server then, not on the first call.
 */
export async function loadDocumentTools(documentsDir: string): Promise<readonly ToolDefinition[]> {
  return Promise.all(
    documentTools.map(async ({ file, ...tool }) => {
      const path = join(documentsDir, file);
      const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read document ${path} for tool ${tool.name}: ${error.code ?? error.message}`);
      });
      const result = { content: [{ type: 'text' as const, text }] };
      return { ...tool, run: async () => result };
    }),
  );
}
