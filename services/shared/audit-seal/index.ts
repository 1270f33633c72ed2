export {
  type AuditSealer,
  type AuditSealerOptions,
  createAuditSealer,
  type SealerLogger,
  type SealOutcome,
} from './audit-sealer.js';
export {
  anchorObjectName,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointBody,
  checkpointHash,
  checkpointMessage,
  GENESIS_HASH,
  type LogCursor,
  parseCheckpoint,
  type SignedCheckpoint,
  START_CURSOR,
  sequenceOfAnchorObject,
  serializeCheckpoint,
} from './checkpoint.js';
export { AnchorConflictError, type CheckpointAnchor, putOnce } from './checkpoint-anchor.js';
export type { CheckpointSigner } from './checkpoint-signer.js';
export { crc32c } from './crc32c.js';
export { createDirectoryAnchor } from './directory-anchor.js';
export { accessTokenFrom, anchorFrom, type GoogleOverrides, signerFrom } from './from-config.js';
export { createGcsAnchor, type GcsAnchorOptions } from './gcs-anchor.js';
export { type AccessTokenProvider, type FetchLike, GoogleApiError } from './google-api.js';
export {
  type EventInclusionProof,
  type InclusionProofFailure,
  proveEventInclusion,
} from './inclusion-proof-for-event.js';
export { KeyTrust, type KeyTrustOptions } from './key-trust.js';
export { createKmsSigner, type KmsSignerOptions } from './kms-signer.js';
export { eventLeafHash, type LeafFields, leafInput } from './leaf-hash.js';
export {
  LOCAL_PUBLIC_KEY_FILE,
  LOCAL_SIGNING_KEY_FILE,
  type LocalSigner,
  loadOrCreateLocalSigner,
} from './local-ed25519-signer.js';
export {
  consistencyProof,
  emptyTreeHash,
  type Hash,
  hashChildren,
  hashLeaf,
  inclusionProof,
  MerkleTreeBuilder,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree.js';
export { metadataServerToken, staticAccessToken } from './metadata-server-token.js';
export {
  type AnchorConfig,
  type AuditSealConfig,
  type GoogleAuthConfig,
  loadAuditSealConfig,
  readAuditSealConfig,
  type SignerConfig,
} from './seal-config.js';
export {
  postgresSealerLock,
  processLocalSealerLock,
  SEALER_LOCK_KEY,
  type SealerLock,
} from './sealer-lock.js';
export {
  keyIdOf,
  type SignatureAlgorithm,
  type SignerKey,
  signerKeyOf,
  verifySignature,
} from './signature-algorithm.js';
export { createServerSealer, type ServerSealerOptions } from './start-audit-sealer.js';
export {
  type VerifyLogOptions,
  type VerifyLogResult,
  type VerifyProgress,
  verifyAuditLog,
} from './verify-log.js';
export type { VerifyProblem, VerifyProblemCode } from './verify-problem.js';
