import { createHmac } from 'node:crypto';
import { canonicalJson } from '../../../shared/event-store/index.js';

/**
 * HMAC-SHA256 of a tool call's arguments (canonical JSON, sorted keys). Arguments may hold secrets,
 * so the audit log stores this instead: equal arguments can be matched without being readable.
 */
export function argumentsHmac(key: Buffer, args: unknown): string {
  return createHmac('sha256', key)
    .update(canonicalJson(args ?? null))
    .digest('hex');
}
