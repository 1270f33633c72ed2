import type { EventInclusionProof, VerifyLogResult } from '../../../shared/audit-seal/index.js';

/** `182344` → `182 344`: thousands grouped with a space, as in the documented output. */
export function groupThousands(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function counted(count: number, noun: string): string {
  return `${groupThousands(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** The one line on stdout: `ok: …` or `FAILED …`. */
export function summaryLine(result: VerifyLogResult): string {
  if (!result.ok) return `FAILED [${result.problem.code}]: ${result.problem.message}`;
  const unsealed = result.unsealed > 0 ? ` (${groupThousands(result.unsealed)} unsealed)` : '';
  return `ok: ${counted(result.events, 'event')}, ${counted(result.checkpoints, 'checkpoint')}${unsealed}`;
}

/** Details for stderr: what was trusted and how the anchor compared. */
export function detailLines(result: VerifyLogResult, anchorDescription: string | undefined): string[] {
  const lines = result.keys.map((key) => `key ${key.keyId}: trusted (${key.source})`);
  if (anchorDescription === undefined) {
    lines.push('anchor: not checked (--anchor none): a removed tail of the log would go unnoticed');
  } else if (result.newestAnchored === undefined) {
    lines.push(`anchor ${anchorDescription}: holds no checkpoint yet`);
  } else {
    lines.push(`anchor ${anchorDescription}: newest anchored checkpoint ${result.newestAnchored}`);
    if (result.ok && result.checkpoints > result.newestAnchored) {
      lines.push(
        `note: checkpoint(s) ${result.newestAnchored + 1}–${result.checkpoints} are not anchored yet (the sealer retries)`,
      );
    }
  }
  if (!result.ok) {
    lines.push(
      `verified before the failure: ${groupThousands(result.events)} events, ${groupThousands(result.checkpoints)} checkpoints`,
    );
  }
  return lines;
}

/** The proof as printed by `--proof`. */
export function proofJson(proof: EventInclusionProof, keySource: string): string {
  return `${JSON.stringify(
    {
      ...proof,
      leafEncoding:
        "SHA-256(0x00 || 'mcp-audit-event-v1' || uint64be(global_position) || content_hash || int64be(recorded_at µs)); nodes SHA-256(0x01 || left || right) (RFC 6962)",
      verified: { inclusion: true, signature: true, key: keySource },
    },
    null,
    2,
  )}\n`;
}
