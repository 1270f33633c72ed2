/**
 * The real MCP server app (`buildMcpApp` with the real configuration, event store, verifier and
 * revocation feed, as `server.ts` assembles them) whose document tools also append one line per run
 * to `FAULT_MARK_FILE`: the side effect outside the database that proves what actually ran. Each
 * line names the request (trace id and JSON-RPC id) and the mark id, which the tool also returns as
 * the last content item so a client can tie what it saw to what ran. For fault-injection tests only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMcpApp } from '../mcp-server/src/app.js';
import { loadMcpServerConfig } from '../mcp-server/src/config.js';
import { loadDocumentTools } from '../mcp-server/src/tools/document-tools.js';
import type { ToolDefinition } from '../mcp-server/src/tools/tool-definition.js';
import { createAccessTokenVerifier, remoteJwks } from '../shared/auth/index.js';
import { loadOrCreateSecret } from '../shared/config/index.js';
import { RevocationFeed } from '../shared/revocation/index.js';
import { activatePolicy, openAuditStore } from '../shared/runtime/index.js';
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

await runUntilSignal('marking-mcp-server', async () => {
  const config = loadMcpServerConfig(process.env);
  const audit = await openAuditStore(config);
  const policy = await activatePolicy(config, 'mcp-server', audit.store.append);
  const tools = (await loadDocumentTools(config.documentsDir)).map((tool) => marking(tool, markFile));
  const hmacKey = await loadOrCreateSecret({
    name: 'AUDIT_HMAC_KEY',
    value: config.auditHmacKey,
    file: join(config.dataDir, 'audit-hmac.key'),
  });
  const jwks = remoteJwks(config.jwksUrl, { allowHttp: true });
  const verifier = createAccessTokenVerifier({
    keys: jwks,
    issuer: config.tokenIssuerUrl,
    audience: config.resourceUrl,
    clockToleranceSeconds: config.clockToleranceSeconds,
    maxTokenBytes: config.maxTokenBytes,
  });
  const revocations = new RevocationFeed({
    database: audit.database,
    pollIntervalMs: config.revocationPollIntervalMs,
    maxStalenessMs: config.revocationMaxStalenessMs,
  });
  await revocations.start();
  const app = await buildMcpApp({
    config,
    version: 'fault-injection',
    store: audit.store,
    policy,
    verify: verifier.verify,
    keysReady: jwks.ready,
    checkRevoked: (claims) => (revocations.isRevoked(claims) ? 'ERR_TOKEN_REVOKED' : undefined),
    revocationsFresh: () => revocations.fresh(),
    readiness: { revocations: () => revocations.fresh() },
    tools,
    hmacKey,
  });
  // Runs right before the route handler, with the caller known and the body parsed; the handler
  // (and the tool it reaches through the MCP SDK) runs inside this context.
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
  await app.listen({ port: config.port, host: config.host });
  void jwks.warm();
  return {
    close: async () => {
      await app.close();
      await revocations.close();
      await audit.close();
    },
  };
});
