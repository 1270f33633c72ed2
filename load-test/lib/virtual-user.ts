import { randomBytes } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { LoadStats } from './load-stats.js';
import type { McpHttpClient } from './mcp-http-client.js';
import type { Prng } from './prng.js';
import { type Profile, pickWeighted } from './profiles.js';

/** What one virtual user needs from the run. */
export interface VirtualUserContext {
  readonly id: number;
  readonly client: McpHttpClient;
  readonly profile: Profile;
  readonly token: string;
  readonly prng: Prng;
  readonly stats: LoadStats;
  /** `tools/call`s between two `tools/list`s. */
  readonly callsPerList: number;
  readonly thinkMs: number;
  /** Send `initialize` and `notifications/initialized` first, as real clients do. */
  readonly initialize: boolean;
  /** False once this user (or the whole run) must stop; also takes one request from the run's budget. */
  readonly mayContinue: () => boolean;
}

/**
 * Behaves like an MCP client on a stateless server: `initialize` (learning the protocol version to
 * send as `MCP-Protocol-Version` afterwards), `notifications/initialized`, then rounds of
 * `tools/list` followed by `tools/call`s chosen by the profile's weights. Each request carries a
 * fresh W3C `traceparent`, so its audit events can be found by trace id.
 */
export async function runVirtualUser(context: VirtualUserContext): Promise<void> {
  const { client, stats, prng, profile, token } = context;
  let nextId = 1;
  let protocolVersion: string | undefined;
  const send = async (method: string, params?: object, notification = false) => {
    const message = notification
      ? { jsonrpc: '2.0', method, ...(params ? { params } : {}) }
      : { jsonrpc: '2.0', id: `${context.id}-${nextId++}`, method, ...(params ? { params } : {}) };
    const outcome = await client.send(message, { token, protocolVersion, traceparent: traceparent() });
    stats.record(method, outcome);
    return outcome;
  };
  const pause = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

  while (context.initialize && protocolVersion === undefined) {
    if (!context.mayContinue()) return;
    const outcome = await send('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'mcp-load', version: '1.0.0' },
    });
    const negotiated = outcome.message?.result?.protocolVersion;
    if (outcome.kind === 'ok' && typeof negotiated === 'string') {
      protocolVersion = negotiated;
      if (!context.mayContinue()) return;
      await send('notifications/initialized', undefined, true);
    } else {
      // A client whose initialize fails retries after a while rather than hammering.
      await pause(1_000);
    }
  }
  for (;;) {
    if (!context.mayContinue()) return;
    await send('tools/list');
    for (let i = 0; i < context.callsPerList; i++) {
      await pause(context.thinkMs);
      if (!context.mayContinue()) return;
      const { tool } = pickWeighted(profile.calls, prng.next());
      await send('tools/call', { name: tool, arguments: {} });
    }
    await pause(context.thinkMs);
  }
}

/** A W3C trace context header with random ids (sampled). */
export function traceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
