import { AppError, type ErrorCode } from '../errors/index.js';

/** An authentication failure answered with a `WWW-Authenticate` challenge (RFC 6750 §3). */
export class ChallengeError extends AppError {
  readonly challenge: string;

  constructor(code: ErrorCode, challenge: string, detail?: string) {
    super(code, detail);
    this.name = 'ChallengeError';
    this.challenge = challenge;
  }
}
