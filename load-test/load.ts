/**
 * `npm run load -- --url http://127.0.0.1:8080/mcp [--ramp 10:100:5m] [--duration 5m] [--json]`:
 * virtual MCP clients against one MCP server URL. See load-test/README.md.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatLoadReport } from './lib/format-load-report.js';
import { McpHttpClient } from './lib/mcp-http-client.js';
import { defaultProfiles, parseMix } from './lib/profiles.js';
import { createProgressPrinter } from './lib/progress-line.js';
import { parseDuration, parseRamp, type Ramp } from './lib/ramp.js';
import { runLoad } from './lib/run-load.js';
import { mintDevTokens, type TokenPool, tokensFromEnv, tokensFromFile } from './lib/token-source.js';

const usage = `usage: npm run load -- [options]

  --url URL                 MCP endpoint (default http://127.0.0.1:8080/mcp); the only URL load is sent to
  --ramp FROM:TO:DURATION   virtual users over time (default 10:100:5m); e.g. 1:20:30s
  --users N                 constant N users (instead of --ramp)
  --duration D              total run time (default: the ramp's duration, 60s for a constant load)
  --max-requests N          stop after N requests (default 2000000)
  --mix a=W,b=W             profile weights (default reader=6,strategist=2,none=2)
  --calls-per-list N        tools/call requests between two tools/list (default 4)
  --think D                 pause between a user's requests (default 0ms)
  --no-initialize           skip initialize + notifications/initialized
  --timeout D               per-request timeout (default 30s)
  --seed N                  PRNG seed for profile and tool choices (default 1)
  --tokens-file FILE        JSON {"reader": "<jwt>" | ["<jwt>", ...], "strategist": ..., "none": ...}
                            (or LOAD_TOKEN_READER / LOAD_TOKEN_STRATEGIST / LOAD_TOKEN_NONE)
  --token-service URL       mint tokens with POST /dev/tokens here (default http://127.0.0.1:8081)
  --admin-secret-file FILE  dev admin secret (default $DATA_DIR/dev-admin-secret, DATA_DIR=.data)
  --tokens-per-profile N    tokens to mint per profile (default 4)
  --max-error-rate R        exit 2 when the error rate (denials excluded) is above R (e.g. 0.01)
  --json                    print the report as JSON on stdout (progress stays on stderr)
`;

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080/mcp' },
    ramp: { type: 'string' },
    users: { type: 'string' },
    duration: { type: 'string' },
    'max-requests': { type: 'string', default: '2000000' },
    mix: { type: 'string', default: '' },
    'calls-per-list': { type: 'string', default: '4' },
    think: { type: 'string', default: '0ms' },
    'no-initialize': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '30s' },
    seed: { type: 'string', default: '1' },
    'tokens-file': { type: 'string' },
    'token-service': { type: 'string', default: 'http://127.0.0.1:8081' },
    'admin-secret-file': { type: 'string' },
    'tokens-per-profile': { type: 'string', default: '4' },
    'max-error-rate': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n`);
  process.exit(1);
}

function positiveInteger(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    fail(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    fail(`--url is not a URL: ${values.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('--url must be http or https');
  let ramp: Ramp;
  let durationMs: number;
  try {
    if (values.users !== undefined && values.ramp !== undefined) fail('give --ramp or --users, not both');
    ramp = parseRamp(values.users ?? values.ramp ?? '10:100:5m');
    durationMs =
      values.duration !== undefined
        ? parseDuration(values.duration)
        : ramp.durationMs > 0
          ? ramp.durationMs
          : 60_000;
  } catch (error) {
    fail((error as Error).message);
  }
  if (durationMs <= 0) fail('--duration must be positive');
  const profiles = (() => {
    try {
      return values.mix ? parseMix(values.mix) : [...defaultProfiles];
    } catch (error) {
      fail((error as Error).message);
    }
  })();

  let tokens: TokenPool;
  if (values['tokens-file']) {
    tokens = await tokensFromFile(values['tokens-file']);
  } else {
    const fromEnv = tokensFromEnv(process.env, profiles);
    if (fromEnv) {
      tokens = fromEnv;
    } else {
      const secretFile =
        values['admin-secret-file'] ?? join(process.env.DATA_DIR || '.data', 'dev-admin-secret');
      const adminSecret = (
        await readFile(secretFile, 'utf8').catch(() => {
          fail(
            `no tokens: give --tokens-file (or LOAD_TOKEN_<PROFILE>), or run the local token service so ${secretFile} exists`,
          );
        })
      ).trim();
      tokens = await mintDevTokens({
        tokenServiceUrl: values['token-service'],
        adminSecret,
        audience: url.href,
        profiles,
        perProfile: Math.max(1, positiveInteger('tokens-per-profile', values['tokens-per-profile'])),
        ttlSeconds: durationMs / 1_000 + 600,
      });
    }
  }

  const maxUsers = Math.max(ramp.from, ramp.to);
  const client = new McpHttpClient({
    url: url.href,
    connections: Math.max(1, maxUsers),
    timeoutMs: parseDuration(values.timeout),
  });
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping: waiting for in-flight requests (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  const progress = createProgressPrinter(process.stderr);
  process.stderr.write(
    `load: ${url.href}, users ${ramp.from}→${ramp.to} over ${ramp.durationMs / 1_000}s, duration ${durationMs / 1_000}s\n`,
  );
  const report = await runLoad({
    client,
    ramp,
    durationMs,
    maxRequests: positiveInteger('max-requests', values['max-requests']),
    profiles,
    tokens,
    seed: positiveInteger('seed', values.seed),
    callsPerList: Math.max(1, positiveInteger('calls-per-list', values['calls-per-list'])),
    thinkMs: parseDuration(values.think),
    initialize: !values['no-initialize'],
    onProgress: (snapshot) => progress.update(snapshot),
    signal: controller.signal,
  });
  progress.done();
  await client.close();
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatLoadReport(report)}\n`);
  if (values['max-error-rate'] !== undefined && report.errorRate > Number(values['max-error-rate'])) {
    process.stderr.write(
      `load: error rate ${report.errorRate} is above --max-error-rate ${values['max-error-rate']}\n`,
    );
    process.exitCode = 2;
  }
}

await main();
