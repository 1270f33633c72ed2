import { randomBytes } from 'node:crypto';
import type { McpSender, OutcomeKind } from '../../load-test/lib/mcp-http-client.js';
import type { Minted } from './fault-stack.js';

/** What the client sent and saw, for one request. */
export interface LedgerEntry {
  readonly user: number;
  readonly method: string;
  readonly tool: string | undefined;
  readonly tokenId: string;
  readonly traceId: string;
  readonly jsonRpcId: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly kind: OutcomeKind;
  readonly label: string;
  /** `error` of a non-JSON-RPC answer (`ERR_AUDIT_UNAVAILABLE`…). */
  readonly code: string | undefined;
  /** The side-effect mark the tool returned, when it did. */
  readonly markId: string | undefined;
  /** The text of a tool result with `isError`, or the JSON-RPC error message. */
  readonly detail: string | undefined;
}

/** A user of a load: its token and the tool it calls. */
export interface LoadUser {
  readonly minted: Minted;
  readonly tool: string;
}

/**
 * `readers` users whose tokens grant `public:read`, all calling `get_public_info`
 * (`<prefix>-<n>@example.com`), and with `denied` one more whose token grants nothing, so its calls
 * are denied (`<prefix>-denied@example.com`).
 */
export async function publicReaders(
  mint: (options: { sub: string; scopes: readonly string[] }) => Promise<Minted>,
  prefix: string,
  readers: number,
  options: { denied?: boolean } = {},
): Promise<LoadUser[]> {
  const users: LoadUser[] = [];
  for (let i = 0; i < readers; i++) {
    users.push({
      minted: await mint({ sub: `${prefix}-${i}@example.com`, scopes: ['public:read'] }),
      tool: 'get_public_info',
    });
  }
  if (options.denied) {
    users.push({
      minted: await mint({ sub: `${prefix}-denied@example.com`, scopes: [] }),
      tool: 'get_public_info',
    });
  }
  return users;
}

/**
 * Runs each user in a closed loop of `tools/call`s (each with its own trace id and JSON-RPC id)
 * until `until()` says stop or `maxPerUser` calls were made, writing every request to `ledger`.
 */
export async function driveUsers(options: {
  client: McpSender;
  users: readonly LoadUser[];
  ledger: LedgerEntry[];
  until: () => boolean;
  maxPerUser?: number;
  pauseMs?: number;
}): Promise<void> {
  const maxPerUser = options.maxPerUser ?? 20_000;
  await Promise.all(
    options.users.map(async (user, index) => {
      for (let n = 0; n < maxPerUser && !options.until(); n++) {
        const entry = await callTool(options.client, user, index, `${index}-${n}`);
        options.ledger.push(entry);
        // A dead server refuses at once: do not spin.
        const pause = entry.kind === 'network' || entry.kind === 'timeout' ? 20 : (options.pauseMs ?? 0);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }),
  );
}

/** Sends one `tools/call` and describes it as a ledger entry. */
export async function callTool(
  client: McpSender,
  user: LoadUser,
  index: number,
  jsonRpcId: string,
): Promise<LedgerEntry> {
  const traceId = randomBytes(16).toString('hex');
  const startedAt = Date.now();
  const outcome = await client.send(
    { jsonrpc: '2.0', id: jsonRpcId, method: 'tools/call', params: { name: user.tool, arguments: {} } },
    {
      token: user.minted.token,
      protocolVersion: '2025-06-18',
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
  );
  const content = outcome.message?.result?.content;
  const last = Array.isArray(content) ? (content.at(-1) as { text?: unknown } | undefined) : undefined;
  const markId =
    typeof last?.text === 'string' && last.text.startsWith('mark:')
      ? last.text.slice('mark:'.length)
      : undefined;
  return {
    user: index,
    method: 'tools/call',
    tool: user.tool,
    tokenId: user.minted.tokenId,
    traceId,
    jsonRpcId,
    startedAt,
    endedAt: Date.now(),
    status: outcome.status,
    kind: outcome.kind,
    label: outcome.label,
    code: outcome.errorBody?.error,
    markId,
    detail:
      outcome.kind === 'tool'
        ? String((content as { text?: unknown }[] | undefined)?.[0]?.text)
        : outcome.message?.error?.message,
  };
}

/** Counts ledger entries by label, for test output. */
export function countLabels(ledger: readonly LedgerEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of ledger) counts[entry.label] = (counts[entry.label] ?? 0) + 1;
  return counts;
}
