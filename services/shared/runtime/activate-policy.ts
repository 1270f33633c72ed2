import type { CommonConfig } from '../config/index.js';
import type { EventAppender } from '../event-store/index.js';
import { loadPolicies, type Policy } from '../policy/index.js';

/**
 * Loads, validates and freezes the policy a role serves (a bad file stops start-up naming file,
 * line and problem), then records `policy.activated` for this instance before it serves anything.
 */
export async function activatePolicy(
  config: CommonConfig,
  service: string,
  append: EventAppender['append'],
): Promise<Policy> {
  const { active } = loadPolicies({ dir: config.policyDir, version: config.policyVersion });
  await append({
    type: 'policy.activated',
    idempotencyKey: `policy.activated:${service}:${config.instanceId}:${active.version}:${active.hash}`,
    service,
    instanceId: config.instanceId,
    policy: active.ref,
    data: { files: [active.file] },
  });
  return active;
}
