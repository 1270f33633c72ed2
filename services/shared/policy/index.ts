export { decideToolCall, type ToolCallDecision, type ToolCallDenialCode } from './decide-tool-call.js';
export { type FilteredTools, filterTools } from './filter-tools.js';
export { type KnownScope, knownScopes } from './known-scopes.js';
export { type LoadedPolicies, type LoadPoliciesOptions, loadPolicies } from './load-policies.js';
export { parsePolicy } from './parse-policy.js';
export type { IdentityMatch, IdentityRule, Policy, ToolRule } from './policy.js';
export { PolicyError, type PolicyIssue } from './policy-error.js';
export { type PolicyDocument, policySchema } from './policy-schema.js';
export { type Identity, type IdentityScopes, scopesForIdentity } from './scopes-for-identity.js';
