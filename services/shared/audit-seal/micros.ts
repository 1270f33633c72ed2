/** SQL for a timestamptz column as whole microseconds since the epoch, exact (numeric, not float). */
export function microsSql(column: string): string {
  return `(EXTRACT(EPOCH FROM ${column}) * 1000000)::bigint::text`;
}

/**
 * ISO 8601 UTC text of a microsecond timestamp: milliseconds as `Date#toISOString` writes them, and
 * three more digits only when the value has sub-millisecond precision (so such a value can never
 * pass for the millisecond one it was altered from).
 */
export function isoFromMicros(micros: string): string {
  const value = BigInt(micros);
  const millis = value >= 0n ? value / 1000n : -((-value + 999n) / 1000n);
  const rest = value - millis * 1000n;
  const iso = new Date(Number(millis)).toISOString();
  return rest === 0n ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}
