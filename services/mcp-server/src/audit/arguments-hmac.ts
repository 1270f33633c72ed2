import { createHmac } from 'node:crypto';
import { AppError } from '../../../shared/errors/index.js';
import { canonicalJson } from '../../../shared/event-store/index.js';

/**
 * HMAC-SHA256 of a tool call's arguments (canonical JSON, sorted keys). Arguments may hold secrets,
 * so the audit log stores this instead: equal arguments can be matched without being readable.
 *
 * @throws {AppError} `ERR_REQUEST_INVALID` for arguments canonical JSON refuses (nested deeper than
 * it allows, a NUL or lone surrogate): the caller's input, not a server fault.
 */
export function argumentsHmac(key: Buffer, args: unknown): string {
  let canonical: string;
  try {
    canonical = canonicalJson(args ?? null);
  } catch (error) {
    throw new AppError(
      'ERR_REQUEST_INVALID',
      `tool arguments cannot be recorded: ${(error as Error).message}`,
    );
  }
  return createHmac('sha256', key).update(canonical).digest('hex');
}
