import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  emptyTreeHash,
  type Hash,
  hashLeaf,
  inclusionProof,
  MerkleTreeBuilder,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree.js';

// Test vectors of certificate-transparency's merkle_tree_test.cc (RFC 6962 trees over these inputs).
const vectorInputs = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const vectorRoots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const vectorLeaves = vectorInputs.map((input) => hashLeaf(Buffer.from(input, 'hex')));

/** MTH, PATH and PROOF written exactly as RFC 6962 §2.1 defines them, recursively. */
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Hash[]): Hash {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0]!;
  return sha(Buffer.from([1]), mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
}
function path(m: number, d: Hash[]): Hash[] {
  if (d.length === 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
}
function subproof(m: number, d: Hash[], b: boolean): Hash[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}
const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
const hex = (hashes: Hash[]) => hashes.map((hash) => hash.toString('hex'));

describe('RFC 6962 Merkle tree', () => {
  it('matches the certificate-transparency test vectors for sizes 1 to 8', () => {
    for (let n = 1; n <= 8; n++) {
      expect(merkleRoot(vectorLeaves.slice(0, n)).toString('hex'), `size ${n}`).toBe(vectorRoots[n - 1]);
    }
    expect(merkleRoot([])).toEqual(emptyTreeHash);
    expect(emptyTreeHash.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it("produces the vectors' audit path for leaf 0 of 8", () => {
    expect(hex(inclusionProof(vectorLeaves, 0))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('agrees with the recursive RFC definitions for every size 1..64, every leaf and every old size', () => {
    for (let n = 1; n <= 64; n++) {
      const leaves = leavesOf(n);
      const root = mth(leaves);
      const builder = new MerkleTreeBuilder();
      for (const leaf of leaves) builder.push(leaf);
      expect(builder.root(), `root of ${n}`).toEqual(root);
      expect(builder.size).toBe(n);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(leaves, m);
        expect(hex(proof), `PATH(${m}, D[${n}])`).toEqual(hex(path(m, leaves)));
        expect(verifyInclusion(leaves[m]!, m, n, proof, root), `verify PATH(${m}, D[${n}])`).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(leaves, m);
        expect(hex(proof), `PROOF(${m}, D[${n}])`).toEqual(hex(subproof(m, leaves, true)));
        expect(
          verifyConsistency(m, n, proof, mth(leaves.slice(0, m)), root),
          `verify PROOF(${m}, D[${n}])`,
        ).toBe(true);
      }
    }
  });

  it('rejects an inclusion proof for another leaf, index, size or root, or with a changed node', () => {
    const leaves = leavesOf(13);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 6);
    expect(verifyInclusion(leaves[6]!, 6, 13, proof, root)).toBe(true);
    expect(verifyInclusion(leaves[7]!, 6, 13, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 7, 13, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 6, 8, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 6, 13, proof, leaves[0]!)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 6, 13, proof.slice(1), root)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 6, 13, [...proof, leaves[0]!], root)).toBe(false);
    const changed = proof.map((node, i) => (i === 1 ? hashLeaf(Buffer.from('x')) : node));
    expect(verifyInclusion(leaves[6]!, 6, 13, changed, root)).toBe(false);
    expect(verifyInclusion(leaves[6]!, 13, 13, proof, root)).toBe(false);
  });

  it('rejects a consistency proof between trees that do not extend one another', () => {
    const leaves = leavesOf(20);
    const forked = [...leaves.slice(0, 5), hashLeaf(Buffer.from('other')), ...leaves.slice(6)];
    const proof = consistencyProof(forked, 7);
    expect(verifyConsistency(7, 20, proof, merkleRoot(forked.slice(0, 7)), merkleRoot(forked))).toBe(true);
    expect(verifyConsistency(7, 20, proof, merkleRoot(leaves.slice(0, 7)), merkleRoot(forked))).toBe(false);
    expect(verifyConsistency(7, 20, [], merkleRoot(forked.slice(0, 7)), merkleRoot(forked))).toBe(false);
    expect(
      verifyConsistency(
        8,
        20,
        consistencyProof(leaves, 8),
        merkleRoot(leaves.slice(0, 8)),
        merkleRoot(leaves),
      ),
    ).toBe(true);
  });

  it('refuses to prove a leaf outside the tree', () => {
    expect(() => inclusionProof(leavesOf(3), 3)).toThrow(RangeError);
    expect(() => consistencyProof(leavesOf(3), 0)).toThrow(RangeError);
  });
});
