import type { SqlClient } from './sql-client.js';

export interface OverviewQuery {
  /** Epoch ms; days are UTC. */
  readonly since: number;
  readonly until: number;
}

export interface OverviewDay {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly calls: number;
  readonly costUsd: number;
  /** Per-turn latency percentiles (heard when known, else to the first audio frame); undefined without turns. */
  readonly latencyP50Ms?: number;
  readonly latencyP95Ms?: number;
}

export interface Overview {
  readonly days: readonly OverviewDay[];
  /** Calls by end reason over the whole range, most frequent first. */
  readonly endReasons: readonly { readonly reason: string; readonly calls: number }[];
}

/** The dashboard's charts: calls, cost and latency per day, and how calls ended. */
export async function queryOverview(client: SqlClient, query: OverviewQuery): Promise<Overview> {
  const range = [new Date(query.since).toISOString(), new Date(query.until).toISOString()];
  const days = await client.query<{ day: string; calls: number; cost: number }>(
    `SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS calls, sum(cost_usd)::float8 AS cost
     FROM patter_calls WHERE started_at >= $1 AND started_at < $2 GROUP BY 1 ORDER BY 1`,
    range,
  );
  const latency = await client.query<{ day: string; p50: number | null; p95: number | null }>(
    `SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)::float8 AS p95
     FROM patter_call_turns WHERE started_at >= $1 AND started_at < $2
     GROUP BY 1`,
    range,
  );
  const reasons = await client.query<{ reason: string | null; calls: number }>(
    `SELECT end_reason AS reason, count(*)::int AS calls FROM patter_calls
     WHERE started_at >= $1 AND started_at < $2 GROUP BY 1 ORDER BY 2 DESC, 1`,
    range,
  );
  const byDay = new Map(latency.map((row) => [row.day, row]));
  return {
    days: days.map((row) => {
      const lat = byDay.get(row.day);
      return {
        day: row.day,
        calls: row.calls,
        costUsd: Number(row.cost ?? 0),
        ...(lat?.p50 != null && { latencyP50Ms: Math.round(lat.p50) }),
        ...(lat?.p95 != null && { latencyP95Ms: Math.round(lat.p95) }),
      };
    }),
    endReasons: reasons.map((row) => ({ reason: row.reason ?? 'unknown', calls: row.calls })),
  };
}
