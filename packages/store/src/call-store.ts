import type { CallAnalysis, CallRecord, CallSummaryRow, RecordingRef } from './call-record.js';
import { buildCallWhere, clampLimit, encodeCursor, type CallQuery } from './call-query.js';
import { redactText } from './redact.js';
import { RECORD_COLUMNS, recordColumns, SUMMARY_COLUMNS, toSummary, turnLatencies, type SummaryRowData } from './record-row.js';
import type { SqlClient } from './sql-client.js';
import { OutboxTable, type OutboxEntry } from './outbox-table.js';
import { queryOverview, type Overview, type OverviewQuery } from './overview.js';

export interface CallPage {
  readonly calls: readonly CallSummaryRow[];
  /** Pass as `cursor` for the next page; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

export interface CallStoreOptions {
  /** Replace digits and e-mail addresses in transcripts before they are stored. Default false. */
  readonly redact?: boolean;
}

/**
 * The call history on one database (PGlite or PostgreSQL, same SQL). Writes are plain awaits
 * here; the server puts them behind a `StoreWriter` so they never run on a call's audio path.
 */
export class CallStore {
  readonly outbox: OutboxTable;
  private readonly redact: boolean;

  constructor(
    readonly client: SqlClient,
    options: CallStoreOptions = {},
  ) {
    this.redact = options.redact ?? false;
    this.outbox = new OutboxTable(client);
  }

  /**
   * Inserts or replaces a call (idempotent by call id: a retried write is harmless). With
   * `outbox`, the post-call delivery is queued in the same transaction, so the one is never
   * stored without the other.
   */
  async saveCall(record: CallRecord, outbox?: { readonly topic: string; readonly payload: unknown; readonly now: number }): Promise<void> {
    const stored = this.redact ? redactRecord(record) : record;
    const params = recordColumns(stored);
    const placeholders = params.map((_, i) => (i === params.length - 1 ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ');
    const updates = RECORD_COLUMNS.split(', ')
      .slice(1)
      .map((column) => `${column} = EXCLUDED.${column}`)
      .join(', ');
    const sql = `INSERT INTO patter_calls (${RECORD_COLUMNS}) VALUES (${placeholders}) ON CONFLICT (call_id) DO UPDATE SET ${updates}`;
    await this.client.transaction(async (tx) => {
      await tx.query(sql, params);
      await tx.query('DELETE FROM patter_call_turns WHERE call_id = $1', [record.callId]);
      await tx.query(
        `INSERT INTO patter_call_turns (call_id, seq, started_at, latency_ms)
         SELECT $1, t.seq, $2, t.ms::int FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY AS t(ms, seq)`,
        [record.callId, new Date(record.startedAt).toISOString(), turnLatencies(record)],
      );
      if (!outbox) return;
      await tx.query(
        'INSERT INTO patter_outbox (topic, call_id, payload, next_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (topic, call_id) DO NOTHING',
        [outbox.topic, record.callId, JSON.stringify(this.redact ? redactPayload(outbox.payload, stored) : outbox.payload), new Date(outbox.now).toISOString()],
      );
    });
  }

  /** Adds a recording to a stored call (the carrier reports it after the call). False if the call is unknown. */
  async addRecording(callId: string, recording: RecordingRef): Promise<boolean> {
    const rows = await this.client.query(
      `UPDATE patter_calls SET record = jsonb_set(record, '{recordings}', COALESCE(record->'recordings', '[]'::jsonb) || $2::jsonb)
       WHERE call_id = $1 RETURNING call_id`,
      [callId, JSON.stringify([recording])],
    );
    return rows.length > 0;
  }

  /** Stores the result of the post-call analysis on the call. */
  async setAnalysis(callId: string, analysis: CallAnalysis): Promise<boolean> {
    const rows = await this.client.query(
      `UPDATE patter_calls SET record = jsonb_set(record, '{analysis}', $2::jsonb) WHERE call_id = $1 RETURNING call_id`,
      [callId, JSON.stringify(analysis)],
    );
    return rows.length > 0;
  }

  async getCall(callId: string): Promise<CallRecord | undefined> {
    const rows = await this.client.query<{ record: CallRecord | string }>('SELECT record FROM patter_calls WHERE call_id = $1', [callId]);
    const record = rows[0]?.record;
    return typeof record === 'string' ? (JSON.parse(record) as CallRecord) : record;
  }

  /** One page of the history, newest first. Keyset pagination: as fast on page 2,000 as on page 1. */
  async listCalls(query: CallQuery = {}): Promise<CallPage> {
    const limit = clampLimit(query.limit);
    const where = buildCallWhere(query, true);
    const rows = await this.client.query<SummaryRowData>(
      `SELECT ${SUMMARY_COLUMNS} FROM patter_calls ${where.sql} ORDER BY started_at DESC, call_id DESC LIMIT ${limit + 1}`,
      where.params,
    );
    const calls = rows.slice(0, limit).map(toSummary);
    const last = calls[calls.length - 1];
    return { calls, nextCursor: rows.length > limit && last ? encodeCursor(last.startedAt, last.callId) : undefined };
  }

  /** Full records matching `query` (no cursor, no limit), in pages of `batch`, newest first. */
  async *records(query: Omit<CallQuery, 'cursor' | 'limit'> = {}, batch = 200): AsyncGenerator<CallRecord> {
    let cursor: string | undefined;
    do {
      const where = buildCallWhere({ ...query, ...(cursor !== undefined && { cursor }) }, true);
      const rows = await this.client.query<{ record: CallRecord | string; call_id: string; started_at: Date | string }>(
        `SELECT record, call_id, started_at FROM patter_calls ${where.sql} ORDER BY started_at DESC, call_id DESC LIMIT ${batch}`,
        where.params,
      );
      for (const row of rows) yield typeof row.record === 'string' ? (JSON.parse(row.record) as CallRecord) : row.record;
      const last = rows[rows.length - 1];
      cursor = rows.length === batch && last ? encodeCursor(new Date(last.started_at).getTime(), last.call_id) : undefined;
    } while (cursor !== undefined);
  }

  overview(query: OverviewQuery): Promise<Overview> {
    return queryOverview(this.client, query);
  }

  /** Retention: deletes calls started more than `days` ago (and their delivered outbox rows). Returns the count. */
  async deleteOlderThan(days: number, now = Date.now()): Promise<number> {
    const before = new Date(now - days * 86_400_000).toISOString();
    const rows = await this.client.query('DELETE FROM patter_calls WHERE started_at < $1 RETURNING call_id', [before]);
    await this.client.query('DELETE FROM patter_outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1', [before]);
    return rows.length;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export type { OutboxEntry };

function redactRecord(record: CallRecord): CallRecord {
  return {
    ...record,
    timeline: record.timeline.map((item) => (item.kind === 'tool' ? item : { ...item, text: redactText(item.text) })),
  };
}

/** A payload that carries the record gets the redacted one. */
function redactPayload(payload: unknown, stored: CallRecord): unknown {
  if (typeof payload === 'object' && payload !== null && 'call' in payload) return { ...payload, call: stored };
  return payload;
}
