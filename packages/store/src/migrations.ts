import type { SqlClient } from './sql-client.js';

/**
 * The schema, as numbered steps. A step is never edited once released: change the schema by
 * appending one. `migrate()` applies the steps a database has not seen, each in a transaction,
 * under an advisory lock so N servers starting together apply each step once.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'calls',
    sql: `
CREATE TABLE patter_calls (
  call_id        text PRIMARY KEY,
  call_ref       text NOT NULL,
  carrier        text NOT NULL,
  direction      text NOT NULL,
  from_number    text,
  to_number      text,
  agent          text,
  started_at     timestamptz NOT NULL,
  ended_at       timestamptz,
  duration_ms    integer,
  end_reason     text,
  cost_usd       double precision NOT NULL DEFAULT 0,
  turn_count     integer NOT NULL DEFAULT 0,
  latency_p50_ms integer,
  search_text    text NOT NULL DEFAULT '',
  record         jsonb NOT NULL
);
CREATE INDEX patter_calls_started ON patter_calls (started_at DESC, call_id DESC);
CREATE INDEX patter_calls_reason ON patter_calls (end_reason, started_at DESC, call_id DESC);
CREATE INDEX patter_calls_agent ON patter_calls (agent, started_at DESC, call_id DESC);
CREATE INDEX patter_calls_from ON patter_calls (from_number, started_at DESC, call_id DESC);
CREATE INDEX patter_calls_to ON patter_calls (to_number, started_at DESC, call_id DESC);
`,
  },
  {
    version: 2,
    name: 'outbox',
    sql: `
CREATE TABLE patter_outbox (
  id           bigserial PRIMARY KEY,
  topic        text NOT NULL,
  call_id      text NOT NULL,
  payload      jsonb NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  next_at      timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  last_error   text
);
CREATE INDEX patter_outbox_pending ON patter_outbox (topic, id) WHERE delivered_at IS NULL;
-- One message per call and topic: a retried save (its first commit's ack lost) cannot queue a second.
CREATE UNIQUE INDEX patter_outbox_once ON patter_outbox (topic, call_id);
`,
  },
  {
    version: 3,
    name: 'campaigns',
    sql: `
CREATE TABLE patter_campaigns (
  campaign_id text PRIMARY KEY,
  name        text NOT NULL,
  config      jsonb NOT NULL,
  state       text NOT NULL DEFAULT 'running',
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- One row per contact: its current state (queued, dialing, in_call, done, failed).
CREATE TABLE patter_campaign_contacts (
  campaign_id   text NOT NULL REFERENCES patter_campaigns (campaign_id),
  contact_index integer NOT NULL,
  to_number     text NOT NULL,
  variables     jsonb NOT NULL DEFAULT '{}',
  time_zone     text,
  state         text NOT NULL DEFAULT 'queued',
  attempts      integer NOT NULL DEFAULT 0,
  outcome       text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, contact_index)
);
-- One row per dial attempt: queued -> dialing (claimed by a worker, leased) -> in_call -> done.
CREATE TABLE patter_campaign_attempts (
  attempt_id    text PRIMARY KEY,
  campaign_id   text NOT NULL,
  contact_index integer NOT NULL,
  attempt       integer NOT NULL,
  state         text NOT NULL DEFAULT 'queued',
  not_before    timestamptz NOT NULL,
  job_queued    boolean NOT NULL DEFAULT false,
  from_number   text,
  call_id       text,
  worker        text,
  lease_until   timestamptz,
  dial_at       timestamptz,
  outcome       text,
  ended_at      timestamptz,
  UNIQUE (campaign_id, contact_index, attempt)
);
CREATE INDEX patter_attempts_live ON patter_campaign_attempts (state, campaign_id) WHERE state IN ('dialing', 'in_call');
CREATE INDEX patter_attempts_due ON patter_campaign_attempts (not_before) WHERE state = 'queued' AND NOT job_queued;
CREATE UNIQUE INDEX patter_attempts_call ON patter_campaign_attempts (call_id) WHERE call_id IS NOT NULL;
-- Calls-per-second slots: the next instant a call may start under each rate key.
CREATE TABLE patter_rate_slots (
  rate_key text PRIMARY KEY,
  next_at  timestamptz NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'call turns',
    // One row per turn with its latency, so the overview's percentiles read an index, not every record.
    sql: `
CREATE TABLE patter_call_turns (
  call_id    text NOT NULL REFERENCES patter_calls (call_id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  started_at timestamptz NOT NULL,
  latency_ms integer NOT NULL,
  PRIMARY KEY (call_id, seq)
);
CREATE INDEX patter_call_turns_started ON patter_call_turns (started_at);
INSERT INTO patter_call_turns (call_id, seq, started_at, latency_ms)
SELECT c.call_id, t.seq, c.started_at, round(t.ms)::int
FROM patter_calls c,
     LATERAL (SELECT row_number() OVER () AS seq, COALESCE((e->>'heardMs')::float8, (e->>'totalMs')::float8) AS ms
              FROM jsonb_array_elements(c.record->'turns') e) t
WHERE t.ms IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'outbox lease',
    // The server delivering a topic's head holds a lease on it: N servers, one delivery at a time.
    sql: `
ALTER TABLE patter_outbox ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
`,
  },
  {
    version: 6,
    name: 'campaign schedules',
    // A recurring campaign: one instance of the fleet starts each occurrence (row lock), then moves next_at.
    sql: `
CREATE TABLE patter_schedules (
  schedule_id      text PRIMARY KEY,
  cron             text NOT NULL,
  time_zone        text NOT NULL,
  campaign         jsonb NOT NULL,
  next_at          timestamptz NOT NULL,
  last_campaign_id text,
  state            text NOT NULL DEFAULT 'active',
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patter_schedules_due ON patter_schedules (next_at) WHERE state = 'active';
`,
  },
];

/** Arbitrary key of the advisory lock that serialises migrations across servers. */
const LOCK_KEY = 7_416_001;

/** Applies the migrations `client` has not seen yet; returns the versions applied. */
export async function migrate(client: SqlClient): Promise<number[]> {
  return client.transaction(async (tx) => {
    // Lock first: even CREATE TABLE IF NOT EXISTS races when two servers run it at once.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS patter_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM patter_migrations')).map((row) => row.version));
    const applied: number[] = [];
    for (const step of MIGRATIONS) {
      if (done.has(step.version)) continue;
      await tx.exec(step.sql);
      await tx.query('INSERT INTO patter_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
      applied.push(step.version);
    }
    return applied;
  });
}
