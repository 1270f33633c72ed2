/** Stable codes of the `mcp-token` CLI's failures, printed with the message. */
export type CliErrorCode =
  | 'ERR_USAGE'
  | 'ERR_NOT_LOGGED_IN'
  | 'ERR_SESSION_ENDED'
  | 'ERR_CREDENTIALS_INVALID'
  | 'ERR_SERVER_UNREACHABLE'
  | 'ERR_SERVER_REFUSED'
  | 'ERR_AUTHORIZATION_DENIED'
  | 'ERR_AUTHORIZATION_TIMEOUT'
  | 'ERR_SCOPE_NOT_GRANTED'
  | 'ERR_CLAUDE_NOT_FOUND'
  | 'ERR_CLAUDE_FAILED';

/**
 * A failure the CLI reports as `mcp-token: <code>: <message>` and turns into an exit status:
 * 2 for a usage error (bad arguments), 1 for everything else.
 */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }

  get exitCode(): 1 | 2 {
    return this.code === 'ERR_USAGE' ? 2 : 1;
  }
}
