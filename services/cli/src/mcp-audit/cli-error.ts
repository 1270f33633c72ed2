/** Exit statuses of `mcp-audit query|tail|export` (verify has its own, see verify-command.ts). */
export const exitCodes = {
  ok: 0,
  /** The server failed, could not be reached, or the output could not be written. */
  failed: 1,
  /** A bad flag, or a query the API refused as invalid (400). */
  usage: 2,
  /** No token, or the API refused it (401 / 403). */
  auth: 3,
} as const;

/** A failure to report as one line on stderr, with the exit status it maps to. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
