import {
  anchorObjectName,
  checkpointMessage,
  type SignedCheckpoint,
  serializeCheckpoint,
} from './checkpoint.js';
import type { CheckpointAnchor } from './checkpoint-anchor.js';
import { type SignerKey, signerKeyOf, verifySignature } from './signature-algorithm.js';
import type { VerifyProblem } from './verify-problem.js';

/** Options of {@link KeyTrust}. */
export interface KeyTrustOptions {
  /** Keys to trust, and only these (`--public-key`). Empty or absent: trust comes from the anchor. */
  readonly pinned?: readonly SignerKey[] | undefined;
  readonly anchor?: CheckpointAnchor | undefined;
}

/**
 * Decides whether a checkpoint's signature counts. A public key inside the database proves nothing
 * (whoever rewrites the table can re-sign with a key of their own), so a key is trusted only when:
 *
 * - it was pinned (`--public-key`, e.g. from `gcloud kms keys versions get-public-key`), in which
 *   case no other key is; or, without pins,
 * - the write-once anchor holds, byte for byte, the first checkpoint that uses it: the anchor sits
 *   outside the database's trust boundary (a retention-locked bucket in production), so a key the
 *   anchor recorded was the sealer's key at the time.
 */
export class KeyTrust {
  readonly #pinned: ReadonlyMap<string, SignerKey>;
  readonly #anchor: CheckpointAnchor | undefined;
  readonly #vouched = new Map<string, number>();
  /** Sequences whose anchored copy was compared and matched. */
  readonly anchorMatched = new Set<number>();

  constructor(options: KeyTrustOptions) {
    this.#pinned = new Map((options.pinned ?? []).map((key) => [key.keyId, key]));
    this.#anchor = options.anchor;
  }

  /** Key ids trusted so far and why. */
  trustedKeys(): { keyId: string; source: string }[] {
    return [
      ...[...this.#pinned.keys()].map((keyId) => ({ keyId, source: 'pinned (--public-key)' })),
      ...[...this.#vouched].map(([keyId, sequence]) => ({
        keyId,
        source: `anchored checkpoint ${sequence}`,
      })),
    ];
  }

  /** Checks key id, trust and signature of one checkpoint; the problem, or undefined when it verifies. */
  async check(checkpoint: SignedCheckpoint): Promise<VerifyProblem | undefined> {
    const sequence = checkpoint.sequence;
    const position = checkpoint.last.globalPosition;
    let key: SignerKey;
    try {
      key = signerKeyOf(Buffer.from(checkpoint.publicKey, 'base64'));
    } catch {
      return {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: sequence,
        position,
        message: `checkpoint ${sequence}: the public key is not a usable Ed25519 or P-256 key`,
      };
    }
    if (key.keyId !== checkpoint.keyId || key.algorithm !== checkpoint.algorithm) {
      return {
        code: 'CHECKPOINT_MALFORMED',
        checkpoint: sequence,
        position,
        message: `checkpoint ${sequence}: key id or algorithm does not match its public key`,
      };
    }
    const problem =
      this.#pinned.size > 0 ? this.#checkPinned(checkpoint) : await this.#checkAnchored(checkpoint);
    if (problem) return problem;
    const signature = Buffer.from(checkpoint.signature, 'base64');
    if (!verifySignature(key, checkpointMessage(checkpoint), signature)) {
      return {
        code: 'SIGNATURE_INVALID',
        checkpoint: sequence,
        position,
        message: `checkpoint ${sequence}: the signature does not verify (key ${key.keyId.slice(0, 16)}…)`,
      };
    }
    return undefined;
  }

  /**
   * Compares the anchored copy of a checkpoint with the database's, once per sequence.
   *
   * @returns the problem, `'absent'` when the anchor has no copy, or undefined when they match.
   */
  async compareWithAnchor(checkpoint: SignedCheckpoint): Promise<VerifyProblem | 'absent' | undefined> {
    if (!this.#anchor || this.anchorMatched.has(checkpoint.sequence)) return undefined;
    const name = anchorObjectName(checkpoint.sequence);
    let anchored: string | undefined;
    try {
      anchored = await this.#anchor.get(name);
    } catch (error) {
      return {
        code: 'ANCHOR_UNAVAILABLE',
        checkpoint: checkpoint.sequence,
        message: `${this.#anchor.description}: cannot read ${name} (${(error as Error).message})`,
      };
    }
    if (anchored === undefined) return 'absent';
    if (anchored !== serializeCheckpoint(checkpoint)) {
      return {
        code: 'ANCHOR_MISMATCH',
        checkpoint: checkpoint.sequence,
        position: checkpoint.last.globalPosition,
        message: `checkpoint ${checkpoint.sequence} differs from its anchored copy in ${this.#anchor.description} (replaced or altered in the database)`,
      };
    }
    this.anchorMatched.add(checkpoint.sequence);
    return undefined;
  }

  #checkPinned(checkpoint: SignedCheckpoint): VerifyProblem | undefined {
    if (this.#pinned.has(checkpoint.keyId)) return undefined;
    return {
      code: 'KEY_UNTRUSTED',
      checkpoint: checkpoint.sequence,
      position: checkpoint.last.globalPosition,
      message: `checkpoint ${checkpoint.sequence} is signed by key ${checkpoint.keyId.slice(0, 16)}…, which is not among the --public-key keys`,
    };
  }

  async #checkAnchored(checkpoint: SignedCheckpoint): Promise<VerifyProblem | undefined> {
    if (this.#vouched.has(checkpoint.keyId)) return undefined;
    const untrusted: VerifyProblem = {
      code: 'KEY_UNTRUSTED',
      checkpoint: checkpoint.sequence,
      position: checkpoint.last.globalPosition,
      message: `checkpoint ${checkpoint.sequence} is signed by key ${checkpoint.keyId.slice(0, 16)}…, which no anchored checkpoint vouches for (pass --public-key to pin a key)`,
    };
    if (!this.#anchor) return untrusted;
    const compared = await this.compareWithAnchor(checkpoint);
    if (compared === 'absent') return untrusted;
    if (compared) return compared;
    this.#vouched.set(checkpoint.keyId, checkpoint.sequence);
    return undefined;
  }
}
