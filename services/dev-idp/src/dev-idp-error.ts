/** Stable codes for what the dev IdP refuses, with the HTTP status an interaction request gets. */
export const devIdpErrorCodes = {
  ERR_DEV_IDP_IN_PRODUCTION: {
    status: 500,
    message: 'The dev IdP refuses to start when APP_ENV=production; production federates to a real IdP',
  },
  ERR_DEV_IDP_APP_ENV: {
    status: 500,
    message: 'The dev IdP starts only when APP_ENV is development or test',
  },
  ERR_DEV_IDP_NOT_LOOPBACK: {
    status: 500,
    message: 'The dev IdP listens on loopback only unless allowNonLoopback is set',
  },
  ERR_INTERACTION_NOT_FOUND: {
    status: 400,
    message: 'This sign-in has expired or was already completed; start again from the application',
  },
  ERR_INTERACTION_MISMATCH: {
    status: 400,
    message: 'This sign-in page does not belong to the sign-in in progress in this browser',
  },
  ERR_INTERACTION_USED: { status: 400, message: 'This sign-in form was already submitted' },
  ERR_INTERACTION_PROMPT: { status: 400, message: 'This sign-in step cannot be completed with this form' },
  ERR_USER_UNKNOWN: { status: 400, message: 'No such dev user' },
  ERR_FORM_INVALID: { status: 400, message: 'The form submission is not valid' },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'The form was submitted from another origin' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code from {@link devIdpErrorCodes}. */
export type DevIdpErrorCode = keyof typeof devIdpErrorCodes;

/**
 * What the dev IdP throws or renders when it refuses something; `code` is stable.
 *
 * @example
 * try {
 *   await createDevIdp({ ...options, appEnv: 'production' });
 * } catch (error) {
 *   if (error instanceof DevIdpError && error.code === 'ERR_DEV_IDP_IN_PRODUCTION') process.exit(1);
 * }
 */
export class DevIdpError extends Error {
  readonly code: DevIdpErrorCode;
  readonly status: number;

  constructor(code: DevIdpErrorCode, detail?: string, options?: ErrorOptions) {
    const { message, status } = devIdpErrorCodes[code];
    super(detail ? `${message}: ${detail}` : message, options);
    this.name = 'DevIdpError';
    this.code = code;
    this.status = status;
  }
}
