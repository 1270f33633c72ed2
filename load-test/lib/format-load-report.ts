import type { LoadReport } from './load-stats.js';

/** The human-readable final report of a load run. */
export function formatLoadReport(report: LoadReport): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    `MCP load test against ${report.url}`,
    `  started ${report.startedAt}, ran ${report.durationS.toFixed(1)} s (stopped by ${report.stoppedBy}), peak ${report.peakUsers} users`,
    `  requests      ${report.requests}`,
    `  throughput    ${report.throughputRps.toFixed(1)} req/s`,
    `  latency       p50 ${ms(report.latencyMs.p50)}  p90 ${ms(report.latencyMs.p90)}  p99 ${ms(report.latencyMs.p99)}  max ${ms(report.latencyMs.max)}`,
    `  tools/call    allowed ${report.toolCalls.allowed}  denied ${report.toolCalls.denied} (denials are designed: scope mixes)`,
    `  error rate    ${(report.errorRate * 100).toFixed(3)} %${
      Object.keys(report.errorsByKind).length === 0
        ? ''
        : `  (${Object.entries(report.errorsByKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')})`
    }`,
    '',
    '  by method       requests       p50       p90       p99       max',
  ];
  for (const [method, { requests, latencyMs }] of Object.entries(report.byMethod)) {
    lines.push(
      `  ${method.padEnd(26)}${String(requests).padStart(8)}${[latencyMs.p50, latencyMs.p90, latencyMs.p99, latencyMs.max].map((v) => v.toFixed(1).padStart(10)).join('')}`,
    );
  }
  lines.push('', '  outcomes');
  for (const [label, count] of Object.entries(report.outcomes)) lines.push(`    ${label.padEnd(44)}${count}`);
  return lines.join('\n');
}
