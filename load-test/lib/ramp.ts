/** A linear change in the number of virtual users: `from` users at the start, `to` after `durationMs`. */
export interface Ramp {
  readonly from: number;
  readonly to: number;
  readonly durationMs: number;
}

const units: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration: `250ms`, `30s`, `5m`, `1h`, or a bare number of seconds.
 *
 * @throws {TypeError} naming the text when it is not a non-negative duration.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new TypeError(`not a duration: ${JSON.stringify(text)} (use 500ms, 30s, 5m or 1h)`);
  return Math.round(Number(match[1]) * (units[match[2] ?? 's'] ?? 1_000));
}

/**
 * Parses `FROM:TO:DURATION` (`10:100:5m`, `1:20:30s`); `N` alone is a constant `N` users.
 *
 * @throws {TypeError} naming the text when it is not a ramp.
 */
export function parseRamp(text: string): Ramp {
  const parts = text.split(':');
  const users = (part: string | undefined) => {
    const value = Number(part);
    if (!Number.isInteger(value) || value < 0 || value > 10_000) {
      throw new TypeError(
        `not a user count (0 to 10000): ${JSON.stringify(part)} in ramp ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
  if (parts.length === 1) {
    const n = users(parts[0]);
    return { from: n, to: n, durationMs: 0 };
  }
  if (parts.length !== 3)
    throw new TypeError(`not a ramp: ${JSON.stringify(text)} (use FROM:TO:DURATION, e.g. 10:100:5m)`);
  return { from: users(parts[0]), to: users(parts[1]), durationMs: parseDuration(parts[2] ?? '') };
}

/** Virtual users the ramp asks for `elapsedMs` after the start (it holds `to` once the ramp is over). */
export function usersAt(ramp: Ramp, elapsedMs: number): number {
  if (ramp.durationMs <= 0 || elapsedMs >= ramp.durationMs) return ramp.to;
  return Math.round(ramp.from + ((ramp.to - ramp.from) * Math.max(0, elapsedMs)) / ramp.durationMs);
}
