import type Provider from 'oidc-provider';
import { scopes as contractScopes } from '../../../shared/auth/index.js';

type Interaction = InstanceType<Provider['Interaction']>;

/** The outcome of {@link decideGrantedScopes}. */
export type GrantedScopes =
  | { readonly ok: true; readonly scopes: readonly string[] }
  | { readonly ok: false; readonly requested: readonly string[] };

/**
 * Which contract scopes an authorization gets: those requested that policy allows the user, with
 * the rest dropped silently (clients such as Claude Code ask for every advertised scope, for every
 * user); a request naming no contract scope gets everything policy allows. Nothing left means no
 * token. Pure.
 *
 * @example
 * decideGrantedScopes(['public:read', 'confidential:read', 'offline_access'], ['public:read']);
 * // { ok: true, scopes: ['public:read'] }
 */
export function decideGrantedScopes(requested: readonly string[], allowed: readonly string[]): GrantedScopes {
  const asked = requested.filter((scope) => (contractScopes as readonly string[]).includes(scope));
  const scopes = asked.length === 0 ? [...allowed] : allowed.filter((scope) => asked.includes(scope));
  return scopes.length > 0
    ? { ok: true, scopes: [...new Set(scopes)].sort() }
    : { ok: false, requested: asked };
}

/**
 * Finishes an authorization request's interaction for a signed-in user: records the login and a
 * consent limited to `scopes` for the requested resource, and rewrites the request's scope to what
 * is granted, so oidc-provider neither asks for consent again (a loop) nor fails the request for
 * the dropped scopes. Returns where to send the browser (oidc-provider's resume endpoint).
 */
export async function finishWithGrant(
  provider: Provider,
  interaction: Interaction,
  grant: { readonly subject: string; readonly scopes: readonly string[]; readonly defaultResource: string },
): Promise<string> {
  const requested = scopeList(interaction.params.scope);
  const oidcScopes = requested.filter((scope) => scope === 'openid' || scope === 'offline_access');
  interaction.params.scope = [...grant.scopes, ...oidcScopes].join(' ');
  const clientId = String(interaction.params.client_id);
  const resources = resourceList(interaction.params.resource, grant.defaultResource);
  const record = new provider.Grant({ accountId: grant.subject, clientId });
  for (const resource of resources) record.addResourceScope(resource, grant.scopes.join(' '));
  if (oidcScopes.length > 0) record.addOIDCScope(oidcScopes.join(' '));
  const grantId = await record.save();
  return finishInteraction(interaction, {
    login: { accountId: grant.subject, remember: true },
    consent: { grantId },
  });
}

/**
 * Ends the login step of an interaction alone (the user signed in as `subject`); oidc-provider
 * then starts the consent step with that session.
 */
export function finishWithLogin(interaction: Interaction, subject: string): Promise<string> {
  return finishInteraction(interaction, { login: { accountId: subject, remember: true } });
}

/** Ends an interaction with an error the client receives at its redirect URI (RFC 6749 §4.1.2.1). */
export function finishWithError(interaction: Interaction, description: string): Promise<string> {
  return finishInteraction(interaction, { error: 'access_denied', error_description: description });
}

async function finishInteraction(interaction: Interaction, result: Interaction['result']): Promise<string> {
  interaction.result = result;
  await interaction.save(Math.max(interaction.exp - Math.floor(Date.now() / 1000), 1));
  return interaction.returnTo;
}

function scopeList(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

function resourceList(value: unknown, fallback: string): string[] {
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [fallback];
}
