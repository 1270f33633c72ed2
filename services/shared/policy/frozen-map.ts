/**
 * A `Map` whose contents cannot change after construction, so a frozen policy stays frozen even for
 * a caller that casts its `ReadonlyMap` away.
 */
export class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) super.set(key, value);
    Object.freeze(this);
  }

  override set(): never {
    throw new TypeError('A policy map is read-only');
  }

  override delete(): never {
    throw new TypeError('A policy map is read-only');
  }

  override clear(): never {
    throw new TypeError('A policy map is read-only');
  }
}
