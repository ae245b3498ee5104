import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@patter/core';
import { Patter } from '@patter/server';
import { openCallStore, openPostgresClient, type CallStore } from '@patter/store';
import type { BenchReport } from './bench-report.js';

const CALLS = Number(process.env.PATTER_HISTORY_CALLS ?? 100_000);
const SAMPLES = Number(process.env.PATTER_HISTORY_SAMPLES ?? 30);
const DATABASE_URL = process.env.PATTER_TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
const DAY = 86_400_000;
const BUDGET_MS = 300;

/**
 * Seeds CALLS calls over 90 days in one INSERT … SELECT (each with a 4-line timeline, two turns
 * and costs), as `saveCall` would store them.
 */
async function seed(store: CallStore, now: number): Promise<void> {
  await store.client.query(
    `INSERT INTO patter_calls (call_id, call_ref, carrier, direction, from_number, to_number, agent, started_at, ended_at, duration_ms,
                               end_reason, cost_usd, turn_count, latency_p50_ms, search_text, record)
     SELECT 'CA' || lpad(i::text, 8, '0'), 'ref' || i, 'twilio', 'inbound',
            '+1555' || lpad((i % 5000)::text, 7, '0'), '+15550001234', (ARRAY['sales','support','bookings'])[1 + i % 3],
            t, t + interval '95 seconds', 95000,
            (ARRAY['caller_hangup','caller_hangup','caller_hangup','agent_hangup','transfer','error','voicemail'])[1 + i % 7],
            0.021, 2, 600 + i % 400,
            lower('CA' || lpad(i::text, 8, '0') || E'\\nbook a table for ' || (i % 8) || ' people on friday'),
            jsonb_build_object('callId', 'CA' || lpad(i::text, 8, '0'), 'callRef', 'ref' || i, 'carrier', 'twilio', 'direction', 'inbound',
              'from', '+1555' || lpad((i % 5000)::text, 7, '0'), 'to', '+15550001234', 'variables', '{}'::jsonb,
              'startedAt', (extract(epoch from t) * 1000)::bigint, 'durationMs', 95000, 'endReason', 'caller_hangup',
              'timeline', jsonb_build_array(
                 jsonb_build_object('kind', 'assistant', 'at', (extract(epoch from t) * 1000)::bigint, 'text', 'Acme, how can I help?'),
                 jsonb_build_object('kind', 'user', 'at', (extract(epoch from t) * 1000)::bigint + 3000, 'text', 'Book a table for ' || (i % 8) || ' people on Friday'),
                 jsonb_build_object('kind', 'tool', 'at', (extract(epoch from t) * 1000)::bigint + 3500, 'name', 'book_table', 'arguments', '{}'::jsonb),
                 jsonb_build_object('kind', 'assistant', 'at', (extract(epoch from t) * 1000)::bigint + 4000, 'text', 'Done, see you Friday.')),
              'turns', jsonb_build_array(jsonb_build_object('turn', 1, 'at', 0, 'totalMs', 600 + i % 400, 'heardMs', 680 + i % 400, 'interrupted', false, 'providers', '{}'::jsonb),
                                         jsonb_build_object('turn', 2, 'at', 0, 'totalMs', 650, 'interrupted', false, 'providers', '{}'::jsonb)),
              'usage', '{}'::jsonb, 'cost', jsonb_build_object('deepgram', 0.005, 'openai', 0.004, 'twilio', 0.012),
              'recordings', '[]'::jsonb, 'errors', '[]'::jsonb)
     FROM (SELECT i, to_timestamp(($1::float8 - (i::float8 / $2) * 90 * 86400000) / 1000) AS t FROM generate_series(1, $2) AS i) s`,
    [now, CALLS],
  );
  await store.client.exec(`INSERT INTO patter_call_turns (call_id, seq, started_at, latency_ms)
    SELECT call_id, s, started_at, CASE WHEN s = 1 THEN latency_p50_ms + 80 ELSE 650 END FROM patter_calls, generate_series(1, 2) AS s`);
  await store.client.exec('ANALYZE patter_calls; ANALYZE patter_call_turns');
}

async function timeGet(url: string): Promise<{ median: number; p95: number; max: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SAMPLES + 3; i++) {
    const start = performance.now();
    const response = await fetch(url);
    const body = await response.text();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    if (i >= 3) times.push(performance.now() - start);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { median: at(0.5), p95: at(0.95), max: times[times.length - 1] as number, bytes };
}

async function benchBackend(name: string, store: CallStore): Promise<(string | number)[][]> {
  const now = Date.now();
  const seedStart = performance.now();
  await seed(store, now);
  const seedS = (performance.now() - seedStart) / 1000;
  const phone = new Patter({ logger: silentLogger });
  const agent = phone.agent({ onMessage: () => 'ok' });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, store, devPhone: true });
  const api = `${handle.dashboardUrl}/api`;
  const deep = Buffer.from(JSON.stringify([now - 60 * DAY, 'CA99999999'])).toString('base64url');
  const queries: [string, string][] = [
    ['history page 1 (50 calls)', `${api}/calls?limit=50`],
    ['history page ~67,000 deep (cursor)', `${api}/calls?limit=50&cursor=${deep}`],
    ['filter: number', `${api}/calls?number=%2B15550001234&limit=50`],
    ['filter: end reason error', `${api}/calls?reason=error&limit=50`],
    ['filter: agent + last 7 days', `${api}/calls?agent=sales&since=${now - 7 * DAY}&limit=50`],
    ['search text (common words)', `${api}/calls?q=friday&limit=50`],
    ['search text (one call id)', `${api}/calls?q=ca00012345&limit=50`],
    ['overview (30 days)', `${api}/overview?days=30`],
  ];
  const rows: (string | number)[][] = [];
  try {
    for (const [label, url] of queries) {
      const t = await timeGet(url);
      rows.push([name, label, t.median.toFixed(1), t.p95.toFixed(1), t.max.toFixed(1), label.startsWith('history page') ? (t.p95 < BUDGET_MS ? 'yes' : 'NO') : '']);
    }
  } finally {
    await handle.close({ timeoutMs: 0 });
  }
  rows.push([name, `seed ${CALLS.toLocaleString('en-US')} calls (one INSERT … SELECT)`, `${seedS.toFixed(1)} s`, '', '', '']);
  return rows;
}

/** The dashboard's history API over 100,000 stored calls, on embedded PGlite and (when a URL is set) PostgreSQL. */
export async function run(): Promise<BenchReport> {
  const rows: (string | number)[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'patter-history-bench-'));
  try {
    const store = await openCallStore({ dataDir: join(dir, 'db'), logger: silentLogger });
    try {
      rows.push(...(await benchBackend('pglite', store)));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const notes = [`HTTP GET through the server (keyset pagination + indexes), ${SAMPLES} samples after 3 warm-ups; budget for the history page: p95 < ${BUDGET_MS} ms.`];
  if (DATABASE_URL) {
    const schema = `patter_bench_${randomBytes(4).toString('hex')}`;
    const admin = await openPostgresClient(DATABASE_URL, silentLogger, 1);
    await admin.exec(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const store = await openCallStore({ url: url.toString(), logger: silentLogger });
      try {
        rows.push(...(await benchBackend('postgres', store)));
      } finally {
        await store.close();
      }
    } finally {
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  } else {
    notes.push('PostgreSQL skipped: set PATTER_TEST_DATABASE_URL (or DATABASE_URL) to run it too.');
  }
  return { title: `call history: ${CALLS.toLocaleString('en-US')} calls`, columns: ['database', 'request', 'median ms', 'p95 ms', 'max ms', 'p95 < 300 ms'], rows, notes };
}
