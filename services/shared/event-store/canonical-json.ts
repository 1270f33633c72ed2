/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * `JSON.stringify` writes them (ECMAScript number serialisation, as in RFC 8785). Members whose value
 * is `undefined` are left out and `toJSON()` is honoured, exactly like `JSON.stringify`, so the text
 * hashed is the text stored.
 *
 * Strings must be storable by PostgreSQL: a NUL character or a lone surrogate would make the whole
 * multi-row INSERT fail, so they are refused here, per event, before anything is queued.
 *
 * @throws {TypeError} for a string PostgreSQL cannot store, a bigint, or a cycle.
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

// Deeper than any audit payload; stops a cyclic structure without tracking visited objects.
const maxDepth = 64;
// NUL, or any surrogate (then checked properly): one regex scan on the common path.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const suspicious = /[\u0000\ud800-\udfff]/;

/**
 * One string as canonical JSON writes it, refused (TypeError) when PostgreSQL could not store it.
 * For writers that lay out a fixed, already sorted object themselves (the event envelope).
 */
export function jsonString(text: string): string {
  // Most strings hold nothing JSON escapes and nothing suspicious: then the JSON is the text in
  // quotes, and one scan replaces the check and JSON.stringify's own.
  if (!notPlain.test(text)) return `"${text}"`;
  checkStorable(text);
  return JSON.stringify(text);
}

// What JSON.stringify escapes (control characters, quote, backslash) or checkStorable must look at.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const notPlain = /[\u0000-\u001f"\\\ud800-\udfff]/;

function write(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('A bigint cannot be represented in JSON; convert it to a string');
    case 'object': {
      if (value === null) return 'null';
      if (depth >= maxDepth) throw new TypeError(`JSON nested deeper than ${maxDepth} levels (or a cycle)`);
      const withToJson = value as { toJSON?: unknown };
      if (typeof withToJson.toJSON === 'function')
        return write((withToJson.toJSON as () => unknown)(), depth);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += isOmitted(item) ? 'null' : write(item, depth + 1);
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = sortedKeys(record);
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (isOmitted(member)) continue;
        checkStorable(key);
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${write(member, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

/** Keys in UTF-16 code unit order; objects built in that order (the event envelope) skip the sort. */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) return keys.sort();
  }
  return keys;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * `text` with what PostgreSQL cannot store replaced by U+FFFD (a NUL, a lone surrogate), for text
 * a caller wrote (a header, a JSON-RPC field, an upstream error): recorded as near as it can be,
 * rather than refused with the event.
 */
export function storableText(text: string): string {
  if (!suspicious.test(text)) return text;
  return (text as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\ufffd');
}

/**
 * At most `max` UTF-16 units of `text`, ending in `…` when cut, never splitting a surrogate pair.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function checkStorable(text: string): void {
  if (!suspicious.test(text)) return;
  if (text.includes('\u0000')) throw new TypeError('Strings in audit events must not contain NUL characters');
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new TypeError('Strings in audit events must be well-formed UTF-16 (no lone surrogates)');
  }
}
