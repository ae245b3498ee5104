import type { SqlClient } from '@patter/store';
import { nextOpening, windowOpen } from './call-window.js';
import type { CampaignOptions } from './campaign-options.js';
import type { ResolvedLimits } from './fleet-limits.js';

type Tx = Pick<SqlClient, 'query' | 'exec'>;

/** What a worker may do with an attempt right now. */
export type Claim =
  | { readonly kind: 'gone' }
  | { readonly kind: 'closed'; readonly openAt: number }
  /** No room now; `retryAt` is when the next calls-per-second slot opens, when that is what is missing. */
  | { readonly kind: 'busy'; readonly retryAt?: number }
  | {
      readonly kind: 'claimed';
      readonly campaignId: string;
      readonly to: string;
      readonly from: string;
      readonly variables: Record<string, string>;
      /** The campaign's agent name (`CampaignOptions.agent`), when it names one. */
      readonly agent: string | undefined;
      /** When the call may start (its calls-per-second slot). */
      readonly dialAt: number;
    };

export interface ClaimRequest {
  readonly attemptId: string;
  readonly worker: string;
  readonly now: number;
  readonly limits: ResolvedLimits;
  readonly leaseMs: number;
  /** A CPS slot further away than this is not taken (the job waits instead). */
  readonly horizonMs: number;
}

/** Serialises every claim of the fleet, so counting live calls and taking one is atomic. */
const LIMITS_LOCK = 7_416_002;
export const ACCOUNT_RATE_KEY = 'account';

/**
 * Moves one attempt from `queued` to `dialing` if every limit has room: campaign concurrency,
 * total and per-number live calls, and a calls-per-second slot on the number and the account.
 * The row is leased to `worker` until `dialAt + leaseMs`; a lease that runs out is reconciled.
 */
export async function claimAttempt(tx: Tx, request: ClaimRequest): Promise<Claim> {
  const { now, limits } = request;
  await tx.query('SELECT pg_advisory_xact_lock($1)', [LIMITS_LOCK]);
  const [row] = await tx.query<{ campaign_id: string; state: string; to_number: string; variables: Record<string, string>; time_zone: string | null; config: CampaignOptions; campaign_state: string }>(
    `SELECT a.campaign_id, a.state, c.to_number, c.variables, c.time_zone, k.config, k.state AS campaign_state
       FROM patter_campaign_attempts a
       JOIN patter_campaign_contacts c ON c.campaign_id = a.campaign_id AND c.contact_index = a.contact_index
       JOIN patter_campaigns k ON k.campaign_id = a.campaign_id
      WHERE a.attempt_id = $1`,
    [request.attemptId],
  );
  if (row === undefined || row.state !== 'queued' || row.campaign_state !== 'running') return { kind: 'gone' };
  const config = row.config;
  if (config.window !== undefined && !windowOpen(config.window, row.time_zone ?? undefined, now)) {
    return { kind: 'closed', openAt: nextOpening(config.window, row.time_zone ?? undefined, now) };
  }
  const live = await tx.query<{ campaign_id: string; from_number: string; n: number }>(
    `SELECT campaign_id, from_number, count(*)::int AS n FROM patter_campaign_attempts
      WHERE state IN ('dialing', 'in_call') GROUP BY campaign_id, from_number`,
  );
  let total = 0;
  let inCampaign = 0;
  const perNumber = new Map<string, number>();
  for (const group of live) {
    total += group.n;
    if (group.campaign_id === row.campaign_id) inCampaign += group.n;
    perNumber.set(group.from_number, (perNumber.get(group.from_number) ?? 0) + group.n);
  }
  if (inCampaign >= config.concurrency || total >= limits.maxCalls) return { kind: 'busy' };

  const keys = [ACCOUNT_RATE_KEY, ...config.fromNumbers.map((number) => `from:${number}`)];
  const slots = new Map(
    (await tx.query<{ rate_key: string; next_ms: number }>(
      'SELECT rate_key, (extract(epoch FROM next_at) * 1000)::float8 AS next_ms FROM patter_rate_slots WHERE rate_key = ANY($1)',
      [keys],
    )).map((slot) => [slot.rate_key, Number(slot.next_ms)]),
  );
  const accountSlot = Math.max(now, slots.get(ACCOUNT_RATE_KEY) ?? 0);
  let best: { from: string; at: number; live: number } | undefined;
  for (const from of config.fromNumbers) {
    const busyCalls = perNumber.get(from) ?? 0;
    if (busyCalls >= limits.callsPerFromNumber) continue;
    const at = Math.max(accountSlot, slots.get(`from:${from}`) ?? 0);
    if (best === undefined || at < best.at || (at === best.at && busyCalls < best.live)) best = { from, at, live: busyCalls };
  }
  if (best === undefined) return { kind: 'busy' };
  if (best.at > now + request.horizonMs) return { kind: 'busy', retryAt: best.at - request.horizonMs };

  const upsert = `INSERT INTO patter_rate_slots (rate_key, next_at) VALUES ($1, to_timestamp($2 / 1000.0))
                  ON CONFLICT (rate_key) DO UPDATE SET next_at = excluded.next_at`;
  await tx.query(upsert, [`from:${best.from}`, best.at + 1000 / limits.cpsPerFromNumber]);
  if (Number.isFinite(limits.cpsPerAccount)) await tx.query(upsert, [ACCOUNT_RATE_KEY, best.at + 1000 / limits.cpsPerAccount]);
  await tx.query(
    `UPDATE patter_campaign_attempts SET state = 'dialing', worker = $2, from_number = $3,
            dial_at = to_timestamp($4 / 1000.0), lease_until = to_timestamp($5 / 1000.0)
      WHERE attempt_id = $1`,
    [request.attemptId, request.worker, best.from, best.at, best.at + request.leaseMs],
  );
  await tx.query(
    `UPDATE patter_campaign_contacts c SET state = 'dialing', attempts = a.attempt, updated_at = now()
       FROM patter_campaign_attempts a
      WHERE a.attempt_id = $1 AND c.campaign_id = a.campaign_id AND c.contact_index = a.contact_index`,
    [request.attemptId],
  );
  return { kind: 'claimed', campaignId: row.campaign_id, to: row.to_number, from: best.from, variables: row.variables, agent: config.agent, dialAt: best.at };
}
