#!/usr/bin/env node
/**
 * `mcp-token`: login, configure, status, header, revoke, logout (run `mcp-token --help`). Started by
 * `services/cli/bin/mcp-token.mjs` through tsx.
 */
import { processContext } from './cli-context.js';
import { runCli } from './run-cli.js';

// Exit at once: keep-alive connections of fetch must not hold a headersHelper run open.
process.exit(await runCli(process.argv.slice(2), processContext()));
