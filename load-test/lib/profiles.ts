/** A kind of user: the scopes its tokens carry and the tools it calls, by weight. */
export interface Profile {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Share of virtual users with this profile. */
  readonly weight: number;
  /** Tools this user calls, by weight; those its scopes do not allow are meant to be denied. */
  readonly calls: readonly { readonly tool: string; readonly weight: number }[];
}

/**
 * Default mix: most users read the public document and now and then try the confidential one
 * (denied: 403 insufficient_scope); some may read both; some hold a token with no scope at all
 * (their `tools/list` is empty and every call is denied).
 */
export const defaultProfiles: readonly Profile[] = Object.freeze([
  {
    name: 'reader',
    scopes: ['public:read'],
    weight: 6,
    calls: [
      { tool: 'get_public_info', weight: 4 },
      { tool: 'get_confidential_info', weight: 1 },
    ],
  },
  {
    name: 'strategist',
    scopes: ['public:read', 'confidential:read'],
    weight: 2,
    calls: [
      { tool: 'get_public_info', weight: 1 },
      { tool: 'get_confidential_info', weight: 1 },
    ],
  },
  { name: 'none', scopes: [], weight: 2, calls: [{ tool: 'get_public_info', weight: 1 }] },
]);

/**
 * Applies `reader=6,strategist=2,none=0` style weights to the default profiles.
 *
 * @throws {TypeError} for an unknown profile or a bad weight.
 */
export function parseMix(text: string, profiles: readonly Profile[] = defaultProfiles): Profile[] {
  const weights = new Map<string, number>();
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', value = ''] = part.split('=').map((s) => s.trim());
    const weight = Number(value);
    if (!profiles.some((p) => p.name === name)) {
      throw new TypeError(
        `unknown profile ${JSON.stringify(name)} in --mix (known: ${profiles.map((p) => p.name).join(', ')})`,
      );
    }
    if (!Number.isFinite(weight) || weight < 0)
      throw new TypeError(`bad weight ${JSON.stringify(value)} for ${name}`);
    weights.set(name, weight);
  }
  const mixed = profiles.map((p) => ({ ...p, weight: weights.get(p.name) ?? p.weight }));
  if (mixed.every((p) => p.weight === 0)) throw new TypeError('--mix gives every profile weight 0');
  return mixed;
}

/** Picks an item by weight; `r` is uniform in [0, 1). */
export function pickWeighted<T extends { readonly weight: number }>(items: readonly T[], r: number): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let at = r * total;
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item;
  }
  const last = items.at(-1);
  if (last === undefined) throw new RangeError('pickWeighted from an empty list');
  return last;
}
