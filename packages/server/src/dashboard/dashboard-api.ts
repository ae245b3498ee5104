import { ConfigError } from '@patter/core';
import { exportCalls, type CallQuery, type ExportFormat } from '@patter/store';
import type { CallHistory } from './call-history.js';

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const DAY = 86_400_000;

/** `GET /dashboard/api/calls`: one page of the history. Query: since, until (epoch ms), number, reason, agent, q, cursor, limit. */
export async function listCallsApi(history: CallHistory, query: URLSearchParams): Promise<ApiAnswer> {
  const store = await history.store();
  return { status: 200, body: await store.listCalls(callQuery(query, true)) };
}

/** `GET /dashboard/api/calls/<id>`: the full record. */
export async function getCallApi(history: CallHistory, callId: string): Promise<ApiAnswer> {
  const call = await (await history.store()).getCall(callId);
  return call ? { status: 200, body: call } : { status: 404, body: { error: 'no such call' } };
}

/** `GET /dashboard/api/overview?days=30`: the charts' data, per UTC day. */
export async function overviewApi(history: CallHistory, query: URLSearchParams): Promise<ApiAnswer> {
  const days = Math.min(365, Math.max(1, Number(query.get('days') ?? 30) || 30));
  const until = Math.ceil(Date.now() / DAY) * DAY;
  return { status: 200, body: await (await history.store()).overview({ since: until - days * DAY, until }) };
}

/** `GET /dashboard/api/export?format=csv|json&…filters`: the matching calls as a download. */
export async function exportApi(history: CallHistory, query: URLSearchParams): Promise<{ type: string; chunks: AsyncIterable<string>; name: string }> {
  const format = (query.get('format') ?? 'json') as ExportFormat;
  if (format !== 'json' && format !== 'csv') throw new ConfigError('format', 'expected json or csv');
  const { cursor: _cursor, limit: _limit, ...filters } = callQuery(query, false);
  return {
    type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
    chunks: exportCalls(await history.store(), format, filters),
    name: `patter-calls.${format}`,
  };
}

function callQuery(query: URLSearchParams, paged: boolean): CallQuery {
  const number = (name: string): number | undefined => {
    const value = query.get(name);
    if (value === null || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new ConfigError(name, 'expected a number');
    return parsed;
  };
  const text = (name: string): string | undefined => query.get(name) || undefined;
  const since = number('since');
  const until = number('until');
  const limit = paged ? number('limit') : undefined;
  const found: Record<string, unknown> = {
    since,
    until,
    number: text('number'),
    endReason: text('reason'),
    agent: text('agent'),
    text: text('q'),
    limit,
    cursor: paged ? text('cursor') : undefined,
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) as CallQuery;
}
