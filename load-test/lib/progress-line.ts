import type { LoadSnapshot } from './load-stats.js';

/**
 * Prints progress to `stream`: on a terminal one line rewritten in place every interval; otherwise
 * (CI logs, pipes) a plain line every `plainEveryMs`, so logs stay readable.
 */
export function createProgressPrinter(
  stream: NodeJS.WriteStream,
  options: { plainEveryMs?: number } = {},
): { update(snapshot: LoadSnapshot): void; done(): void } {
  const tty = stream.isTTY === true;
  const plainEveryMs = options.plainEveryMs ?? 10_000;
  let lastPlain = Number.NEGATIVE_INFINITY;
  let wrote = false;
  return {
    update(snapshot) {
      const line = formatSnapshot(snapshot);
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        wrote = true;
      } else if (snapshot.elapsedMs - lastPlain >= plainEveryMs) {
        stream.write(`${line}\n`);
        lastPlain = snapshot.elapsedMs;
      }
    },
    done() {
      if (tty && wrote) stream.write('\n');
    },
  };
}

/** One progress line: `[  42s] users  57 | 1234 req/s | p99  38.1 ms | requests 51234 | denied 4100 | errors 0`. */
export function formatSnapshot(s: LoadSnapshot): string {
  return [
    `[${String(Math.round(s.elapsedMs / 1_000)).padStart(4)}s] users ${String(s.users).padStart(4)}`,
    `${Math.round(s.rps).toString().padStart(6)} req/s`,
    `p99 ${s.p99Ms.toFixed(1).padStart(7)} ms`,
    `requests ${s.requests}`,
    `denied ${s.denied}`,
    `errors ${s.errors}`,
  ].join(' | ');
}
