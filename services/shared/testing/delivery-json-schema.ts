/**
 * The subset of JSON Schema draft-07 that `helm/mcp-authz/values.schema.json` uses: type, enum,
 * const, not, pattern, min/max(Length), minimum/maximum, required, properties, additionalProperties,
 * items, minItems, contains and local `$ref`s to `#/definitions/…`. Used when ajv (a transitive
 * dependency of the MCP SDK, not one of ours) cannot be loaded, and cross-checked against ajv when it
 * can. Returns one message per violation, each naming the value's path.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export function validateJsonSchemaSubset(schema: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, schema, value, '', errors);
  return errors;
}

/** Keywords the subset implements; a schema using any other keyword is refused, not half-checked. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  '$ref',
  'title',
  'description',
  'definitions',
  'type',
  'enum',
  'const',
  'not',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'contains',
]);

function check(root: JsonSchema, schema: JsonSchema, value: unknown, path: string, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!SUPPORTED_KEYWORDS.has(keyword))
      throw new TypeError(`unsupported schema keyword ${keyword} at ${path}`);
  }
  const at = path || '(root)';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = (root.definitions as Record<string, JsonSchema> | undefined)?.[name];
    if (!target) throw new TypeError(`unresolved $ref ${schema.$ref}`);
    check(root, target, value, path, errors);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) {
      errors.push(`${at}: expected ${types.join(' or ')}, got ${JSON.stringify(value)}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => deepEqual(option, value))) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    errors.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  }
  if (schema.not !== undefined && validateAgainst(root, schema.not as JsonSchema, value).length === 0) {
    errors.push(`${at}: ${JSON.stringify(value)} matches a forbidden schema`);
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      errors.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      errors.push(`${at}: shorter than ${schema.minLength}`);
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      errors.push(`${at}: longer than ${schema.maxLength}`);
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errors.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errors.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    }
    if (schema.items !== undefined) {
      value.forEach((item, index) => {
        check(root, schema.items as JsonSchema, item, `${path}[${index}]`, errors);
      });
    }
    if (
      schema.contains !== undefined &&
      !value.some((item) => validateAgainst(root, schema.contains as JsonSchema, item).length === 0)
    ) {
      errors.push(`${at}: no item matches the required one`);
    }
  }
  if (isObject(value)) {
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in value)) errors.push(`${at}: missing required property ${name}`);
    }
    const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const [name, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${name}` : name;
      const propertySchema = properties[name];
      if (propertySchema) check(root, propertySchema, child, childPath, errors);
      else if (schema.additionalProperties === false) errors.push(`${at}: unknown property ${name}`);
      else if (isObject(schema.additionalProperties)) {
        check(root, schema.additionalProperties as JsonSchema, child, childPath, errors);
      }
    }
  }
}

function validateAgainst(root: JsonSchema, schema: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, schema, value, '', errors);
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new TypeError(`unknown type ${type}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
