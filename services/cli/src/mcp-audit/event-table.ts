import type { PublicAuditEvent } from '../../../token-service/src/audit-api/public-event.js';

interface Column {
  readonly header: string;
  readonly max: number;
  readonly value: (event: PublicAuditEvent) => string;
}

const columns: readonly Column[] = [
  { header: 'TIME', max: 20, value: (event) => `${event.recorded_at.slice(0, 19).replace('T', ' ')}Z` },
  { header: 'TYPE', max: 23, value: (event) => event.type },
  { header: 'SUBJECT', max: 32, value: (event) => event.subject ?? '-' },
  { header: 'TOOL', max: 28, value: (event) => event.tool_name ?? '-' },
  { header: 'DECISION', max: 8, value: (event) => event.decision ?? '-' },
  { header: 'REASON', max: 28, value: (event) => event.reason_code ?? '-' },
  { header: 'TRACE ID', max: 32, value: (event) => event.trace_id ?? '-' },
];

/**
 * Prints events as an aligned table: widths come from the first batch (at most each column's
 * maximum; longer values end in `…`), so later batches of `--all` and `tail` stay aligned.
 */
export class EventTable {
  #widths: number[] | undefined;

  /** The lines for `events`; the header comes with the first call. */
  format(events: readonly PublicAuditEvent[]): string[] {
    const lines: string[] = [];
    if (!this.#widths) {
      this.#widths = columns.map((column) =>
        Math.min(
          column.max,
          Math.max(column.header.length, ...events.map((event) => column.value(event).length)),
        ),
      );
      lines.push(this.#row(columns.map((column) => column.header)));
    }
    for (const event of events) lines.push(this.#row(columns.map((column) => column.value(event))));
    return lines;
  }

  #row(cells: readonly string[]): string {
    const widths = this.#widths!;
    return cells
      .map((cell, i) => {
        const width = widths[i]!;
        const fitted = cell.length > width ? `${cell.slice(0, width - 1)}…` : cell;
        return i === cells.length - 1 ? fitted : fitted.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  }
}
