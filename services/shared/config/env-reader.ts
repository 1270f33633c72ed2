import { ConfigError } from './config-error.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values from an environment, collecting every problem so one start-up names all bad
 * variables at once. Call {@link EnvReader.done} after the last read: it throws a `ConfigError`.
 *
 * @example
 * const env = new EnvReader(process.env);
 * const port = env.port('PORT', 8080);
 * env.done();
 */
export class EnvReader {
  readonly #env: Env;
  readonly #problems: string[] = [];

  constructor(env: Env) {
    this.#env = env;
  }

  /** A raw value; empty strings count as unset. */
  optional(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  required(name: string, why: string): string {
    const value = this.optional(name);
    if (value === undefined) this.#problems.push(`${name} is required (${why})`);
    return value ?? '';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.#problems.push(`${name}=${JSON.stringify(value)} must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  integer(name: string, fallback: number, { min, max }: { min: number; max: number }): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.#problems.push(`${name}=${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  port(name: string, fallback: number): number {
    return this.integer(name, fallback, { min: 0, max: 65535 });
  }

  /** An absolute http(s) URL, returned in its normalised form. */
  url(name: string, fallback: string): string {
    const value = this.optional(name) ?? fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
      if (url.hash || url.username || url.password) throw new TypeError('no fragment or credentials allowed');
      return url.href;
    } catch (error) {
      this.#problems.push(
        `${name}=${JSON.stringify(value)} is not an absolute http(s) URL (${(error as Error).message})`,
      );
      return fallback;
    }
  }

  /** A comma-separated list; empty items are dropped. */
  list(name: string, fallback: readonly string[] = []): string[] {
    const value = this.optional(name);
    if (value === undefined) return [...fallback];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A duration such as `900`, `90s`, `15m`, `12h` or `7d`, in seconds. */
  durationSeconds(name: string, fallback: number, { min, max }: { min: number; max: number }): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds < min || seconds > max) {
      this.#problems.push(
        `${name}=${JSON.stringify(value)} must be a duration from ${min}s to ${max}s (e.g. 15m)`,
      );
      return fallback;
    }
    return seconds;
  }

  /** Records a problem found by a cross-field check. */
  problem(message: string): void {
    this.#problems.push(message);
  }

  done(): void {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
  }
}

const units: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `900`, `90s`, `15m`, `12h`, `7d`; undefined when malformed. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (units[match[2] || 's'] ?? 1);
}
