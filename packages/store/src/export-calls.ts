import type { CallRecord } from './call-record.js';
import type { CallQuery } from './call-query.js';
import type { CallStore } from './call-store.js';

export type ExportFormat = 'json' | 'csv';

const CSV_COLUMNS = ['callId', 'carrier', 'direction', 'from', 'to', 'agent', 'startedAt', 'endedAt', 'durationMs', 'endReason', 'costUsd', 'turns', 'transcript'] as const;

/**
 * Exports the calls matching `query` (a date range, a number …) as text chunks: a JSON array of
 * full records, or CSV with one row per call (the transcript in one cell, `role: text` lines).
 * Streams in batches, so a year of calls does not have to fit in memory.
 */
export async function* exportCalls(store: CallStore, format: ExportFormat, query: Omit<CallQuery, 'cursor' | 'limit'> = {}): AsyncGenerator<string> {
  let first = true;
  if (format === 'json') yield '[';
  else yield CSV_COLUMNS.join(',') + '\r\n';
  for await (const record of store.records(query)) {
    if (format === 'json') {
      yield (first ? '\n' : ',\n') + JSON.stringify(record);
    } else {
      yield csvRow(record) + '\r\n';
    }
    first = false;
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}

function csvRow(record: CallRecord): string {
  const transcript = record.timeline
    .map((item) => (item.kind === 'tool' ? `tool: ${item.name}` : `${item.kind}: ${item.text}${item.interrupted ? ' [interrupted]' : ''}`))
    .join('\n');
  const cost = Object.values(record.cost).reduce((sum, usd) => sum + usd, 0);
  const cells: unknown[] = [
    record.callId,
    record.carrier,
    record.direction,
    record.from,
    record.to,
    record.agent,
    new Date(record.startedAt).toISOString(),
    record.endedAt === undefined ? undefined : new Date(record.endedAt).toISOString(),
    record.durationMs,
    record.endReason,
    cost.toFixed(6),
    record.turns.length,
    transcript,
  ];
  return cells.map(csvCell).join(',');
}

/** RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it as a formula. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
