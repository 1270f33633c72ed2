import { parseArgs } from 'node:util';

/** `mcp-audit verify` usage text. */
export const verifyUsage = `usage: mcp-audit verify [--public-key <pem file>]... [--anchor <anchor>] [--proof <event id | position>]
                        [--batch-size <rows>] [--quiet]

Verifies the audit log without trusting the services: reads it directly from DATABASE_URL (a role
that can only SELECT is enough; without DATABASE_URL, the embedded database under DATA_DIR when no
server holds it), recomputes every content hash, every Merkle root, the chain of checkpoints and
every signature, and checks the newest checkpoint against the anchor. Prints
"ok: <events> events, <checkpoints> checkpoints", or the first position that does not match.
Exit status 0 only when everything verifies (1: it does not; 2: could not run).

  --public-key <file>  trust only these keys (SPKI PEM; repeatable). Default: trust a key when the
                       anchor holds the first checkpoint it signed.
  --anchor <anchor>    dir | dir:<path> | gcs:<bucket>[/<prefix>/] | none
                       (default AUDIT_ANCHOR / AUDIT_ANCHOR_DIR, as the sealer; none needs --public-key)
  --proof <ref>        print the inclusion proof of one event (UUID or global position) as JSON
  --batch-size <rows>  rows per read (default 2000)
  --quiet              no progress on stderr

GCS anchors use GOOGLE_OAUTH_ACCESS_TOKEN (e.g. from gcloud auth print-access-token) or the metadata server.`;

/** What the command line asks for. */
export interface VerifyArgs {
  readonly help: boolean;
  readonly publicKeyFiles: readonly string[];
  /** undefined: from the environment. */
  readonly anchor: string | undefined;
  readonly proof: { eventId: string } | { globalPosition: string } | undefined;
  readonly batchSize: number;
  readonly quiet: boolean;
}

/** A bad command line; the message is shown with the usage text. */
export class VerifyUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyUsageError';
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses `mcp-audit verify` arguments (after the `verify` word).
 *
 * @throws {VerifyUsageError} naming the bad argument.
 */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new VerifyUsageError((error as Error).message);
  }
  let proof: VerifyArgs['proof'];
  if (values.proof !== undefined) {
    if (uuidPattern.test(values.proof)) proof = { eventId: values.proof.toLowerCase() };
    else if (/^\d{1,18}$/.test(values.proof)) proof = { globalPosition: values.proof };
    else
      throw new VerifyUsageError(
        `--proof ${JSON.stringify(values.proof)} must be an event id (UUID) or a position`,
      );
  }
  const batchSize = values['batch-size'] === undefined ? 2000 : Number(values['batch-size']);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new VerifyUsageError('--batch-size must be an integer from 1 to 100000');
  }
  const publicKeyFiles = values['public-key'] ?? [];
  if (values.anchor === 'none' && publicKeyFiles.length === 0) {
    throw new VerifyUsageError(
      '--anchor none needs --public-key: without the anchor no signing key can be trusted',
    );
  }
  return {
    help: values.help === true,
    publicKeyFiles,
    anchor: values.anchor,
    proof,
    batchSize,
    quiet: values.quiet === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      'public-key': { type: 'string', multiple: true },
      anchor: { type: 'string' },
      proof: { type: 'string' },
      'batch-size': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
    strict: true,
  });
}
