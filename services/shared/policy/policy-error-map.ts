import type * as z from 'zod';
import { describeValue } from './describe-value.js';

const expectedNames: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/**
 * Parse-time error map for `policySchema`: the generic messages (a required key is missing, a value
 * has the wrong type, a record key is invalid) in the words of a YAML author. Messages the schema sets
 * on a field take precedence.
 */
export const policyErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return issue.issues.map((inner) => inner.message).join('; ');
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : undefined;
    default:
      return undefined;
  }
};
