/**
 * The baseline for `npm run bench`: an MCP server built the way the MCP TypeScript SDK documents a
 * stateless Streamable HTTP server (a new `McpServer` and transport per request; see the SDK's
 * `simpleStatelessStreamableHttp.ts` and `jsonResponseStreamableHttp.ts` examples), on fastify like
 * this project, serving the same `get_public_info` tool and document. No authentication, no policy,
 * no audit. JSON responses (`enableJsonResponse`), as this project's server answers, so both send
 * the same bytes for the same call.
 *
 * Env: PORT (default 8090), HOST (127.0.0.1), DOCUMENTS_DIR (documents).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Fastify from 'fastify';

const port = Number(process.env.PORT || 8090);
const host = process.env.HOST || '127.0.0.1';
const text = await readFile(join(process.env.DOCUMENTS_DIR || 'documents', 'public.md'), 'utf8');

function getServer(): McpServer {
  const server = new McpServer({ name: 'mcp-docs-baseline', version: '1.0.0' });
  server.registerTool(
    'get_public_info',
    {
      title: 'Public company information',
      description:
        'Returns the public company information document (products, leadership, pricing, support).',
      annotations: { readOnlyHint: true },
    },
    async () => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.get('/ready', async () => ({ status: 'ready' }));
app.post('/mcp', async (request, reply) => {
  // Stateless: a new server and transport for each request, so concurrent requests never collide.
  const server = getServer();
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
  await transport.handleRequest(request.raw, reply.raw, request.body);
});
for (const method of ['GET', 'DELETE'] as const) {
  app.route({ method, url: '/mcp', handler: async (_request, reply) => reply.code(405).send() });
}

await app.listen({ port, host });
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
