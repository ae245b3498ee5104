import { ConfigError } from '@patter/core';

/** Filters of the call history. All optional; combined with AND. */
export interface CallQuery {
  /** Calls started at or after this time (epoch ms). */
  readonly since?: number;
  /** Calls started before this time (epoch ms). */
  readonly until?: number;
  /** The caller's or the called number (exact, E.164). */
  readonly number?: string;
  readonly endReason?: string;
  readonly agent?: string;
  /** Free text: a part of the call id, a number, the agent or what was said (case-insensitive). */
  readonly text?: string;
  /** Page size. Default 50, at most 500. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface WhereClause {
  readonly sql: string;
  readonly params: unknown[];
}

/** Builds the WHERE clause of a history query. Keyset on (started_at, call_id), newest first. */
export function buildCallWhere(query: CallQuery, withCursor: boolean): WhereClause {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]): void => {
    const numbered = sql.replace(/\?/g, () => `$${params.push(values.shift())}`);
    parts.push(numbered);
  };
  if (query.since !== undefined) add('started_at >= ?', iso(query.since, 'since'));
  if (query.until !== undefined) add('started_at < ?', iso(query.until, 'until'));
  if (query.number) add('(from_number = ? OR to_number = ?)', query.number, query.number);
  if (query.endReason) add('end_reason = ?', query.endReason);
  if (query.agent) add('agent = ?', query.agent);
  if (query.text) add(`search_text LIKE ? ESCAPE '\\'`, `%${escapeLike(query.text.toLowerCase())}%`);
  if (withCursor && query.cursor) {
    const cursor = decodeCursor(query.cursor);
    add('(started_at, call_id) < (?, ?)', cursor.startedAt, cursor.callId);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

export function encodeCursor(startedAt: number, callId: string): string {
  return Buffer.from(JSON.stringify([startedAt, callId])).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: string; callId: string } {
  try {
    const [startedAt, callId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof startedAt === 'number' && typeof callId === 'string') return { startedAt: new Date(startedAt).toISOString(), callId };
  } catch {
    // fall through
  }
  throw new ConfigError('cursor', 'not a cursor this store returned');
}

function iso(ms: number, option: string): string {
  if (!Number.isFinite(ms)) throw new ConfigError(option, 'expected a time in epoch ms');
  return new Date(ms).toISOString();
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError('limit', 'expected a positive integer');
  return Math.min(limit, 500);
}
