import { type ErrorCode, errorCodes } from './codes.js';

/**
 * Base error carrying a stable {@link ErrorCode}. `detail` is safe to show to the caller for 4xx
 * codes; for 5xx codes only the registry message leaves the process.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    // A 4xx is the caller's mistake, answered as designed: its stack says nothing, and capturing one
    // is most of what refusing a request costs (an unauthenticated flood is thousands per second).
    const clientError = errorCodes[code].status < 500;
    const stackTraceLimit = Error.stackTraceLimit;
    if (clientError) Error.stackTraceLimit = 0;
    try {
      super(detail ? `${errorCodes[code].message}: ${detail}` : errorCodes[code].message, options);
    } finally {
      if (clientError) Error.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'AppError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.detail = detail;
  }

  /** The body a client sees: internals never leak for status 500 and above. */
  toJSON(): { error: ErrorCode; message: string } {
    return {
      error: this.code,
      message: this.status >= 500 ? errorCodes[this.code].message : this.message,
    };
  }
}
