import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of a tool call's arguments (canonical JSON, sorted keys). Arguments may hold secrets,
 * so the audit log stores this instead: equal arguments can be matched without being readable.
 */
export function argumentsHmac(key: Buffer, args: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(args ?? null)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
