import { describe, expect, it } from 'vitest';
import { classify } from './mcp-http-client.js';

const json = 'application/json';

describe('classify', () => {
  it('counts a JSON-RPC result, and 202 for a notification, as ok', () => {
    expect(classify(200, json, '{"jsonrpc":"2.0","id":1,"result":{"content":[]}}', 1).kind).toBe('ok');
    expect(classify(202, '', '', 1).kind).toBe('ok');
  });

  it('reads the first message of an SSE answer', () => {
    const sse = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n\n';
    expect(classify(200, 'text/event-stream', sse, 1)).toMatchObject({
      kind: 'ok',
      message: { result: { tools: [] } },
    });
  });

  it('counts designed refusals as denied: 403 insufficient scope and an unknown (hidden) tool', () => {
    expect(classify(403, json, '{"error":"ERR_SCOPE_INSUFFICIENT","message":"x"}', 1)).toMatchObject({
      kind: 'denied',
      label: 'denied ERR_SCOPE_INSUFFICIENT',
    });
    const unknown =
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x","data":{"error":"ERR_TOOL_UNKNOWN"}}}';
    expect(classify(200, json, unknown, 1).kind).toBe('denied');
  });

  it('labels failures by kind: HTTP status with code, JSON-RPC error, tool error', () => {
    expect(classify(503, json, '{"error":"ERR_AUDIT_UNAVAILABLE","message":"x"}', 1)).toMatchObject({
      kind: 'http',
      label: 'http 503 ERR_AUDIT_UNAVAILABLE',
    });
    expect(
      classify(200, json, '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}', 1).label,
    ).toBe('jsonrpc -32601');
    expect(
      classify(400, json, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad"}}', 1).label,
    ).toBe('http 400 jsonrpc -32600');
    expect(
      classify(200, json, '{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[]}}', 1).kind,
    ).toBe('tool');
    expect(classify(502, 'text/html', '<html>', 1).label).toBe('http 502');
  });
});
