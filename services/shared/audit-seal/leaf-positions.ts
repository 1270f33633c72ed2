/**
 * The positions a checkpoint sealed, in leaf order, as runs of consecutive positions:
 * `start+count` joined by commas (`"5+2,3+2"` is 5, 6, 3, 4). Group commit writes consecutive
 * positions, so a checkpoint of thousands of rows usually needs a handful of runs.
 */
export class LeafPositionsEncoder {
  readonly #runs: string[] = [];
  #start: bigint | undefined;
  #count = 0n;

  /** Adds the next leaf's position. */
  push(position: string): void {
    const value = BigInt(position);
    if (this.#start !== undefined && this.#start + this.#count === value) {
      this.#count++;
      return;
    }
    this.#flush();
    this.#start = value;
    this.#count = 1n;
  }

  /** The encoded runs (empty string for no leaves). */
  toString(): string {
    this.#flush();
    this.#start = undefined;
    this.#count = 0n;
    return this.#runs.join(',');
  }

  #flush(): void {
    if (this.#start !== undefined) this.#runs.push(`${this.#start}+${this.#count}`);
    this.#start = undefined;
  }
}

const runsPattern = /^\d+\+\d+(,\d+\+\d+)*$/;

/**
 * Decodes `start+count,…` into decimal positions, in order, refusing more than `limit` of them.
 *
 * @throws {TypeError} when malformed or longer than `limit`.
 * @example
 * [...decodeLeafPositions('5+2,3+2', 10)]; // ['5', '6', '3', '4']
 */
export function* decodeLeafPositions(encoded: string, limit: number): Generator<string> {
  if (!runsPattern.test(encoded)) throw new TypeError('leaf positions must be runs of start+count');
  let total = 0n;
  for (const run of encoded.split(',')) {
    const [start, count] = run.split('+').map((part) => BigInt(part)) as [bigint, bigint];
    if (count < 1n) throw new TypeError('a run of leaf positions must not be empty');
    total += count;
    if (total > BigInt(limit)) throw new TypeError(`more than ${limit} leaf positions`);
    for (let i = 0n; i < count; i++) yield String(start + i);
  }
}
