import { randomUUID } from 'node:crypto';
import type { SqlClient } from '@patter/store';
import type { CampaignOptions } from './campaign-options.js';
import type { CallOutcome } from './dialer.js';

type Tx = Pick<SqlClient, 'query' | 'exec'>;
export type ContactState = 'queued' | 'dialing' | 'in_call' | 'done' | 'failed';

export interface CampaignProgress {
  readonly campaignId: string;
  readonly state: string;
  readonly counts: Readonly<Record<ContactState, number>>;
  readonly contacts: readonly { readonly index: number; readonly to: string; readonly state: ContactState; readonly attempts: number; readonly outcome: string | null }[];
}

/** One campaign in a list: its state and how many contacts are in each state. */
export interface CampaignSummary {
  readonly campaignId: string;
  readonly name: string;
  readonly state: string;
  readonly createdAt: string;
  readonly counts: Readonly<Record<ContactState, number>>;
}

/** A dialing or live attempt whose lease ran out, handed to one reconciler. */
export interface StaleAttempt {
  readonly attemptId: string;
  readonly state: 'dialing' | 'in_call';
  readonly callId: string | null;
  readonly to: string;
  readonly from: string;
  readonly dialAt: number;
}

const attemptId = (campaignId: string, index: number, attempt: number) => `${campaignId}:${index}:${attempt}`;
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The SQL of campaigns, contacts and attempts (see the state machine in `claim-attempt.ts`). */
export class CampaignStore {
  constructor(private readonly client: SqlClient) {}

  create(options: CampaignOptions, now: number): Promise<string> {
    return this.client.transaction((tx) => this.createIn(tx, options, now));
  }

  /** Stores a campaign, its contacts and their first attempts inside `tx`. */
  async createIn(tx: Tx, options: CampaignOptions, now: number): Promise<string> {
    const campaignId = `cmp_${randomUUID()}`;
    {
      await tx.query('INSERT INTO patter_campaigns (campaign_id, name, config) VALUES ($1, $2, $3)', [campaignId, options.name ?? campaignId, JSON.stringify(options)]);
      const rows = options.contacts.map((contact, index) => ({ index, to: contact.to, variables: contact.variables ?? {}, timeZone: contact.timeZone ?? null }));
      await tx.query(
        `INSERT INTO patter_campaign_contacts (campaign_id, contact_index, to_number, variables, time_zone)
         SELECT $1, r.index, r."to", r.variables, r."timeZone" FROM jsonb_to_recordset($2::jsonb) AS r(index int, "to" text, variables jsonb, "timeZone" text)`,
        [campaignId, JSON.stringify(rows)],
      );
      await tx.query(
        `INSERT INTO patter_campaign_attempts (attempt_id, campaign_id, contact_index, attempt, not_before)
         SELECT $1 || ':' || contact_index || ':1', $1, contact_index, 1, to_timestamp($2 / 1000.0)
           FROM patter_campaign_contacts WHERE campaign_id = $1`,
        [campaignId, Math.max(now, options.startAt === undefined ? now : +options.startAt)],
      );
    }
    return campaignId;
  }

  /**
   * Marks up to `limit` due attempts as having a job, inside `tx`, and returns their ids. An
   * attempt whose job was queued over `lostJobMs` ago without a claim gets another (its worker
   * died holding it; a duplicate job is harmless: the claim is atomic).
   */
  async takeDue(tx: Tx, now: number, limit: number, lostJobMs: number): Promise<string[]> {
    const rows = await tx.query<{ attempt_id: string }>(
      `UPDATE patter_campaign_attempts SET job_queued = true, not_before = greatest(not_before, to_timestamp($1 / 1000.0)) WHERE attempt_id IN (
         SELECT attempt_id FROM patter_campaign_attempts
          WHERE state = 'queued' AND (NOT job_queued AND not_before <= to_timestamp($1 / 1000.0)
                                     OR job_queued AND not_before <= to_timestamp(($1 - $3) / 1000.0))
          ORDER BY not_before, attempt_id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING attempt_id`,
      [now, limit, lostJobMs],
    );
    return rows.map((row) => row.attempt_id);
  }

  /** The job of a queued attempt ended without a dial: a pump queues it again at `notBefore`. */
  async defer(attempt: string, notBefore: number): Promise<void> {
    await this.client.query(
      `UPDATE patter_campaign_attempts SET job_queued = false, not_before = to_timestamp($2 / 1000.0) WHERE attempt_id = $1 AND state = 'queued'`,
      [attempt, notBefore],
    );
  }

  /**
   * dialing -> in_call, only by the worker holding the lease. The call's end normally arrives from
   * the carrier; past `checkAt` without it (a lost or early callback) the reconciler asks the carrier.
   */
  async markInCall(attempt: string, worker: string, callId: string, checkAt: number): Promise<boolean> {
    return this.client.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE patter_campaign_attempts SET state = 'in_call', call_id = $3, lease_until = to_timestamp($4 / 1000.0)
          WHERE attempt_id = $1 AND state = 'dialing' AND worker = $2 RETURNING attempt_id`,
        [attempt, worker, callId, checkAt],
      );
      if (rows.length === 0) return false;
      await this.setContact(tx, attempt, 'in_call', null);
      return true;
    });
  }

  /** Ends the attempt a call belongs to; applies the retry policy. Returns false for an unknown or already-ended call. */
  async endCall(callId: string, outcome: CallOutcome, now: number): Promise<boolean> {
    return this.client.transaction(async (tx) => {
      const [row] = await tx.query<{ attempt_id: string; campaign_id: string; contact_index: number; attempt: number; config: CampaignOptions }>(
        `UPDATE patter_campaign_attempts a SET state = 'done', outcome = $2, ended_at = to_timestamp($3 / 1000.0), lease_until = NULL
           FROM patter_campaigns k
          WHERE a.call_id = $1 AND a.state IN ('dialing', 'in_call') AND k.campaign_id = a.campaign_id
          RETURNING a.attempt_id, a.campaign_id, a.contact_index, a.attempt, k.config`,
        [callId, outcome, now],
      );
      if (row === undefined) return false;
      await this.finishAttempt(tx, row, outcome, now);
      return true;
    });
  }

  /**
   * The carrier refused the dial outright (no call exists), or its result was lost and cannot be
   * checked (`dial-unconfirmed`): the attempt ends failed, with that outcome, and is not retried.
   */
  async failDial(attempt: string, worker: string, now: number, outcome: 'failed' | 'dial-unconfirmed' = 'failed'): Promise<void> {
    await this.client.transaction(async (tx) => {
      const [row] = await tx.query<{ attempt_id: string; campaign_id: string; contact_index: number; attempt: number; config: CampaignOptions }>(
        `UPDATE patter_campaign_attempts a SET state = 'done', outcome = $4, ended_at = to_timestamp($3 / 1000.0), lease_until = NULL
           FROM patter_campaigns k
          WHERE a.attempt_id = $1 AND a.state = 'dialing' AND a.worker = $2 AND k.campaign_id = a.campaign_id
          RETURNING a.attempt_id, a.campaign_id, a.contact_index, a.attempt, k.config`,
        [attempt, worker, now, outcome],
      );
      if (row !== undefined) await this.finishAttempt(tx, row, outcome, now);
    });
  }

  /** The result of a dial is unknown (timeout, reset): let the reconciler ask the carrier now. */
  async expireLease(attempt: string, worker: string, now: number): Promise<void> {
    await this.client.query(
      `UPDATE patter_campaign_attempts SET lease_until = to_timestamp($3 / 1000.0) WHERE attempt_id = $1 AND worker = $2 AND state = 'dialing'`,
      [attempt, worker, now],
    );
  }

  /** Takes over up to `limit` attempts whose lease ran out (dialing: the worker died mid-dial; in_call: no news of the call). */
  async takeStale(worker: string, now: number, leaseMs: number, limit: number): Promise<StaleAttempt[]> {
    const rows = await this.client.query<{ attempt_id: string; state: 'dialing' | 'in_call'; call_id: string | null; to_number: string; from_number: string; dial_ms: number }>(
      `UPDATE patter_campaign_attempts a SET worker = $1, lease_until = to_timestamp(($2 + $3) / 1000.0)
         FROM patter_campaign_contacts c
        WHERE a.attempt_id IN (SELECT attempt_id FROM patter_campaign_attempts
                                WHERE state IN ('dialing', 'in_call') AND lease_until < to_timestamp($2 / 1000.0)
                                LIMIT $4 FOR UPDATE SKIP LOCKED)
          AND c.campaign_id = a.campaign_id AND c.contact_index = a.contact_index
        RETURNING a.attempt_id, a.state, a.call_id, c.to_number, a.from_number, ${ms('a.dial_at')} AS dial_ms`,
      [worker, now, leaseMs, limit],
    );
    return rows.map((row) => ({ attemptId: row.attempt_id, state: row.state, callId: row.call_id, to: row.to_number, from: row.from_number, dialAt: Number(row.dial_ms) }));
  }

  /** No call exists for a stale attempt: it goes back to queued, to be dialed (for the first time). */
  async requeue(attempt: string, worker: string, now: number): Promise<void> {
    await this.client.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE patter_campaign_attempts SET state = 'queued', worker = NULL, from_number = NULL, lease_until = NULL, dial_at = NULL,
                job_queued = false, not_before = to_timestamp($3 / 1000.0)
          WHERE attempt_id = $1 AND worker = $2 AND state = 'dialing' RETURNING attempt_id`,
        [attempt, worker, now],
      );
      if (rows.length > 0) await this.setContact(tx, attempt, 'queued', null);
    });
  }

  /** The newest campaigns first, at most `limit`, with their contacts counted by state. */
  async list(limit: number): Promise<CampaignSummary[]> {
    const rows = await this.client.query<{ campaign_id: string; name: string; state: string; created_at: Date | string; contact_state: ContactState | null; n: number | null }>(
      `SELECT k.campaign_id, k.name, k.state, k.created_at, c.state AS contact_state, c.n
         FROM (SELECT campaign_id, name, state, created_at FROM patter_campaigns ORDER BY created_at DESC, campaign_id LIMIT $1) k
         LEFT JOIN (SELECT campaign_id, state, count(*)::int AS n FROM patter_campaign_contacts GROUP BY campaign_id, state) c
           ON c.campaign_id = k.campaign_id
        ORDER BY k.created_at DESC, k.campaign_id`,
      [limit],
    );
    const byId = new Map<string, { campaignId: string; name: string; state: string; createdAt: string; counts: Record<ContactState, number> }>();
    for (const row of rows) {
      let summary = byId.get(row.campaign_id);
      if (summary === undefined) {
        summary = { campaignId: row.campaign_id, name: row.name, state: row.state, createdAt: new Date(row.created_at).toISOString(), counts: { queued: 0, dialing: 0, in_call: 0, done: 0, failed: 0 } };
        byId.set(row.campaign_id, summary);
      }
      if (row.contact_state !== null) summary.counts[row.contact_state] = row.n ?? 0;
    }
    return [...byId.values()];
  }

  async progress(campaignId: string): Promise<CampaignProgress | undefined> {
    const [campaign] = await this.client.query<{ state: string }>('SELECT state FROM patter_campaigns WHERE campaign_id = $1', [campaignId]);
    if (campaign === undefined) return undefined;
    const rows = await this.client.query<{ contact_index: number; to_number: string; state: ContactState; attempts: number; outcome: string | null }>(
      'SELECT contact_index, to_number, state, attempts, outcome FROM patter_campaign_contacts WHERE campaign_id = $1 ORDER BY contact_index',
      [campaignId],
    );
    const counts: Record<ContactState, number> = { queued: 0, dialing: 0, in_call: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] += 1;
    return {
      campaignId,
      state: campaign.state,
      counts,
      contacts: rows.map((row) => ({ index: row.contact_index, to: row.to_number, state: row.state, attempts: row.attempts, outcome: row.outcome })),
    };
  }

  private async finishAttempt(
    tx: Tx,
    row: { attempt_id: string; campaign_id: string; contact_index: number; attempt: number; config: CampaignOptions },
    outcome: CallOutcome | 'dial-unconfirmed',
    now: number,
  ): Promise<void> {
    // Serialise the ends of one campaign: the last one must see every other contact final.
    await tx.query('SELECT 1 FROM patter_campaigns WHERE campaign_id = $1 FOR UPDATE', [row.campaign_id]);
    const retry = row.config.retry;
    const wants =
      (outcome === 'busy' && retry?.onBusy === true) ||
      (outcome === 'no-answer' && retry?.onNoAnswer === true) ||
      (outcome === 'voicemail' && retry?.onVoicemail === true);
    if (wants && row.attempt < (retry?.maxAttempts ?? 1)) {
      const backoff = retry?.backoff ?? { baseMs: 300_000 };
      const delay = backoff.baseMs * (backoff.factor ?? 2) ** (row.attempt - 1);
      await tx.query(
        `INSERT INTO patter_campaign_attempts (attempt_id, campaign_id, contact_index, attempt, not_before)
         VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0)) ON CONFLICT DO NOTHING`,
        [attemptId(row.campaign_id, row.contact_index, row.attempt + 1), row.campaign_id, row.contact_index, row.attempt + 1, now + delay],
      );
      await this.setContact(tx, row.attempt_id, 'queued', outcome);
      return;
    }
    await this.setContact(tx, row.attempt_id, outcome === 'completed' || outcome === 'voicemail' ? 'done' : 'failed', outcome);
    await tx.query(
      `UPDATE patter_campaigns SET state = 'done' WHERE campaign_id = $1 AND state = 'running'
          AND NOT EXISTS (SELECT 1 FROM patter_campaign_contacts WHERE campaign_id = $1 AND state NOT IN ('done', 'failed'))`,
      [row.campaign_id],
    );
  }

  private async setContact(tx: Tx, attempt: string, state: ContactState, outcome: string | null): Promise<void> {
    await tx.query(
      `UPDATE patter_campaign_contacts c SET state = $2, outcome = coalesce($3, c.outcome), updated_at = now()
         FROM patter_campaign_attempts a
        WHERE a.attempt_id = $1 AND c.campaign_id = a.campaign_id AND c.contact_index = a.contact_index`,
      [attempt, state, outcome],
    );
  }
}
