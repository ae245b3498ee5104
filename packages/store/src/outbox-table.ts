import type { SqlClient } from './sql-client.js';

/** A message waiting to be delivered (a post-call webhook). */
export interface OutboxEntry {
  readonly id: number;
  readonly topic: string;
  readonly callId: string;
  readonly payload: unknown;
  readonly attempts: number;
  /** Epoch ms of the next attempt. */
  readonly nextAt: number;
}

interface OutboxRow {
  id: number | string;
  topic: string;
  call_id: string;
  payload: unknown;
  attempts: number;
  next_at: Date | string;
}

/**
 * The durable outbox: rows survive a restart, and the oldest undelivered row of a topic is
 * always the next one, so a receiver sees records once each and in order.
 */
export class OutboxTable {
  constructor(private readonly client: SqlClient) {}

  /** Queues a message; a second one for the same call and topic is ignored (retried writes). */
  async add(topic: string, callId: string, payload: unknown, now: number): Promise<void> {
    await this.client.query('INSERT INTO patter_outbox (topic, call_id, payload, next_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (topic, call_id) DO NOTHING', [
      topic,
      callId,
      JSON.stringify(payload),
      new Date(now).toISOString(),
    ]);
  }

  /** The oldest undelivered entry of `topic` (due or not: delivery is in order). */
  async head(topic: string): Promise<OutboxEntry | undefined> {
    const rows = await this.client.query<OutboxRow>(
      'SELECT id, topic, call_id, payload, attempts, next_at FROM patter_outbox WHERE topic = $1 AND delivered_at IS NULL ORDER BY id LIMIT 1',
      [topic],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: Number(row.id),
      topic: row.topic,
      callId: row.call_id,
      payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      attempts: row.attempts,
      nextAt: new Date(row.next_at).getTime(),
    };
  }

  /**
   * Takes the lease on `entry` (still the head, due at `now`) for `owner` until `leaseUntil`:
   * true when it is free, expired, or already this owner's. Only the holder delivers, so servers
   * sharing the database never send the same record twice, nor two records at once.
   */
  async claim(entry: OutboxEntry, owner: string, now: number, leaseUntil: number): Promise<boolean> {
    const rows = await this.client.query(
      `UPDATE patter_outbox SET lease_owner = $2, lease_until = $4
       WHERE id = $1 AND delivered_at IS NULL AND next_at <= $3 AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $2)
       RETURNING id`,
      [entry.id, owner, new Date(now).toISOString(), new Date(leaseUntil).toISOString()],
    );
    return rows.length > 0;
  }

  /** Gives up `owner`'s leases (a server stopping), so the next server need not wait them out. */
  async release(owner: string): Promise<void> {
    await this.client.query('UPDATE patter_outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND delivered_at IS NULL', [owner]);
  }

  async delivered(id: number, now: number): Promise<void> {
    await this.client.query('UPDATE patter_outbox SET delivered_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1', [
      id,
      new Date(now).toISOString(),
    ]);
  }

  async failed(id: number, nextAt: number, error: string): Promise<void> {
    await this.client.query('UPDATE patter_outbox SET attempts = attempts + 1, next_at = $2, last_error = $3 WHERE id = $1', [
      id,
      new Date(nextAt).toISOString(),
      error.slice(0, 500),
    ]);
  }

  async pendingCount(topic: string): Promise<number> {
    const rows = await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM patter_outbox WHERE topic = $1 AND delivered_at IS NULL', [topic]);
    return rows[0]?.n ?? 0;
  }
}
