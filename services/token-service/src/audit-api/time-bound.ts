/** The result of {@link parseTimeBound}. */
export type TimeBoundResult =
  | { readonly ok: true; readonly date: Date }
  | { readonly ok: false; readonly message: string };

const relative = /^(\d{1,6})(s|m|h|d|w)$/;
const unitSeconds: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };
// RFC 3339 profile of ISO 8601: a date, or a date-time with seconds optional and an explicit offset
// (a time without one would silently mean the server's zone).
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses a time bound of an audit query: a duration before `now` (`90s`, `30m`, `24h`, `7d`, `2w`),
 * an ISO 8601 date (`2025-06-01`, midnight UTC) or date-time with an offset
 * (`2025-06-01T12:00:00Z`, `2025-06-01T14:00+02:00`).
 *
 * @example
 * parseTimeBound('24h', new Date('2025-06-02T00:00:00Z')); // { ok: true, date: 2025-06-01T00:00:00Z }
 */
export function parseTimeBound(text: string, now: Date): TimeBoundResult {
  const trimmed = text.trim();
  const match = relative.exec(trimmed);
  if (match) {
    const seconds = Number(match[1]) * (unitSeconds[match[2]!] ?? 1);
    return { ok: true, date: new Date(now.getTime() - seconds * 1_000) };
  }
  if ((isoDate.test(trimmed) || isoDateTime.test(trimmed)) && isCalendarValid(trimmed)) {
    const date = new Date(isoDate.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
    if (!Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1970) return { ok: true, date };
  }
  return {
    ok: false,
    message: `${JSON.stringify(text)} is neither a duration like 30m, 24h, 7d nor an ISO 8601 time like 2025-06-01T12:00:00Z`,
  };
}

/** `Date` rolls 2025-02-30 over to March; an audit bound must mean what it says. */
function isCalendarValid(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  if (text.length === 10) return true;
  const [hour, minute] = text.slice(11, 16).split(':').map(Number) as [number, number];
  const second = text.length > 17 && text[16] === ':' ? Number(text.slice(17, 19)) : 0;
  return hour <= 23 && minute <= 59 && second <= 59;
}
