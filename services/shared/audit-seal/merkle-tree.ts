import { createHash } from 'node:crypto';

/** A SHA-256 digest (32 bytes). */
export type Hash = Buffer;

const leafPrefix = Buffer.from([0x00]);
const nodePrefix = Buffer.from([0x01]);

/** `MTH({})`: the hash of an empty tree, SHA-256 of nothing (RFC 6962 §2.1). */
export const emptyTreeHash: Hash = createHash('sha256').digest();

/** `SHA-256(0x00 || input)`: a leaf (RFC 6962 §2.1). */
export function hashLeaf(input: Uint8Array): Hash {
  return createHash('sha256').update(leafPrefix).update(input).digest();
}

/** `SHA-256(0x01 || left || right)`: an interior node (RFC 6962 §2.1). */
export function hashChildren(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(nodePrefix).update(left).update(right).digest();
}

/**
 * Builds the RFC 6962 Merkle tree hash one leaf at a time in O(log n) memory: it keeps the roots of
 * the perfect subtrees that make up the leaves so far (sizes are the binary digits of the count) and
 * folds them right to left at the end, which is exactly the RFC's split at the largest power of two
 * smaller than n.
 *
 * @example
 * const tree = new MerkleTreeBuilder();
 * for (const leaf of leafHashes) tree.push(leaf);
 * tree.root(); // equals merkleRoot(leafHashes)
 */
export class MerkleTreeBuilder {
  readonly #stack: { hash: Hash; size: number }[] = [];
  #size = 0;

  /** Number of leaves pushed. */
  get size(): number {
    return this.#size;
  }

  /** Appends a leaf hash (already `hashLeaf`ed). */
  push(leafHash: Hash): void {
    let node = { hash: leafHash, size: 1 };
    for (
      let top = this.#stack.at(-1);
      top !== undefined && top.size === node.size;
      top = this.#stack.at(-1)
    ) {
      this.#stack.pop();
      node = { hash: hashChildren(top.hash, node.hash), size: top.size * 2 };
    }
    this.#stack.push(node);
    this.#size++;
  }

  /** The tree hash of the leaves so far (`emptyTreeHash` for none). */
  root(): Hash {
    let root: Hash | undefined;
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const node = this.#stack[i]!.hash;
      root = root === undefined ? node : hashChildren(node, root);
    }
    return root ?? emptyTreeHash;
  }
}

/** `MTH(D[n])` over leaf hashes (RFC 6962 §2.1). */
export function merkleRoot(leafHashes: readonly Hash[]): Hash {
  const tree = new MerkleTreeBuilder();
  for (const leaf of leafHashes) tree.push(leaf);
  return tree.root();
}

/** The largest power of two smaller than n (n ≥ 2): the RFC 6962 split point. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Hash[], start: number, end: number): Hash {
  return merkleRoot(leaves.slice(start, end));
}

/**
 * The audit path `PATH(m, D[n])` of leaf `index` (RFC 6962 §2.1.1), ordered from the leaf up.
 *
 * @throws {RangeError} when `index` is outside the tree.
 * @example
 * const path = inclusionProof(leaves, 5);
 * verifyInclusion(leaves[5], 5, leaves.length, path, merkleRoot(leaves)); // true
 */
export function inclusionProof(leafHashes: readonly Hash[], index: number): Hash[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leafHashes.length}`);
  }
  const path: Hash[] = [];
  let start = 0;
  let end = leafHashes.length;
  let m = index;
  // Walks down from the root, collecting siblings; reversed so the path runs leaf to root.
  while (end - start > 1) {
    const k = split(end - start);
    if (m < k) {
      path.push(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(leafHashes, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/**
 * Checks an audit path (RFC 9162 §2.1.3.2, the verification algorithm for RFC 6962 paths).
 *
 * @example
 * verifyInclusion(leafHash, 0, 1, [], leafHash); // true
 */
export function verifyInclusion(
  leafHash: Hash,
  index: number,
  treeSize: number,
  path: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * The consistency proof `PROOF(m, D[n])` between the first `oldSize` leaves and all of them
 * (RFC 6962 §2.1.2).
 *
 * @throws {RangeError} unless 0 < oldSize ≤ leafHashes.length.
 */
export function consistencyProof(leafHashes: readonly Hash[], oldSize: number): Hash[] {
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > leafHashes.length) {
    throw new RangeError(`old size ${oldSize} is not within 1..${leafHashes.length}`);
  }
  const proof: Hash[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively; nodes are appended leaf-side last, as in the RFC.
  const tail: Hash[] = [];
  let start = 0;
  let end = leafHashes.length;
  let m = oldSize;
  let complete = true;
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(subtreeRoot(leafHashes, start, end));
      break;
    }
    const k = split(n);
    if (m <= k) {
      tail.push(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      tail.push(subtreeRoot(leafHashes, start, start + k));
      start += k;
      m -= k;
      complete = false;
    }
  }
  return [...proof, ...tail.reverse()];
}

/**
 * Checks a consistency proof (RFC 9162 §2.1.4.2).
 *
 * @example
 * verifyConsistency(3, 7, consistencyProof(leaves7, 3), root3, root7); // true
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Hash[],
  oldRoot: Hash,
  newRoot: Hash,
): boolean {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 1 || oldSize > newSize) {
    return false;
  }
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  // A power-of-two old tree is itself a node of the new one: the RFC prepends its root.
  if ((oldSize & (oldSize - 1)) === 0) path.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path;
  if (first === undefined) return false;
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}
