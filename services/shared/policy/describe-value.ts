/**
 * Describes a parsed YAML value the way its author wrote it, for error messages: "a list",
 * "a mapping", `the string "x"`, "the number 3", "an empty value".
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}
