import type { CallRecord, CallSummaryRow, TurnRecord } from './call-record.js';

/** The row columns of a call, derived from its record (the record itself goes in `record`). */
export function recordColumns(record: CallRecord): unknown[] {
  const said = record.timeline.flatMap((item) => (item.kind === 'tool' ? [item.name] : [item.text]));
  const search = [record.callId, record.from ?? '', record.to ?? '', record.agent ?? '', ...said].join('\n').toLowerCase();
  const cost = Object.values(record.cost).reduce((sum, usd) => sum + usd, 0);
  return [
    record.callId,
    record.callRef,
    record.carrier,
    record.direction,
    record.from ?? null,
    record.to ?? null,
    record.agent ?? null,
    new Date(record.startedAt).toISOString(),
    record.endedAt === undefined ? null : new Date(record.endedAt).toISOString(),
    record.durationMs === undefined ? null : Math.round(record.durationMs),
    record.endReason ?? null,
    cost,
    record.turns.length,
    median(record.turns),
    search,
    JSON.stringify(record),
  ];
}

export const RECORD_COLUMNS =
  'call_id, call_ref, carrier, direction, from_number, to_number, agent, started_at, ended_at, duration_ms, end_reason, cost_usd, turn_count, latency_p50_ms, search_text, record';

export const SUMMARY_COLUMNS =
  'call_id, carrier, direction, from_number, to_number, agent, started_at, duration_ms, end_reason, cost_usd, turn_count, latency_p50_ms';

export interface SummaryRowData {
  call_id: string;
  carrier: string;
  direction: 'inbound' | 'outbound';
  from_number: string | null;
  to_number: string | null;
  agent: string | null;
  started_at: Date | string;
  duration_ms: number | null;
  end_reason: string | null;
  cost_usd: number;
  turn_count: number;
  latency_p50_ms: number | null;
}

export function toSummary(row: SummaryRowData): CallSummaryRow {
  return {
    callId: row.call_id,
    carrier: row.carrier,
    direction: row.direction,
    ...(row.from_number !== null && { from: row.from_number }),
    ...(row.to_number !== null && { to: row.to_number }),
    ...(row.agent !== null && { agent: row.agent }),
    startedAt: toMs(row.started_at),
    ...(row.duration_ms !== null && { durationMs: row.duration_ms }),
    ...(row.end_reason !== null && { endReason: row.end_reason }),
    costUsd: Number(row.cost_usd),
    turnCount: row.turn_count,
    ...(row.latency_p50_ms !== null && { latencyP50Ms: row.latency_p50_ms }),
  };
}

export function toMs(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return Date.parse(value);
}

/** The turns' latencies (heard when known, else to the first frame), as JSON for `patter_call_turns`. */
export function turnLatencies(record: CallRecord): string {
  return JSON.stringify(record.turns.map(turnLatency).filter((v): v is number => v !== undefined).map(Math.round));
}

/** The latency a caller perceives for a turn: heard when the carrier reported it, else to the first frame. */
export function turnLatency(turn: TurnRecord): number | undefined {
  return turn.heardMs ?? turn.totalMs;
}

function median(turns: readonly TurnRecord[]): number | null {
  const values = turns.map(turnLatency).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (values.length === 0) return null;
  return Math.round(values[Math.floor((values.length - 1) / 2)] as number);
}
