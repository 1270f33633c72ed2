import {
  type GoogleOverrides,
  KeyTrust,
  proveEventInclusion,
  type SignerKey,
  verifyAuditLog,
} from '../../../shared/audit-seal/index.js';
import type { DatabaseHandle } from '../../../shared/db/index.js';
import { parseVerifyArgs, type VerifyArgs, VerifyUsageError, verifyUsage } from './verify-args.js';
import { detailLines, groupThousands, proofJson, summaryLine } from './verify-output.js';
import { anchorOf, openLogDatabase, readPublicKeys, VerifySetupError } from './verify-sources.js';

/** Where the command reads its environment and writes; tests pass their own. */
export interface VerifyIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** A fake Google endpoint (tests). */
  readonly google?: GoogleOverrides | undefined;
}

const processIo: VerifyIo = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Exit statuses: everything verifies; something does not; the command could not run. */
export const VERIFY_OK = 0;
export const VERIFY_FAILED = 1;
export const VERIFY_ERROR = 2;

/**
 * `mcp-audit verify [options]`: see {@link verifyUsage}. Resolves with the exit status.
 *
 * @example
 * process.exitCode = await runVerify(process.argv.slice(3));
 */
export async function runVerify(argv: string[], io: VerifyIo = processIo): Promise<number> {
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(argv);
  } catch (error) {
    if (!(error instanceof VerifyUsageError)) throw error;
    io.stderr(`mcp-audit verify: ${error.message}\n${verifyUsage}\n`);
    return VERIFY_ERROR;
  }
  if (args.help) {
    io.stdout(`${verifyUsage}\n`);
    return VERIFY_OK;
  }
  let database: DatabaseHandle | undefined;
  try {
    const trustedKeys = await readPublicKeys(args.publicKeyFiles);
    const anchor = anchorOf(args.anchor, io.env, io.google);
    database = await openLogDatabase(io.env);
    return args.proof
      ? await printProof(database, args, trustedKeys, anchor, io)
      : await verifyAll(database, args, trustedKeys, anchor, io);
  } catch (error) {
    if (error instanceof VerifyUsageError) {
      io.stderr(`mcp-audit verify: ${error.message}\n${verifyUsage}\n`);
    } else {
      const message =
        error instanceof VerifySetupError ? error.message : `error: ${(error as Error).message}`;
      io.stderr(`mcp-audit verify: ${message}\n`);
    }
    return VERIFY_ERROR;
  } finally {
    await database?.close().catch(() => {});
  }
}

async function verifyAll(
  database: DatabaseHandle,
  args: VerifyArgs,
  trustedKeys: readonly SignerKey[],
  anchor: ReturnType<typeof anchorOf>,
  io: VerifyIo,
): Promise<number> {
  let lastReport = performance.now();
  const result = await verifyAuditLog({
    database,
    anchor,
    trustedKeys,
    batchSize: args.batchSize,
    onProgress: (progress) => {
      if (args.quiet || performance.now() - lastReport < 2000) return;
      lastReport = performance.now();
      io.stderr(
        `verifying… ${groupThousands(progress.events)} events, ${groupThousands(progress.checkpoints)} checkpoints\n`,
      );
    },
  });
  if (!args.quiet) for (const line of detailLines(result, anchor?.description)) io.stderr(`${line}\n`);
  io.stdout(`${summaryLine(result)}\n`);
  return result.ok ? VERIFY_OK : VERIFY_FAILED;
}

async function printProof(
  database: DatabaseHandle,
  args: VerifyArgs,
  trustedKeys: readonly SignerKey[],
  anchor: ReturnType<typeof anchorOf>,
  io: VerifyIo,
): Promise<number> {
  const built = await proveEventInclusion(database, args.proof!, args.batchSize);
  if (!built.ok) {
    io.stdout(`FAILED [${built.failure.code}]: ${built.failure.message}\n`);
    return VERIFY_FAILED;
  }
  const trust = new KeyTrust({ pinned: trustedKeys, anchor });
  const problem = await trust.check(built.proof.checkpoint);
  if (problem) {
    io.stdout(`FAILED [${problem.code}]: ${problem.message}\n`);
    return VERIFY_FAILED;
  }
  const source =
    trust.trustedKeys().find((key) => key.keyId === built.proof.checkpoint.keyId)?.source ?? 'unknown';
  io.stdout(proofJson(built.proof, source));
  return VERIFY_OK;
}
